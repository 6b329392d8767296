// Wilcoxon signed-rank test of paired differences (two-sided), the variant named in
// docs/statistics.md:
// - zero differences are dropped before ranking (SciPy's default zero_method='wilcox');
// - |d| are ranked with ties averaged; W+ is the sum of the ranks of positive differences;
// - up to EXACT_MAX non-zero differences: the exact distribution of W+ over the 2^n sign
//   assignments of the observed ranks. Without ties that is the classical exact test
//   (SciPy method='exact'); with ties it is the exact permutation (conditional) test, where a
//   normal approximation at n = 10 would be rough (accuracies are multiples of 1/10000 and
//   epochs are integers, so ties are common);
// - above EXACT_MAX: the normal approximation with the tie correction of the variance and a
//   continuity correction of 0.5 (SciPy method='approx', correction=True).
// Two-sided p = min(1, 2 min(P(W+ <= w), P(W+ >= w))).
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { averageRanks, snap, tieTerm } from './ranks.ts';

/** Largest count of non-zero differences tested exactly. */
export const EXACT_MAX = 50;

export interface SignedRankResult {
  /** Non-zero differences (the test's n). */
  n: number;
  /** Zero differences, dropped. */
  zeros: number;
  /** Some |d| tie (their ranks are averaged). */
  ties: boolean;
  wPlus: number;
  wMinus: number;
  /** min(W+, W-), the statistic SciPy reports for a two-sided test. */
  statistic: number;
  /** 'none' when every difference is zero (p = 1: no evidence of a difference). */
  method: 'exact' | 'normal' | 'none';
  /** The normal approximation's z (continuity-corrected), else null. */
  z: number | null;
  p: number;
}

/** counts[s]: how many of the 2^n sign assignments give a doubled W+ of s (doubled ranks
 * are integers even where ties average them to halves). */
function signedRankCounts(doubledRanks: readonly number[]): Float64Array {
  const total = doubledRanks.reduce((a, b) => a + b, 0);
  const counts = new Float64Array(total + 1);
  counts[0] = 1;
  let reach = 0;
  for (const r of doubledRanks) {
    for (let s = reach; s >= 0; s--) if (counts[s] !== 0) counts[s + r] += counts[s];
    reach += r;
  }
  return counts;
}

/** Two-sided p of an observed value in a discrete distribution given by counts. */
export function twoSidedExact(counts: Float64Array, observed: number, total: number): number {
  let below = 0;
  let above = 0;
  for (let s = 0; s < counts.length; s++) {
    if (s <= observed) below += counts[s];
    if (s >= observed) above += counts[s];
  }
  return Math.min(1, (2 * Math.min(below, above)) / total);
}

/** Two-sided p of a normal deviate: 2 (1 - Phi(|z|)). */
export function twoSidedNormal(z: number): number {
  return Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
}

/** The two-sided Wilcoxon signed-rank test of the differences `d` (a - b per seed). */
export function wilcoxonSignedRank(d: readonly number[]): SignedRankResult {
  const all = d.map(snap);
  if (all.some((x) => !Number.isFinite(x))) throw new RangeError('wilcoxonSignedRank: differences must be finite');
  const nz = all.filter((x) => x !== 0);
  const n = nz.length;
  const zeros = all.length - n;
  if (n === 0) return { n, zeros, ties: false, wPlus: 0, wMinus: 0, statistic: 0, method: 'none', z: null, p: 1 };
  const abs = nz.map(Math.abs);
  const r = averageRanks(abs);
  const wPlus = nz.reduce((a, x, i) => a + (x > 0 ? r[i] : 0), 0);
  const wMinus = (n * (n + 1)) / 2 - wPlus;
  const ties = tieTerm(abs) > 0;
  const base = { n, zeros, ties, wPlus, wMinus, statistic: Math.min(wPlus, wMinus) };
  if (n <= EXACT_MAX) {
    const p = twoSidedExact(signedRankCounts(r.map((x) => Math.round(2 * x))), Math.round(2 * wPlus), 2 ** n);
    return { ...base, method: 'exact', z: null, p };
  }
  const mean = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieTerm(abs) / 2) / 24);
  const z = (Math.sign(wPlus - mean) * Math.max(Math.abs(wPlus - mean) - 0.5, 0)) / sd;
  return { ...base, method: 'normal', z, p: twoSidedNormal(z) };
}
