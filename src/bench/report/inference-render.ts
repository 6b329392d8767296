// The inference part of tables.md, index.html and the console: the conclusions (in the
// summary), then the paired comparison tables per data set and metric, and the ranking
// across problems with its critical-difference diagrams.
import type { Inference } from '../results/inference.ts';
import { METRICS, metricSpec, type MetricKey } from '../results/metrics.ts';
import { cdDiagram } from './cd-diagram.ts';
import { conclusions, type ConclusionBlock } from './conclusions.ts';
import { fileSafe } from './format.ts';
import { escapeHtml, htmlTable, prefixSvgIds } from './html.ts';
import { comparisonTable, inferenceDatasets, rankingTable } from './inference-tables.ts';
import { mdTable, mdText } from './markdown.ts';
import type { Table } from './tables.ts';

/** File name of a metric's critical-difference diagram: `cd-test-accuracy.svg`. */
export function cdFile(metric: MetricKey): string {
  return `cd-${fileSafe(metricSpec(metric).label.replace(/ /g, '-'))}.svg`;
}

/** metric -> SVG of its critical-difference diagram (rankings with a test only). */
export async function cdDiagrams(inf: Inference): Promise<Map<MetricKey, string>> {
  const out = new Map<MetricKey, string>();
  for (const r of inf.rankings) {
    const svg = await cdDiagram(r);
    if (svg) out.set(r.metric, svg);
  }
  return out;
}

function tablesOf(inf: Inference): Array<{ dataset: string; tables: Table[] }> {
  return inferenceDatasets(inf).map((dataset) => ({
    dataset,
    tables: METRICS.map((m) => comparisonTable(inf, dataset, m.key)).filter((t): t is Table => t !== null),
  }));
}

function mdBlock(b: ConclusionBlock): string {
  const list = b.lines.length ? [...b.lines.map((l) => `- ${mdText(l)}`), ''] : [];
  return [`**${mdText(b.heading)}**`, '', ...list].join('\n');
}

/** The conclusions under the summary; `console`: the metrics and the first ranking only. */
export function conclusionsMarkdown(inf: Inference, level = 3, console = false): string {
  const c = conclusions(inf);
  const out = [`${'#'.repeat(level)} Conclusions`, '', mdText(c.intro), '', ...c.metrics.map(mdBlock)];
  out.push(...(console ? c.rankings.slice(0, 1) : c.rankings).map(mdBlock));
  if (console && c.rankings.length > 1) out.push('The other rankings and every comparison: tables.md and index.html.', '');
  return out.join('\n');
}

export function inferenceMarkdown(inf: Inference, level = 2): string {
  const h = '#'.repeat(level);
  const out = [`${h} Paired comparisons`, '', mdText(`Compared: ${inf.basis}.`), ''];
  for (const { dataset, tables } of tablesOf(inf)) {
    out.push(`${h}# ${dataset}`, '');
    for (const t of tables) out.push(mdTable(t, level + 2));
  }
  out.push(`${h} Ranking across problems`, '');
  for (const r of inf.rankings) {
    out.push(mdTable(rankingTable(r), level + 1));
    if (r.nemenyi) out.push(`Critical-difference diagram: ${cdFile(r.metric)}`, '');
  }
  return out.join('\n');
}

function htmlBlock(b: ConclusionBlock): string {
  const list = b.lines.length ? `\n<ul class="findings">${b.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : '';
  return `<p><strong>${escapeHtml(b.heading)}</strong></p>${list}`;
}

export function conclusionsHtml(inf: Inference): string {
  const c = conclusions(inf);
  return ['<h3 id="conclusions">Conclusions</h3>', `<p>${escapeHtml(c.intro)}</p>`, ...c.metrics.map(htmlBlock), ...c.rankings.map(htmlBlock)].join('\n');
}

export function inferenceHtml(inf: Inference, diagrams: Map<MetricKey, string>): string {
  const parts = ['<h2 id="paired">Paired comparisons</h2>', `<p>${escapeHtml(`Compared: ${inf.basis}.`)}</p>`];
  for (const { dataset, tables } of tablesOf(inf)) {
    parts.push(`<h3>${escapeHtml(dataset)}</h3>`);
    for (const t of tables) parts.push(htmlTable(t, 4));
  }
  parts.push('<h2 id="ranking">Ranking across problems</h2>');
  let n = 0;
  for (const r of inf.rankings) {
    parts.push(htmlTable(rankingTable(r), 3));
    const svg = diagrams.get(r.metric);
    if (svg) parts.push(`<figure>${prefixSvgIds(svg, `cd${n++}-`)}<figcaption>${escapeHtml(`Critical-difference diagram of ${metricSpec(r.metric).label}: average ranks across problems; optimizers joined by a bar do not differ by the Nemenyi test.`)}</figcaption></figure>`);
  }
  return parts.join('\n');
}
