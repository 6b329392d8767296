// `npm run bench -- --compare DIR1 DIR2 [--out DIR]`: two runs (typically seed-replica and
// seed-study) against the reference study, written as compare.md and compare.html.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../results/files.ts';
import { referenceDescription } from '../results/reference-study.ts';
import { mdCell, mdTable, mdText } from '../report/markdown.ts';
import { runBehaviour } from '../report/reference.ts';
import type { Table } from '../report/tables.ts';
import { compareRuns, type Comparison } from './cells.ts';
import { comparisonHtml } from './html.ts';
import { loadRun } from './load.ts';
import { findings, type Findings } from './summary.ts';
import { compareTable } from './table.ts';

export { CompareError, loadRun, type LoadedRun } from './load.ts';
export { compareRuns, type Comparison, type CompareRow, type ComparedRun } from './cells.ts';
export { findings, ranking, type Findings, type Ranking, type RunFindings } from './summary.ts';
export { compareTable } from './table.ts';

export interface ComparisonReport {
  title: string;
  /** One line per run: label, directory, behaviour, trials. */
  runLines: string[];
  referenceLine: string;
  comparison: Comparison;
  table: Table;
  findings: Findings;
}

export function comparisonReport(c: Comparison): ComparisonReport {
  const runLines = c.runs.map((r, i) => {
    const role = c.rolesKnown ? (r.role === 'replica' ? 'replays the notebook' : 'corrected study') : `run ${i + 1}`;
    const res = r.results;
    return `${r.label} (${role}): ${r.dir}; ${runBehaviour(res.config)}; ${res.trials.length} of ${res.plannedTrials} trials${res.complete ? '' : ' (incomplete run)'}, created ${res.createdAt}.`;
  });
  return { title: `Reference study: ${c.runs[0].label} vs ${c.runs[1].label}`, runLines, referenceLine: referenceDescription(), comparison: c, table: compareTable(c), findings: findings(c) };
}

/** Loads both run directories (CompareError on bad input) and builds the report. */
export function compareDirs(dir1: string, dir2: string): ComparisonReport {
  return comparisonReport(compareRuns(loadRun(dir1), loadRun(dir2)));
}

export function comparisonMarkdown(r: ComparisonReport): string {
  return [
    `# ${mdCell(r.title)}`,
    '',
    ...r.runLines.map((l) => `- ${mdText(l)}`),
    '',
    mdText(r.referenceLine),
    '',
    mdTable(r.table, 2),
    '## Which conclusions hold with correct optimizers',
    '',
    ...r.findings.lines.map((l) => `- ${mdText(l)}`),
    '',
  ].join('\n');
}

/** Writes compare.md and compare.html into `dir` (created if needed); returns their paths. */
export function writeComparison(dir: string, r: ComparisonReport): { markdown: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const files = { markdown: join(dir, 'compare.md'), html: join(dir, 'compare.html') };
  writeFileAtomic(files.markdown, comparisonMarkdown(r));
  writeFileAtomic(files.html, comparisonHtml(r));
  return files;
}
