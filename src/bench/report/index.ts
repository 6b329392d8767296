// Report of a study run: tables.md, one loss / accuracy / time SVG per data set, and a
// self-contained index.html. Everything is rendered in memory first, then each file is
// written under a temp name and renamed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
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
import { writeFileAtomic } from '../results/files.ts';

export interface ReportFiles {
  dir: string;
  tables: string;
  html: string;
  /** data set -> its three SVG files */
  plots: Record<string, { loss: string; accuracy: string; time: string }>;
  /** Every file written, in writing order. */
  all: string[];
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

export async function writeReport(dir: string, results: ResultsFile): Promise<ReportFiles> {
  const { ix, sweep, inference } = indexOf(results);
  const rendered = new Map<string, DatasetPlots>();
  for (const ds of ix.datasets()) rendered.set(ds, await datasetPlots(ix, ds));
  const swept = sweep ? await sweepPlots(sweep) : undefined;
  const diagrams = await cdDiagrams(inference);
  const markdown = tablesMarkdown(ix, sweep ? sweepMarkdown(sweep) : undefined, { conclusions: conclusionsMarkdown(inference), section: inferenceMarkdown(inference) });
  const html = reportHtml(ix, rendered, sweep ? sweepHtml(sweep, swept) : undefined, { conclusions: conclusionsHtml(inference), section: inferenceHtml(inference, diagrams) });

  await mkdir(dir, { recursive: true });
  const files: ReportFiles = { dir, tables: join(dir, 'tables.md'), html: join(dir, 'index.html'), plots: {}, all: [] };
  const used = new Set<string>();
  for (const [ds, svgs] of rendered) {
    let base = fileSafe(ds);
    for (let i = 2; used.has(base); i++) base = `${fileSafe(ds)}-${i}`;
    used.add(base);
    const paths = { loss: join(dir, `loss-${base}.svg`), accuracy: join(dir, `accuracy-${base}.svg`), time: join(dir, `time-${base}.svg`) };
    for (const kind of ['loss', 'accuracy', 'time'] as const) {
      writeFileAtomic(paths[kind], svgs[kind]);
      files.all.push(paths[kind]);
    }
    files.plots[ds] = paths;
  }
  if (swept) {
    const write = (name: string, svg: string) => {
      const path = join(dir, name);
      writeFileAtomic(path, svg);
      files.all.push(path);
    };
    for (const [ds, byKey] of swept.axes) for (const [key, svg] of byKey) write(`sweep-${fileSafe(ds)}-${fileSafe(key)}.svg`, svg);
    if (swept.profile) write('profile.svg', swept.profile);
  }
  for (const [metric, svg] of diagrams) {
    const path = join(dir, cdFile(metric));
    writeFileAtomic(path, svg);
    files.all.push(path);
  }
  writeFileAtomic(files.tables, markdown);
  files.all.push(files.tables);
  writeFileAtomic(files.html, html);
  files.all.push(files.html);
  return files;
}
