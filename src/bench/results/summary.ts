// Numbers of a sample: mean, spread and the t interval of its mean. The study's cells
// (stats.ts), the interval of accuracies (interval.ts) and the report build on them.
import quantile from '@stdlib/stats-base-dists-t-quantile';
import { mean } from 'simple-statistics';
import type { Summary } from './types.ts';

/**
 * Sum of squared deviations from the mean, on values shifted by the first one: identical
 * values give exactly 0 (a mean computed as sum / n can miss the value by an ulp, and the
 * squares of those misses printed as a std of 1e-15 where 0 was meant), and the shift keeps
 * large values with a small spread from cancelling.
 */
function squaredDeviations(v: readonly number[]): number {
  const d = v.map((x) => x - v[0]);
  const m = d.reduce((a, b) => a + b, 0) / d.length;
  return d.reduce((a, x) => a + (x - m) ** 2, 0);
}

/** Mean, sample standard deviation (n - 1; none for one value), min and max of the finite values. */
export function summarize(values: readonly number[]): Summary {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { n: 0, mean: NaN, std: NaN, min: NaN, max: NaN };
  return { n: v.length, mean: mean(v), std: v.length > 1 ? Math.sqrt(squaredDeviations(v) / (v.length - 1)) : NaN, min: Math.min(...v), max: Math.max(...v) };
}

/** Population variance (n; numpy's np.var default) of the finite values, NaN when none. */
export function populationVariance(values: readonly number[]): number {
  const v = values.filter(Number.isFinite);
  return v.length ? squaredDeviations(v) / v.length : NaN;
}

/** Two-sided 95% confidence interval of the mean (Student's t with n - 1 degrees of freedom). */
export function ci95(s: Summary): [number, number] {
  if (s.n < 2) return [NaN, NaN];
  const half = quantile(0.975, s.n - 1) * (s.std / Math.sqrt(s.n));
  return [s.mean - half, s.mean + half];
}
