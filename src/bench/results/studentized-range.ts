// The studentized range distribution with infinite degrees of freedom: the range of k
// independent standard normal values. The Nemenyi test (Demsar 2006) needs its upper
// quantile (q_alpha = quantile / sqrt(2)); no npm statistics package we use offers it, and
// at infinite degrees of freedom it is one smooth integral:
//   P(Q <= q) = k * integral phi(z) (Phi(z) - Phi(z - q))^(k-1) dz.
// Checked against SciPy's studentized_range (tests/statistics.test.ts).
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

const STEP = 0.02; // Simpson's rule at this step agrees with SciPy to about 1e-13
const LIMIT = 9; // phi(9) is 1e-18: nothing beyond counts

function phi(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** P(range of k standard normals <= q). */
export function studentizedRangeCdf(q: number, k: number): number {
  if (!(k >= 2) || !Number.isInteger(k)) throw new RangeError(`studentized range: k must be an integer >= 2, got ${k}`);
  if (!(q > 0)) return 0;
  if (q === Infinity) return 1;
  // Composite Simpson over z in [-LIMIT, LIMIT + q] (the integrand vanishes outside).
  const a = -LIMIT;
  const steps = 2 * Math.ceil((2 * LIMIT + q) / STEP / 2);
  const h = (2 * LIMIT + q) / steps;
  const f = (z: number) => phi(z) * (normalCdf(z, 0, 1) - normalCdf(z - q, 0, 1)) ** (k - 1);
  let sum = f(a) + f(a + steps * h);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * f(a + i * h);
  return Math.min(1, Math.max(0, ((k * h) / 3) * sum));
}

/** Quantiles found so far, by `${p}/${k}`: a report asks for the same few many times. */
const quantiles = new Map<string, number>();

/** q with P(range of k standard normals <= q) = p: regula falsi with the Illinois step on
 * [0, 20], until q moves by less than 1e-12. */
export function studentizedRangeQuantile(p: number, k: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentized range quantile: p must be in (0, 1), got ${p}`);
  const key = `${p}/${k}`;
  const known = quantiles.get(key);
  if (known !== undefined) return known;
  const q = solveQuantile(p, k);
  quantiles.set(key, q);
  return q;
}

function solveQuantile(p: number, k: number): number {
  let [lo, flo] = [0, -p];
  let [hi, fhi] = [20, studentizedRangeCdf(20, k) - p];
  let last = 0; // the end replaced last: -1 lo, 1 hi
  let x = lo;
  for (let i = 0; i < 100; i++) {
    const next = hi - (fhi * (hi - lo)) / (fhi - flo);
    const done = Math.abs(next - x) < 1e-12;
    x = next;
    const fx = studentizedRangeCdf(x, k) - p;
    if (done || fx === 0) break;
    if (fx < 0) {
      [lo, flo] = [x, fx];
      if (last === -1) fhi /= 2;
      last = -1;
    } else {
      [hi, fhi] = [x, fx];
      if (last === 1) flo /= 2;
      last = 1;
    }
  }
  return x;
}
