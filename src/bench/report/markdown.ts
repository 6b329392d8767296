// Markdown rendering of the report's tables (tables.md and the console summary).
import type { ResultsFile } from '../results/types.ts';
import { fmtDuration } from './format.ts';
import { AT_BEST } from './sweep-tables.ts';
import { referenceConsoleTables, referenceSection } from './reference.ts';
import type { StudyIndex } from './study.ts';
import { datasetTables, kernelTable, summaryTable, type Table } from './tables.ts';

/** Text in a table cell or heading: pipes, `<` (an HTML tag to a Markdown renderer) and backslashes escaped, one line. */
export function mdCell(s: string): string {
  return s.replace(/[\\|<]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** Text of a paragraph or list item: backslashes and `<` escaped, one line (pipes need no escape outside tables). */
export function mdText(s: string): string {
  return s.replace(/[\\<]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

export function mdTable(t: Table, level = 3): string {
  const head = `| ${t.header.map(mdCell).join(' | ')} |`;
  const rule = `|${t.header.map((_, i) => (i === 0 ? ':---' : '---:')).join('|')}|`;
  const body = t.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`);
  const lines = [`${'#'.repeat(level)} ${mdCell(t.title)}`, ''];
  if (t.note) lines.push(t.note, '');
  lines.push(head, rule, ...body, '');
  return lines.join('\n');
}

function trialCount(r: ResultsFile): string {
  return `${r.trials.length} of ${r.plannedTrials} planned trials${r.complete ? '' : ' (incomplete run)'}`;
}

/** The summary tables printed at the end of a run; `sweep`: a sweep's part (sweep-render.ts),
 * in place of the comparison with the reference study; `conclusions`: the conclusions in
 * words (inference-render.ts), after the summary. */
export function summaryMarkdown(ix: StudyIndex, sweep?: string, conclusions?: string): string {
  const r = ix.results;
  const lines = [`Study "${r.config.preset}": ${ix.datasets().length} data set(s), ${trialCount(r)}, wall time ${fmtDuration(r.wallSeconds)}`, ''];
  if (sweep) return [...lines, sweep, ...(conclusions ? [conclusions] : [])].join('\n');
  for (const ds of ix.datasets()) lines.push(mdTable(summaryTable(ix, ds), 3));
  if (conclusions) lines.push(conclusions);
  const ref = referenceConsoleTables(ix);
  if (ref) {
    lines.push(mdText(ref.line), '');
    for (const t of ref.tables) lines.push(mdTable(t, 3));
  }
  return lines.join('\n');
}

/** The section comparing the run with the reference study. */
export function referenceMarkdown(ix: StudyIndex, level = 2): string {
  const s = referenceSection(ix);
  const out = [`${'#'.repeat(level)} ${mdCell(s.title)}`, ''];
  for (const p of s.paragraphs) out.push(mdText(p), '');
  if (s.table) out.push(mdTable(s.table, level + 1));
  return out.join('\n');
}

/** tables.md: the summary, then every data set's tables, then the kernel timings. `sweep`:
 * a sweep's section (sweep-render.ts), after the summary and in place of the comparison with
 * the reference study (made at the reference's settings, which a sweep varies). `inference`
 * (inference-render.ts): the conclusions, at the end of the summary, and the paired
 * comparisons and ranking, after the sweep or reference section. */
export function tablesMarkdown(ix: StudyIndex, sweep?: string, inference?: { conclusions: string; section: string }): string {
  const r: ResultsFile = ix.results;
  const out = [
    `# Optimizer benchmark: ${mdCell(r.config.preset)}`,
    '',
    `Created ${r.createdAt}; ${trialCount(r)}; wall time ${fmtDuration(r.wallSeconds)}; adapter ${mdCell(r.environment.adapter)} (${mdCell(r.environment.backend)}); ${r.mode.batched ? `batched, ${r.mode.trialsAtOnce} trials at once` : 'one trial at a time'}.`,
    '',
  ];
  out.push('## Summary', '');
  if (sweep) out.push(mdText(AT_BEST), '');
  for (const ds of ix.datasets()) out.push(mdTable(summaryTable(ix, ds), 3));
  if (inference) out.push(inference.conclusions);
  out.push(sweep ?? referenceMarkdown(ix, 2));
  if (inference) out.push(inference.section);
  for (const ds of ix.datasets()) {
    out.push(`## ${mdCell(ds)}`, '');
    for (const t of datasetTables(ix, ds)) out.push(mdTable(t, 3));
  }
  const k = kernelTable(r.kernels);
  if (k) out.push(mdTable(k, 2));
  return out.join('\n');
}
