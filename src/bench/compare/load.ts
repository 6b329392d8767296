// Reading a run's results.json for `--compare`: every problem is a CompareError with a
// one-line message (the CLI prints it and exits with code 2).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isReplica } from '../report/reference.ts';
import { StudyIndex } from '../report/study.ts';
import { ACCURACY_CI_METHOD, accuracyCi95 } from '../results/interval.ts';
import type { CellStats, ResultsFile, TrialRecord } from '../results/types.ts';

export class CompareError extends Error {
  override name = 'CompareError';
}

export const RESULTS_SCHEMA: ResultsFile['schema'] = 'webgpu-optbench/results@1';

export interface LoadedRun {
  /** The directory as given. */
  dir: string;
  results: ResultsFile;
  index: StudyIndex;
  preset: string;
  /** Its config resets some optimizer's state every step: it replays the notebook. */
  replica: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** results.json stores NaN as null. */
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** A file written before results.json named its interval method holds Student's t intervals
 * on the accuracies; they are computed afresh from its trials by today's (interval.ts), so
 * every run is compared by one method. */
function currentInterval(r: CellStats['robustness'], cell: { dataset: string; optimizer: string; reg: string }, trials: TrialRecord[]): Pick<CellStats['robustness'], 'ci95' | 'ciMethod'> {
  if (r.ciMethod !== undefined) return { ci95: r.ci95, ciMethod: r.ciMethod };
  const mine = trials.filter((t) => t.dataset === cell.dataset && t.optimizer === cell.optimizer && t.reg === cell.reg && !t.diverged);
  if (mine.length === 0) return { ci95: r.ci95 };
  return { ci95: accuracyCi95(mine.map((t) => num(t.testAccuracy))), ciMethod: ACCURACY_CI_METHOD };
}

function checkStats(file: string, stats: unknown, trials: TrialRecord[]): CellStats[] {
  if (!Array.isArray(stats)) throw new CompareError(`${file}: "statistics" is missing or not a list`);
  return stats.map((s, i) => {
    const where = `${file}: statistics[${i}]`;
    if (!isObject(s) || typeof s.dataset !== 'string' || typeof s.optimizer !== 'string' || typeof s.reg !== 'string') throw new CompareError(`${where} lacks dataset, optimizer or reg`);
    const r = s.robustness;
    if (!isObject(r)) throw new CompareError(`${where} (${s.dataset} ${s.optimizer} ${s.reg}) lacks "robustness"`);
    const ci = Array.isArray(r.ci95) ? r.ci95 : [];
    const robustness = { ...(r as unknown as CellStats['robustness']), n: num(r.n), mean: num(r.mean), std: num(r.std), ci95: [num(ci[0]), num(ci[1])] as [number, number] };
    return { ...(s as unknown as CellStats), robustness: { ...robustness, ...currentInterval(robustness, s as { dataset: string; optimizer: string; reg: string }, trials) } };
  });
}

/** Reads and checks `dir/results.json`. */
export function loadRun(dir: string): LoadedRun {
  if (!existsSync(dir)) throw new CompareError(`${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new CompareError(`${dir} is not a directory (give a run directory holding results.json)`);
  const file = join(dir, 'results.json');
  if (!existsSync(file)) throw new CompareError(`${dir} holds no results.json (not a finished run directory)`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CompareError(`${file} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(v)) throw new CompareError(`${file} is not a results file of this tool (not a JSON object)`);
  if (v.schema !== RESULTS_SCHEMA) throw new CompareError(`${file} is not a results file of this tool (schema ${JSON.stringify(v.schema ?? null)}, expected "${RESULTS_SCHEMA}")`);
  const c = v.config;
  if (!isObject(c) || typeof c.preset !== 'string') throw new CompareError(`${file}: "config" with its "preset" is missing`);
  if (v.sweep) throw new CompareError(`${file} holds a sweep (several settings per optimizer and mode); --compare takes runs without one (its report compares the optimizers at their best settings)`);
  const trials = Array.isArray(v.trials) ? (v.trials as TrialRecord[]) : [];
  const statistics = checkStats(file, v.statistics, trials);
  const results = { ...v, config: c, statistics, trials } as unknown as ResultsFile;
  // Means and CIs come from the statistics alone (the trials are not needed, nor checked).
  return { dir, results, index: new StudyIndex({ ...results, trials: [] }), preset: c.preset, replica: isReplica(results.config) };
}
