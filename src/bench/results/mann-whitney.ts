// Mann-Whitney U test (two-sided) of two independent samples: the rank test the paired
// comparisons fall back to when seeds do not line up. The variant, as docs/statistics.md says:
// - the pooled values are ranked with ties averaged; U1 = R1 - n1 (n1 + 1) / 2 (SciPy's
//   statistic for the first sample);
// - up to EXACT_MAX values in all: the exact distribution of the first sample's rank sum
//   over every way to choose its n1 positions among the pooled ranks (classical exact test
//   without ties, SciPy method='exact'; with ties the exact permutation test);
// - above: the normal approximation with the tie-corrected variance and a continuity
//   correction of 0.5 (SciPy method='asymptotic', use_continuity=True).
import { averageRanks, snap, tieTerm } from './ranks.ts';
import { EXACT_MAX, twoSidedExact, twoSidedNormal } from './wilcoxon.ts';

export interface RankSumResult {
  n1: number;
  n2: number;
  ties: boolean;
  /** U of the first sample. */
  u1: number;
  method: 'exact' | 'normal' | 'none';
  z: number | null;
  p: number;
}

/** counts[s]: how many n1-subsets of the doubled ranks sum to s (doubled: ties give halves). */
function rankSumCounts(doubledRanks: readonly number[], n1: number): Float64Array {
  const total = doubledRanks.reduce((a, b) => a + b, 0);
  // f[m][s], flattened: subsets of size m with doubled sum s, over the ranks seen so far.
  const width = total + 1;
  const f = new Float64Array((n1 + 1) * width);
  f[0] = 1;
  let seen = 0;
  let reach = 0;
  for (const r of doubledRanks) {
    seen++;
    for (let m = Math.min(seen, n1); m >= 1; m--) {
      const from = (m - 1) * width;
      const to = m * width;
      for (let s = reach; s >= 0; s--) if (f[from + s] !== 0) f[to + s + r] += f[from + s];
    }
    reach += r;
  }
  return f.subarray(n1 * width, (n1 + 1) * width);
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/** The two-sided Mann-Whitney U test of `a` against `b` (finite values). */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): RankSumResult {
  const n1 = a.length;
  const n2 = b.length;
  const pooled = [...a, ...b].map(snap);
  if (pooled.some((x) => !Number.isFinite(x))) throw new RangeError('mannWhitneyU: values must be finite');
  if (n1 === 0 || n2 === 0) return { n1, n2, ties: false, u1: NaN, method: 'none', z: null, p: NaN };
  const r = averageRanks(pooled);
  const r1 = r.slice(0, n1).reduce((x, y) => x + y, 0);
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const t = tieTerm(pooled);
  const n = n1 + n2;
  const base = { n1, n2, ties: t > 0, u1 };
  if (n <= EXACT_MAX) {
    const counts = rankSumCounts(r.map((x) => Math.round(2 * x)), n1);
    return { ...base, method: 'exact', z: null, p: twoSidedExact(counts, Math.round(2 * r1), binomial(n, n1)) };
  }
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - t / (n * (n - 1))));
  const z = (Math.sign(u1 - mean) * Math.max(Math.abs(u1 - mean) - 0.5, 0)) / sd;
  return { ...base, method: 'normal', z, p: sd > 0 ? twoSidedNormal(z) : 1 };
}
