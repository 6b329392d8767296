// Number formats of the inference section: differences in each metric's unit (accuracy in
// percentage points), intervals, p-values, and the names of the tests.
import type { MetricSpec } from '../results/metrics.ts';
import type { Comparison } from '../results/paired.ts';
import { DASH, fmtSig, isNum } from './format.ts';

/** Comparisons resting on fewer seeds than this are marked in the conclusions. */
export const FEW_SEEDS = 5;

/** A metric's value or difference in its display unit (accuracy x 100: points). */
function amount(spec: MetricSpec, x: number): string {
  const v = x * spec.scale;
  if (spec.key === 'testAccuracy') return Math.abs(v) < 0.005 ? '0.00' : v.toFixed(2);
  return fmtSig(v, 3);
}

/** `+4.12 points`, `-0.0521`, `-1.80 epochs`. */
export function fmtDifference(spec: MetricSpec, x: number): string {
  if (!isNum(x)) return DASH;
  const s = amount(spec, x);
  const signed = x > 0 && !/^0(\.0+)?$/.test(s) ? `+${s}` : s;
  return spec.unit ? `${signed} ${spec.unit}` : signed;
}

/** `[3.20, 5.01]` in the metric's display unit. */
export function fmtInterval(spec: MetricSpec, ci: readonly [number, number]): string {
  return isNum(ci[0]) && isNum(ci[1]) ? `[${amount(spec, ci[0])}, ${amount(spec, ci[1])}]` : DASH;
}

/** p-values: two significant digits, exponent form below 0.001. */
export function fmtP(p: number | null | undefined): string {
  if (!isNum(p)) return DASH;
  if (p >= 0.001) return String(Number(p.toPrecision(2)));
  return p === 0 ? '0' : p.toExponential(1);
}

/** `Wilcoxon, exact`, `Mann-Whitney U, normal approx.` */
export function fmtTest(c: Comparison): string {
  const name = c.test.name === 'Wilcoxon signed-rank' ? 'Wilcoxon' : 'Mann-Whitney U';
  return c.test.method === 'none' ? DASH : `${name}, ${c.test.method === 'exact' ? 'exact' : 'normal approx.'}`;
}

/** The optimizer with its setting in a sweep: `adam (lr=0.001)`. */
export function side(name: string, setting: string | undefined): string {
  return setting === undefined ? name : `${name} (${setting})`;
}

/** Seeds behind a comparison: the fewer of its two sides. */
export function seedsOf(c: Comparison): number {
  return Math.min(c.nA, c.nB);
}
