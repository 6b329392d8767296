// Medians with their ranges: every figure of bench:perf is the median of its timed
// repetitions, and the range is the slowest and fastest repetition. A ratio's range divides
// the extremes crosswise (engine's slowest over the peer's fastest, and the reverse), so it
// holds every pairing of the two sides' repetitions.
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spreadOf(values: number[]): Spread {
  const v = [...values].sort((a, b) => a - b);
  return { median: v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2, min: v[0], max: v[v.length - 1] };
}

/** A rate (steps/s, trial-epochs/min) from times per step: f turns one time into the rate.
 * `median` is the rate of the median time (the figure the run reports). */
export function rateSpread(times: number[], medianTime: number, f: (time: number) => number): Spread {
  const rates = times.map(f);
  return { median: f(medianTime), min: Math.min(...rates), max: Math.max(...rates) };
}

/** a / b, with the crosswise range. */
export function ratioSpread(a: Spread, b: Spread): Spread {
  return { median: a.median / b.median, min: a.min / b.max, max: a.max / b.min };
}

/** "137.7 (130.1-141.0)", or "137.7" when the range is one value. */
export function formatSpread(s: Spread, digits = 1, unit = ''): string {
  const f = (x: number) => `${x.toFixed(digits)}${unit}`;
  return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}-${f(s.max)})`;
}
