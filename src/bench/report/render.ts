// The report rendered in memory: tables.md, index.html and the plots, each with its file
// name. Node-free: index.ts writes these files for a run, the web page offers them as
// downloads and shows index.html.
import type { Inference } from '../results/inference.ts';
import type { ResultsFile } from '../results/types.ts';
import { fileSafe } from './format.ts';
import { reportHtml } from './html.ts';
import { summaryMarkdown, tablesMarkdown } from './markdown.ts';
import { datasetPlots, type DatasetPlots } from './plots.ts';
import { cdDiagrams, cdFile, conclusionsHtml, conclusionsMarkdown, inferenceHtml, inferenceMarkdown } from './inference-render.ts';
import { inferenceOf } from './inference.ts';
import { StudyIndex } from './study.ts';
import { analyzeSweep, bestView, type SweepAnalysis } from './sweep.ts';
import { sweepPlots } from './sweep-plots.ts';
import { sweepConsole, sweepHtml, sweepMarkdown } from './sweep-render.ts';

/** One file of the report. `plot`: a data set's loss, accuracy or time plot. */
export interface ReportFile {
  name: string;
  content: string;
  plot?: { dataset: string; kind: keyof DatasetPlots };
}

/** The index the tables and plots read, a sweep's analysis (in a sweep the index shows each
 * optimizer and mode at its best setting) and the inference (computed afresh from the trials,
 * so a results.json written before it existed gets one too). */
function indexOf(results: ResultsFile): { ix: StudyIndex; sweep: SweepAnalysis | null; inference: Inference } {
  const sweep = analyzeSweep(results);
  return { ix: new StudyIndex(results, sweep ? bestView(results, sweep.best) : results), sweep, inference: inferenceOf(results, sweep) };
}

/** The summary tables printed at the end of a run (tables.md holds the full ones). */
export function consoleSummary(results: ResultsFile): string {
  const { ix, sweep, inference } = indexOf(results);
  return summaryMarkdown(ix, sweep ? sweepConsole(sweep) : undefined, conclusionsMarkdown(inference, 3, true));
}

/** Every file of the report, in writing order: each data set's three plots, the sweep's
 * plots, the critical-difference diagrams, tables.md, index.html. */
export async function renderReport(results: ResultsFile): Promise<ReportFile[]> {
  const { ix, sweep, inference } = indexOf(results);
  const rendered = new Map<string, DatasetPlots>();
  for (const ds of ix.datasets()) rendered.set(ds, await datasetPlots(ix, ds));
  const swept = sweep ? await sweepPlots(sweep) : undefined;
  const diagrams = await cdDiagrams(inference);
  const files: ReportFile[] = [];
  const used = new Set<string>();
  for (const [ds, svgs] of rendered) {
    let base = fileSafe(ds);
    for (let i = 2; used.has(base); i++) base = `${fileSafe(ds)}-${i}`;
    used.add(base);
    for (const kind of ['loss', 'accuracy', 'time'] as const) files.push({ name: `${kind}-${base}.svg`, content: svgs[kind], plot: { dataset: ds, kind } });
  }
  if (swept) {
    for (const [ds, byKey] of swept.axes) for (const [key, svg] of byKey) files.push({ name: `sweep-${fileSafe(ds)}-${fileSafe(key)}.svg`, content: svg });
    if (swept.profile) files.push({ name: 'profile.svg', content: swept.profile });
  }
  for (const [metric, svg] of diagrams) files.push({ name: cdFile(metric), content: svg });
  files.push({ name: 'tables.md', content: tablesMarkdown(ix, sweep ? sweepMarkdown(sweep) : undefined, { conclusions: conclusionsMarkdown(inference), section: inferenceMarkdown(inference) }) });
  files.push({ name: 'index.html', content: reportHtml(ix, rendered, sweep ? sweepHtml(sweep, swept) : undefined, { conclusions: conclusionsHtml(inference), section: inferenceHtml(inference, diagrams) }) });
  return files;
}
