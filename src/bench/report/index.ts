// Report of a study run: tables.md, one loss / accuracy / time SVG per data set, and a
// self-contained index.html. Everything is rendered in memory first (render.ts), then each
// file is written under a temp name and renamed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultsFile } from '../results/types.ts';
import { renderReport } from './render.ts';
import { writeFileAtomic } from '../results/files.ts';

export { consoleSummary } from './render.ts';

export interface ReportFiles {
  dir: string;
  tables: string;
  html: string;
  /** data set -> its three SVG files */
  plots: Record<string, { loss: string; accuracy: string; time: string }>;
  /** Every file written, in writing order. */
  all: string[];
}

export async function writeReport(dir: string, results: ResultsFile): Promise<ReportFiles> {
  const rendered = await renderReport(results);
  await mkdir(dir, { recursive: true });
  const files: ReportFiles = { dir, tables: join(dir, 'tables.md'), html: join(dir, 'index.html'), plots: {}, all: [] };
  for (const f of rendered) {
    const path = join(dir, f.name);
    writeFileAtomic(path, f.content);
    files.all.push(path);
    if (f.plot) (files.plots[f.plot.dataset] ??= { loss: '', accuracy: '', time: '' })[f.plot.kind] = path;
  }
  return files;
}
