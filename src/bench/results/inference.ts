// The study's inferential statistics (results.json `inference`): on every problem (data set x
// mode) every pair of optimizers compared across seeds on each metric (paired.ts), the
// p-values adjusted by Holm over each metric's family, and the optimizers ranked across
// problems (ranking.ts). Built from one set of trials per data set x optimizer x mode: every
// trial of a study, or in a sweep each optimizer's best setting (chosen by the report).
import padjust from '@stdlib/stats-padjust';
import { METRICS, metricValue, type MetricKey, type MetricSpec, type Missing } from './metrics.ts';
import { cellValues, compareCells, type CellValues, type Comparison } from './paired.ts';
import { problemScore, rankOptimizers, type Ranking } from './ranking.ts';
import type { TrialRecord } from './types.ts';

export type { Comparison } from './paired.ts';
export type { Ranking } from './ranking.ts';

/** Significance level of every test and of the conclusions. */
export const ALPHA = 0.05;

export interface InferenceFamily {
  metric: MetricKey;
  /** Comparisons with a test, over which Holm adjusts. */
  size: number;
  description: string;
  /**
   * The smallest p_holm this family could give whatever the data: its size times the
   * smallest p any of its tests can reach with its seeds (exact Wilcoxon with n pairs:
   * 2 / 2^n; exact Mann-Whitney: 2 / C(nA + nB, nA)). At or above ALPHA no comparison of the
   * family can be significant, however large the differences: more seeds are needed.
   */
  floor: number;
}

export interface Inference {
  /** Which trials were compared. */
  basis: string;
  alpha: number;
  /** Level of every confidence interval. */
  confidence: number;
  families: InferenceFamily[];
  comparisons: Comparison[];
  rankings: Ranking[];
}

export interface InferenceInput {
  /** At most one setting per data set x optimizer x mode. */
  trials: readonly TrialRecord[];
  /** Orders of the tables; anything in the trials but not here comes after. */
  datasets: readonly string[];
  optimizers: readonly string[];
  regs: readonly string[];
  /** Target validation accuracy per data set (time to target). */
  targets: Record<string, number>;
  basis: string;
}

function ordered(preferred: readonly string[], present: Iterable<string>): string[] {
  const set = new Set(present);
  return [...preferred.filter((x) => set.has(x)), ...[...set].filter((x) => !preferred.includes(x))];
}

/** The smallest two-sided p the comparison's exact test can reach with its sample sizes. */
function smallestP(c: Comparison): number {
  if (c.paired) return Math.min(1, 2 ** (1 - c.nA));
  let choose = 1;
  for (let i = 1; i <= c.nA; i++) choose = (choose * (c.nB + i)) / i;
  return Math.min(1, 2 / choose);
}

function holm(comparisons: Comparison[]): void {
  const tested = comparisons.filter((c) => Number.isFinite(c.test.p));
  if (!tested.length) return;
  const adjusted = padjust(tested.map((c) => c.test.p), 'holm');
  tested.forEach((c, i) => (c.pHolm = adjusted[i]));
}

/** One problem (data set x mode): each optimizer with trials there, with its values of a metric. */
interface Problem {
  dataset: string;
  reg: string;
  cells: CellValues[];
}

/** Every pair on every problem compared on one metric, Holm-adjusted over them all. */
function compareMetric(problems: Problem[], metric: MetricKey): Comparison[] {
  const out: Comparison[] = [];
  for (const { dataset, reg, cells } of problems) {
    for (let i = 0; i < cells.length; i++) for (let j = i + 1; j < cells.length; j++) out.push(compareCells(dataset, reg, metric, cells[i], cells[j]));
  }
  holm(out);
  return out;
}

/** The optimizers ranked over the problems on which every one of them has trials. */
function rankMetric(problems: Problem[], optimizers: string[], spec: MetricSpec): Ranking {
  const ranked = optimizers.filter((o) => problems.some((p) => p.cells.some((c) => c.optimizer === o)));
  const has = (p: Problem, o: string) => p.cells.some((c) => c.optimizer === o);
  const full = problems.filter((p) => ranked.every((o) => has(p, o)));
  const leftOut = problems.filter((p) => p.cells.length > 0 && !full.includes(p)).map((p) => ({ dataset: p.dataset, reg: p.reg, why: `no trials of ${ranked.filter((o) => !has(p, o)).join(', ')}` }));
  const scored = full.map((p) => ({
    dataset: p.dataset,
    reg: p.reg,
    scores: ranked.map((o) => {
      const v = p.cells.find((c) => c.optimizer === o)!;
      return problemScore([...v.values.values()], [...v.missing.values()].filter((w) => w === 'target not reached').length, spec.score);
    }),
  }));
  return rankOptimizers(spec.key, ranked, scored, leftOut, ALPHA);
}

export function inference(input: InferenceInput): Inference {
  const { trials, targets } = input;
  const datasets = ordered(input.datasets, trials.map((t) => t.dataset));
  const optimizers = ordered(input.optimizers, trials.map((t) => t.optimizer));
  const regs = ordered(input.regs, trials.map((t) => t.reg));
  const cell = (d: string, o: string, r: string) => trials.filter((t) => t.dataset === d && t.optimizer === o && t.reg === r);
  const out: Inference = { basis: input.basis, alpha: ALPHA, confidence: 0.95, families: [], comparisons: [], rankings: [] };
  for (const m of METRICS) {
    const problems: Problem[] = datasets.flatMap((dataset) => regs.map((reg) => ({
      dataset,
      reg,
      cells: optimizers.map((o) => cell(dataset, o, reg)).filter((ts) => ts.length > 0).map((ts) => cellValues(ts, m.key, targets[dataset] ?? 1)),
    })));
    if (!problems.some((p) => p.cells.some((c) => c.values.size > 0))) {
      // No trial has a value of this metric (none reached the target, or a run without a
      // validation split): one line, no table of empty rows, no ranking of ties.
      const why = [...new Set(trials.map((t) => metricValue(t, m.key, targets[t.dataset] ?? 1)).filter((v): v is Missing => typeof v === 'string'))];
      out.families.push({ metric: m.key, size: 0, description: `no comparison has a test: no trial has a value (${why.join(', ')})`, floor: NaN });
      continue;
    }
    const mine = compareMetric(problems, m.key);
    const tested = mine.filter((c) => c.pHolm !== null);
    const problemCount = new Set(tested.map((c) => `${c.dataset}\u0000${c.reg}`)).size;
    out.families.push({
      metric: m.key,
      size: tested.length,
      description: `every pair of optimizers on every data set and mode compared on ${m.label}: ${tested.length} comparisons with a test on ${problemCount} problems`,
      floor: tested.length ? Math.min(1, tested.length * Math.min(...tested.map(smallestP))) : NaN,
    });
    out.comparisons.push(...mine);
    out.rankings.push(rankMetric(problems, optimizers, m));
  }
  return out;
}
