// One comparison of two optimizers on one problem (data set x mode) and one metric, across
// seeds. A seed gives every optimizer the same initial weights, data order and dropout masks
// (the counter-based generator is keyed by seed, never by optimizer), so two trials with the
// same generator seed are a pair: their difference is free of the seed's own luck. When both
// optimizers have a value on exactly the same seeds the comparison is paired (t interval of
// the per-seed differences, Wilcoxon signed-rank test); otherwise (different seed lists,
// missing trials, diverged runs, a target not reached, --independent-seeds) it says why and
// falls back to the unpaired Welch t interval and Mann-Whitney U test, named as such.
import { pairedInterval, welchInterval, type DifferenceInterval } from './intervals.ts';
import { mannWhitneyU } from './mann-whitney.ts';
import { generatorSeed, metricValue, type MetricKey, type Missing, metricSpec } from './metrics.ts';
import { snap } from './ranks.ts';
import type { TrialRecord } from './types.ts';
import { wilcoxonSignedRank } from './wilcoxon.ts';

/** One optimizer's trials on one problem, as values of one metric. */
export interface CellValues {
  optimizer: string;
  /** In a sweep: the setting compared (the optimizer's best). */
  setting?: string;
  /** Generator seed -> value. */
  values: Map<number, number>;
  /** Generator seed -> why there is no value. */
  missing: Map<number, Missing>;
  /** Generator seed -> the seed the study lists (they differ only with --independent-seeds). */
  listed: Map<number, number>;
}

export function cellValues(trials: readonly TrialRecord[], metric: MetricKey, target: number): CellValues {
  const values = new Map<number, number>();
  const missing = new Map<number, Missing>();
  const listed = new Map<number, number>();
  for (const t of trials) {
    const seed = generatorSeed(t);
    listed.set(seed, t.seed);
    const v = metricValue(t, metric, target);
    if (typeof v === 'number') values.set(seed, v);
    else missing.set(seed, v);
  }
  return { optimizer: trials[0]?.optimizer ?? '', ...(trials[0]?.setting !== undefined ? { setting: trials[0].setting } : {}), values, missing, listed };
}

export interface TestResult {
  name: 'Wilcoxon signed-rank' | 'Mann-Whitney U';
  /** 'exact': exact null distribution (conditional on tied ranks where there are ties);
   * 'normal': normal approximation with tie and continuity corrections; 'none': no test
   * (every paired difference zero: p = 1; or a side without values: p NaN). */
  method: 'exact' | 'normal' | 'none';
  /** Wilcoxon: min(W+, W-) as SciPy reports it; Mann-Whitney: U of a. */
  statistic: number;
  z: number | null;
  p: number;
}

export interface Comparison {
  metric: MetricKey;
  dataset: string;
  reg: string;
  /** The difference is a - b. */
  a: string;
  b: string;
  /** In a sweep: the settings compared. */
  settingA?: string;
  settingB?: string;
  paired: boolean;
  /** Values behind the comparison: on each side (equal to the pairs when paired). */
  nA: number;
  nB: number;
  difference: DifferenceInterval;
  test: TestResult;
  /** Holm-adjusted p over the metric's family (see Inference.families); null without a test. */
  pHolm: number | null;
  /** Paired: seeds on which a did better, b did better, neither (by the metric's direction). */
  wins: { a: number; b: number; ties: number } | null;
  /** Why the comparison is unpaired or has no test; null for a plain paired comparison. */
  note: string | null;
}

function sameKeys(a: Map<number, unknown>, b: Map<number, unknown>): boolean {
  return a.size === b.size && [...a.keys()].every((k) => b.has(k));
}

function seedList(seeds: number[], why: (s: number) => string): string {
  const shown = seeds.slice(0, 4).map(why).join(', ');
  return seeds.length > 4 ? `${shown} and ${seeds.length - 4} more` : shown;
}

/** Why the seeds with values do not line up, in a line: who lacks which seed and why. */
function mismatch(a: CellValues, b: CellValues): string {
  const seeds = (c: CellValues) => new Set([...c.values.keys(), ...c.missing.keys()]);
  const independent = [a, b].some((c) => [...c.listed].some(([g, s]) => g !== s));
  const sb = seeds(b);
  if (independent && ![...seeds(a)].some((s) => sb.has(s))) return 'unpaired: trained with independent seeds per optimizer (--independent-seeds)';
  // Only a seed where one side has a value and the other none breaks the pairing.
  const lacks = (self: CellValues, other: CellValues) => {
    const gone = [...other.values.keys()].filter((s) => !self.values.has(s));
    return gone.length ? `${self.optimizer} lacks ${seedList(gone, (s) => `${other.listed.get(s)} (${self.missing.get(s) ?? 'no trial'})`)}` : '';
  };
  return `unpaired: seeds do not line up (${[lacks(a, b), lacks(b, a)].filter(Boolean).join('; ')})`;
}

function noValues(c: CellValues): string {
  const why = [...new Set(c.missing.values())];
  return `${c.optimizer} has no value (${c.missing.size ? `${c.missing.size} trials: ${why.join(', ')}` : 'no trial'})`;
}

/** Compares `a` with `b` (difference a - b) on one metric of one problem. */
export function compareCells(dataset: string, reg: string, metric: MetricKey, a: CellValues, b: CellValues): Comparison {
  const head = {
    metric, dataset, reg, a: a.optimizer, b: b.optimizer,
    ...(a.setting !== undefined ? { settingA: a.setting } : {}), ...(b.setting !== undefined ? { settingB: b.setting } : {}),
    pHolm: null,
  };
  if (a.values.size === 0 || b.values.size === 0) {
    const note = [a, b].filter((c) => c.values.size === 0).map(noValues).join('; ');
    return {
      ...head, paired: false, nA: a.values.size, nB: b.values.size,
      difference: { mean: NaN, ci95: [NaN, NaN], se: NaN, df: NaN, kind: 'Welch t' },
      test: { name: 'Mann-Whitney U', method: 'none', statistic: NaN, z: null, p: NaN }, wins: null, note: `no test: ${note}`,
    };
  }
  if (sameKeys(a.values, b.values)) {
    const seeds = [...a.values.keys()];
    const d = seeds.map((s) => a.values.get(s)! - b.values.get(s)!);
    const w = wilcoxonSignedRank(d);
    const sign = metricSpec(metric).higherIsBetter ? 1 : -1;
    const signed = d.map((x) => Math.sign(snap(x)) * sign);
    return {
      ...head, paired: true, nA: seeds.length, nB: seeds.length,
      difference: pairedInterval(d),
      test: { name: 'Wilcoxon signed-rank', method: w.method, statistic: w.statistic, z: w.z, p: w.p },
      wins: { a: signed.filter((x) => x > 0).length, b: signed.filter((x) => x < 0).length, ties: signed.filter((x) => x === 0).length },
      note: w.method === 'none' ? 'every paired difference is zero' : null,
    };
  }
  const [va, vb] = [[...a.values.values()], [...b.values.values()]];
  const u = mannWhitneyU(va, vb);
  return {
    ...head, paired: false, nA: va.length, nB: vb.length,
    difference: welchInterval(va, vb),
    test: { name: 'Mann-Whitney U', method: u.method, statistic: u.u1, z: u.z, p: u.p },
    wins: null, note: mismatch(a, b),
  };
}
