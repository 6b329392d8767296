// Comparing k optimizers over N problems in the manner of Demsar (2006), "Statistical
// comparisons of classifiers over multiple data sets", JMLR 7: rank the optimizers on each
// problem (1 = best, ties averaged), average the ranks, test them with Friedman's
// chi-square (with SciPy's correction for ties, friedmanchisquare) and Iman and Davenport's
// F, and find which pairs differ by the Nemenyi test's critical difference
// CD = q_alpha sqrt(k (k + 1) / (6 N)).
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import fCdf from '@stdlib/stats-base-dists-f-cdf';
import { averageRanks, tieTerm } from './ranks.ts';
import { studentizedRangeCdf, studentizedRangeQuantile } from './studentized-range.ts';

export interface FriedmanResult {
  /** Problems (rows). */
  n: number;
  /** Optimizers (columns). */
  k: number;
  /** ranks[i][j]: rank of optimizer j on problem i (1 = best). */
  ranks: number[][];
  averageRanks: number[];
  chi2: number;
  df: number;
  p: number;
  /** Iman-Davenport: F = (N - 1) chi2 / (N (k - 1) - chi2) on (k - 1, (k - 1)(N - 1)) df. */
  imanDavenport: { f: number; df1: number; df2: number; p: number };
}

/**
 * Friedman's test of `costs` (rows problems, columns optimizers; lower is better, +Infinity
 * worst). Needs at least two problems and two optimizers.
 */
export function friedman(costs: readonly (readonly number[])[]): FriedmanResult {
  const n = costs.length;
  const k = costs[0]?.length ?? 0;
  if (n < 2 || k < 2 || costs.some((r) => r.length !== k)) throw new RangeError(`friedman: needs a problems x optimizers table with at least 2 of each, got ${n} x ${k}`);
  const ranks = costs.map((row) => averageRanks(row));
  const averageRanks_ = Array.from({ length: k }, (_, j) => ranks.reduce((a, r) => a + r[j], 0) / n);
  const sums = averageRanks_.map((r) => r * n);
  const ties = costs.reduce((a, row) => a + tieTerm(row), 0);
  const c = 1 - ties / (k * (k * k - 1) * n);
  const ssbn = sums.reduce((a, s) => a + s * s, 0);
  // Every problem ranks all optimizers equal: nothing to test (SciPy divides by zero here).
  const chi2 = c > 0 ? ((12 / (k * n * (k + 1))) * ssbn - 3 * n * (k + 1)) / c : 0;
  const df = k - 1;
  const p = 1 - chisquareCdf(chi2, df);
  const df1 = k - 1;
  const df2 = (k - 1) * (n - 1);
  // Every problem ranks the optimizers alike: chi2 reaches its maximum n (k - 1) and F is
  // infinite (rounding would leave a denominator of 1e-15 and an F of 1e15 instead).
  const denom = n * (k - 1) - chi2;
  const f = denom > 1e-9 * n * (k - 1) ? ((n - 1) * chi2) / denom : Infinity;
  return { n, k, ranks, averageRanks: averageRanks_, chi2, df, p, imanDavenport: { f, df1, df2, p: Number.isFinite(f) ? 1 - fCdf(f, df1, df2) : 0 } };
}

export interface NemenyiResult {
  alpha: number;
  /** q_alpha: the studentized range quantile (infinite df) over sqrt(2). */
  q: number;
  /** Critical difference of average ranks. */
  cd: number;
  /** Every pair: |difference of average ranks|, its p-value, and whether it reaches CD. */
  pairs: Array<{ i: number; j: number; difference: number; p: number; significant: boolean }>;
  /** Maximal groups of optimizers (indices, best average rank first) whose average ranks all
   * lie within less than CD of each other: the bars of the CD diagram. */
  cliques: number[][];
}

/** The Nemenyi post-hoc test of the average ranks of k optimizers over n problems. */
export function nemenyi(avgRanks: readonly number[], n: number, alpha = 0.05): NemenyiResult {
  const k = avgRanks.length;
  const se = Math.sqrt((k * (k + 1)) / (6 * n));
  const q = studentizedRangeQuantile(1 - alpha, k) / Math.SQRT2;
  const cd = q * se;
  const pairs: NemenyiResult['pairs'] = [];
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const difference = Math.abs(avgRanks[i] - avgRanks[j]);
      const p = 1 - studentizedRangeCdf((difference / se) * Math.SQRT2, k);
      pairs.push({ i, j, difference, p, significant: difference >= cd });
    }
  }
  return { alpha, q, cd, pairs, cliques: cliques(avgRanks, cd) };
}

/** Maximal runs of the optimizers sorted by average rank whose span is below cd. */
export function cliques(avgRanks: readonly number[], cd: number): number[][] {
  const order = avgRanks.map((_, i) => i).sort((a, b) => avgRanks[a] - avgRanks[b] || a - b);
  const out: number[][] = [];
  let lastEnd = -1;
  for (let s = 0; s < order.length; s++) {
    let e = s;
    while (e + 1 < order.length && avgRanks[order[e + 1]] - avgRanks[order[s]] < cd) e++;
    if (e > s && e > lastEnd) out.push(order.slice(s, e + 1));
    lastEnd = Math.max(lastEnd, e);
  }
  return out;
}
