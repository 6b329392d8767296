// The 95% confidence interval of a mean accuracy across seeds, kept inside [0, 1]: Student's
// t interval on the logit scale, mapped back. An accuracy is a proportion; on its own scale
// a t interval from few seeds near 1 passes 1 ([0.7791, 1.0433] from two seeds). On the
// logit scale the interval is symmetric, mapped back it is inside (0, 1), lopsided toward
// the middle near a bound, and close to the plain t interval where the seeds' spread is small
// against the distance to 0 and 1 (the usual case: 0.85 +- 0.01 gives the same 4 digits).
// One function for every table, plot and comparison that shows such an interval.
import { ci95, summarize } from './summary.ts';

/** Named in the report and in results.json (statistics[].robustness.ciMethod). */
export const ACCURACY_CI_METHOD = "Student's t on the logit scale, mapped back (stays inside [0, 1])";

/** An accuracy of exactly 0 or 1 has no logit: it counts as half an example of a 10,000
 * image set away from the bound. */
export const LOGIT_EDGE = 0.5 / 10_000;

const logit = (p: number) => Math.log(p / (1 - p));
const logistic = (z: number) => 1 / (1 + Math.exp(-z));

/** 95% interval of the mean of `accuracies` (non-finite ones left out); [NaN, NaN] below two. */
export function accuracyCi95(accuracies: readonly number[]): [number, number] {
  const v = accuracies.filter(Number.isFinite);
  if (v.length < 2) return [NaN, NaN];
  if (v.every((x) => x === v[0])) return [v[0], v[0]]; // no spread: exactly the value, not its round trip
  const [lo, hi] = ci95(summarize(v.map((p) => logit(Math.min(Math.max(p, LOGIT_EDGE), 1 - LOGIT_EDGE)))));
  return [logistic(lo), logistic(hi)];
}
