// Ranks with ties, shared by the rank tests (Wilcoxon, Mann-Whitney) and the Friedman
// ranking. Ties get the average of the ranks they span (SciPy's rankdata 'average').
import ranks from '@stdlib/stats-ranks';

/**
 * A value rounded to 12 significant digits. Accuracies are k/10000 in float64, so the same
 * difference of two accuracies (0.8523 - 0.8512 and 0.8600 - 0.8589) can differ in its last
 * bits; rounded, it is one value and the rank tests see the tie that it is.
 */
export function snap(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(12));
}

/** Ranks from 1 of the values (finite, or +Infinity), ties averaged. */
export function averageRanks(values: readonly number[]): number[] {
  return values.length === 0 ? [] : ranks([...values]);
}

/** Sizes of the groups of tied values (groups of one left out). */
export function tieSizes(values: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.values()].filter((c) => c > 1);
}

/** The tie term sum(t^3 - t) over groups of tied values, used by every tie correction. */
export function tieTerm(values: readonly number[]): number {
  return tieSizes(values).reduce((a, t) => a + t ** 3 - t, 0);
}
