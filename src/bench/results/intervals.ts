// 95% confidence intervals of a difference between two optimizers: from the paired per-seed
// differences (Student's t, n - 1 degrees of freedom), or, where seeds do not line up, of
// the difference of two independent means (Welch's t, Welch-Satterthwaite degrees of freedom).
import quantile from '@stdlib/stats-base-dists-t-quantile';

export interface DifferenceInterval {
  /** Mean difference a - b. */
  mean: number;
  /** Two-sided 95% interval; NaN where undefined (fewer than two values on a side). */
  ci95: [number, number];
  /** Standard error of the mean difference. */
  se: number;
  df: number;
  kind: 'paired t' | 'Welch t';
}

function meanVar(x: readonly number[]): { n: number; mean: number; variance: number } {
  const n = x.length;
  const mean = n ? x.reduce((a, b) => a + b, 0) / n : NaN;
  const variance = n > 1 ? x.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : NaN;
  return { n, mean, variance };
}

function interval(mean: number, se: number, df: number): [number, number] {
  if (!(df > 0) || !Number.isFinite(se)) return [NaN, NaN];
  const half = quantile(0.975, df) * se;
  return [mean - half, mean + half];
}

/** t interval of the mean of the paired differences `d` (a - b per seed). */
export function pairedInterval(d: readonly number[]): DifferenceInterval {
  const { n, mean, variance } = meanVar(d);
  const se = Math.sqrt(variance / n);
  return { mean, ci95: interval(mean, se, n - 1), se, df: n - 1, kind: 'paired t' };
}

/** Welch's t interval of mean(a) - mean(b) for independent samples. */
export function welchInterval(a: readonly number[], b: readonly number[]): DifferenceInterval {
  const x = meanVar(a);
  const y = meanVar(b);
  const va = x.variance / x.n;
  const vb = y.variance / y.n;
  const se = Math.sqrt(va + vb);
  // Welch-Satterthwaite; two constant samples (se 0) leave it undefined: the interval is the point.
  const df = se > 0 ? (va + vb) ** 2 / (va ** 2 / (x.n - 1) + vb ** 2 / (y.n - 1)) : x.n + y.n - 2;
  return { mean: x.mean - y.mean, ci95: interval(x.mean - y.mean, se, df), se, df, kind: 'Welch t' };
}
