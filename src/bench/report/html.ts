// index.html: a self-contained page (inline CSS and SVG, no scripts) with the run's
// configuration, environment, tables and plots.
import type { ResultsFile } from '../results/types.ts';
import { DASH, fmtBytes, fmtDuration, isNum } from './format.ts';
import type { DatasetPlots } from './plots.ts';
import { OUTSIDE, referenceSection } from './reference.ts';
import type { StudyIndex } from './study.ts';
import { AT_BEST } from './sweep-tables.ts';
import { datasetTables, kernelTable, summaryTable, type Table } from './tables.ts';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** `flag`: cells with exactly this text are marked (class "flag"). */
export function htmlTable(t: Table, level = 3, flag?: string): string {
  const th = t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = t.rows.map((r, i) => {
    const cls = t.summaryStart === undefined || i < t.summaryStart ? '' : i === t.summaryStart ? ' class="summary first"' : ' class="summary"';
    const td = (c: string) => (flag !== undefined && c === flag ? `<td class="flag">${escapeHtml(c)}</td>` : `<td>${escapeHtml(c)}</td>`);
    return `<tr${cls}>${r.map((c, j) => (j === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : td(c))).join('')}</tr>`;
  });
  const note = t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : '';
  return `<h${level}>${escapeHtml(t.title)}</h${level}>${note}\n<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

function list(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(', ') : v === undefined || v === null ? DASH : String(v);
}

/** Key/value table of the run: configuration, mode and timing. */
function runTable(r: ResultsFile): Table {
  const c = r.config;
  const batch = c.batch ?? c.batchSize;
  const rows: string[][] = [
    ['preset', String(c.preset)],
    ['data sets', list(c.datasets)],
    ['optimizers', list(c.optimizers)],
    ['regularization', list(c.regs)],
    ['seeds', list(c.seeds)],
    ['epochs', list(c.epochs)],
    ['batch', list(batch)],
    ['mode', r.mode.batched ? 'batched' : 'one by one'],
    ['trials at once', String(r.mode.trialsAtOnce)],
    ['peak GPU memory', fmtBytes(r.mode.peakGpuBytes)],
    ['trials', `${r.trials.length} of ${r.plannedTrials} planned${r.complete ? '' : ' (incomplete run: resume it to finish)'}`],
    ['wall time', fmtDuration(r.wallSeconds)],
    ['created', r.createdAt],
  ];
  return { title: 'Run', header: ['setting', 'value'], rows };
}

function environmentTable(r: ResultsFile): Table {
  const e = r.environment;
  const rows: string[][] = [
    ['adapter', e.adapter + (e.isCpu ? ' (CPU)' : '')],
    ['backend', `${e.backend}, feature level ${e.featureLevel}`],
    ['timing', e.timing],
    ['node', e.node],
    ['platform', e.platform],
    ['CPUs', e.cpus],
    ['git commit', e.gitCommit ?? DASH],
    ...Object.entries(e.packages).map(([k, v]) => [k, v]),
  ];
  return { title: 'Environment', header: ['item', 'value'], rows };
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/**
 * Makes the ids of an SVG unique within the page (several inlined SVGs may each use
 * `clip1`, ...), rewriting `id="x"` and its `url(#x)` / `href="#x"` references.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  if (!ids.size) return svg;
  return svg
    .replace(/\sid="([^"]+)"/g, (_, id: string) => ` id="${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${prefix}${id})` : all))
    .replace(/href="#([^"]+)"/g, (all, id: string) => (ids.has(id) ? `href="#${prefix}${id}"` : all));
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #ccc}h3{margin-top:1.5rem;font-size:1.05rem}
table{border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums}
th,td{padding:.2rem .55rem;border-bottom:1px solid #e3e3e3;text-align:right;white-space:nowrap}
thead th{border-bottom:2px solid #999}th[scope=row]{text-align:left;font-weight:600}
tr.summary td,tr.summary th{background:#f5f7fa}tr.first td,tr.first th{border-top:2px solid #999}
.kv td{text-align:left;white-space:normal}.scroll{overflow-x:auto}.note{color:#555;font-size:.85rem;margin:.2rem 0 .5rem}
td.flag{color:#a40000;font-weight:600}ul.findings li{margin:.3rem 0}
figure{margin:1.5rem 0;overflow-x:auto}figcaption{color:#555;font-size:.85rem}pre{background:#f6f6f6;padding:.8rem;overflow-x:auto;font-size:.8rem}
`;

/** `sweep`: a sweep's section (sweep-render.ts), in place of the reference comparison;
 * `inference` (inference-render.ts): the conclusions, at the end of the summary, and the
 * paired comparisons and ranking after the sweep or reference section. */
export function reportHtml(ix: StudyIndex, plots: Map<string, DatasetPlots>, sweep?: string, inference?: { conclusions: string; section: string }): string {
  const r = ix.results;
  const parts: string[] = [];
  parts.push(`<h1>Optimizer benchmark: ${escapeHtml(String(r.config.preset))}</h1>`);
  parts.push(`<div class="kv">${htmlTable(runTable(r), 2)}</div>`);
  parts.push(`<div class="kv">${htmlTable(environmentTable(r), 2)}</div>`);
  parts.push('<h2>Summary</h2>');
  if (sweep) parts.push(`<p>${escapeHtml(AT_BEST)}</p>`);
  for (const ds of ix.datasets()) parts.push(htmlTable(summaryTable(ix, ds), 3));
  if (inference) parts.push(inference.conclusions);
  parts.push(sweep ?? referenceHtml(ix));
  if (inference) parts.push(inference.section);
  let n = 0;
  for (const ds of ix.datasets()) {
    parts.push(`<h2 id="ds-${escapeHtml(ds)}">${escapeHtml(ds)}</h2>`);
    for (const t of datasetTables(ix, ds)) parts.push(htmlTable(t, 3));
    const p = plots.get(ds);
    if (p) {
      parts.push(figure(prefixSvgIds(p.loss, `p${n++}-`), `Training loss per epoch, ${ds}.`));
      parts.push(figure(prefixSvgIds(p.accuracy, `p${n++}-`), `Final test accuracy per seed, ${ds}.`));
      parts.push(figure(prefixSvgIds(p.time, `p${n++}-`), `Time per trial, ${ds}.`));
    }
  }
  const k = kernelTable(r.kernels);
  if (k) parts.push(htmlTable(k, 2));
  parts.push(`<h2>Configuration</h2><pre>${escapeHtml(JSON.stringify(r.config, (_, v) => (typeof v === 'number' && !isNum(v) ? String(v) : v), 2))}</pre>`);
  return htmlPage(`Optimizer benchmark: ${r.config.preset}`, parts.join('\n'));
}

/** The section comparing the run with the reference study. */
export function referenceHtml(ix: StudyIndex): string {
  const s = referenceSection(ix);
  const parts = [`<h2 id="reference">${escapeHtml(s.title)}</h2>`, ...s.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`)];
  if (s.table) parts.push(htmlTable(s.table, 3, OUTSIDE));
  return parts.join('\n');
}

/** A self-contained page (inline CSS, no scripts); `body` is HTML, `title` plain text. */
export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
