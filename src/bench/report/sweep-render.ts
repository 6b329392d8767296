// The sweep section of tables.md, index.html and the console summary. In a sweep the rest
// of the report (summary, per-data-set tables and plots) shows each optimizer and mode at
// its best setting; this section shows every setting, the choice and the profile.
import { escapeHtml, htmlTable, prefixSvgIds } from './html.ts';
import { mdTable, mdText } from './markdown.ts';
import type { SweepAnalysis } from './sweep.ts';
import type { SweepPlots } from './sweep-plots.ts';
import { atBestTable, profileTable, sweepLine, sweepTables } from './sweep-tables.ts';

export function sweepMarkdown(a: SweepAnalysis, level = 2): string {
  const h = '#'.repeat(level);
  const t = sweepTables(a);
  const out = [`${h} Sweep`, '', mdText(sweepLine(a)), ''];
  for (const { dataset, tables } of t.perDataset) {
    out.push(`${h}# ${dataset}`, '');
    for (const table of tables) out.push(mdTable(table, level + 2));
  }
  if (t.profile.length) {
    out.push(`${h}# Performance profile`, '');
    for (const table of t.profile) out.push(mdTable(table, level + 2));
  }
  return out.join('\n');
}

/** The console's part: the optimizers at their best settings and the profile's ρ(τ). */
export function sweepConsole(a: SweepAnalysis): string {
  const out = [mdText(sweepLine(a)), ''];
  for (const ds of new Set(a.best.map((c) => c.dataset))) out.push(mdTable(atBestTable(a, ds), 3));
  if (a.profile.problems.length) out.push(mdTable(profileTable(a), 3));
  return out.join('\n');
}

export function sweepHtml(a: SweepAnalysis, plots: SweepPlots | undefined): string {
  const t = sweepTables(a);
  const parts = ['<h2 id="sweep">Sweep</h2>', `<p>${escapeHtml(sweepLine(a))}</p>`];
  let n = 0;
  const figure = (svg: string, caption: string) => `<figure>${prefixSvgIds(svg, `sw${n++}-`)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
  for (const { dataset, tables } of t.perDataset) {
    parts.push(`<h3>${escapeHtml(dataset)}</h3>`);
    for (const table of tables) parts.push(htmlTable(table, 4));
    for (const [key, svg] of plots?.axes.get(dataset) ?? []) parts.push(figure(svg, `Validation and test accuracy against ${key}, ${dataset}.`));
  }
  if (t.profile.length) {
    parts.push('<h3>Performance profile</h3>');
    for (const table of t.profile) parts.push(htmlTable(table, 4));
    if (plots?.profile) parts.push(figure(plots.profile, 'Performance profile: the fraction of problems on which each optimizer reaches the target within a factor τ of the fastest.'));
  }
  return parts.join('\n');
}
