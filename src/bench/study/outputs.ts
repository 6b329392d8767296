// Writes a run's files: results.json, trials.csv and the report (assemble.ts builds
// results.json; a web page offers the same files as downloads instead).
import { join } from 'node:path';
import type { Gpu } from '../../kernels/gpu.ts';
import { trialsCsv } from '../report/csv.ts';
import { writeReport } from '../report/index.ts';
import { toJson, writeFileAtomic } from '../results/files.ts';
import type { ResultsFile } from '../results/types.ts';
import { gpuFacts, type MachineFacts } from './assemble.ts';
import { environment } from './environment.ts';

export function machineFacts(gpu: Gpu): MachineFacts {
  return gpuFacts(gpu, environment(gpu));
}

export async function writeOutputs(dir: string, results: ResultsFile): Promise<string[]> {
  const files = [join(dir, 'results.json'), join(dir, 'trials.csv')];
  writeFileAtomic(files[0], toJson(results));
  writeFileAtomic(files[1], trialsCsv(results.trials));
  const report = await writeReport(dir, results);
  return [...files, ...report.all];
}
