// bench:perf's protocol for steps/s (src/bench/measure/timing.ts medianStepSeconds), with a
// scripted clock: each step of run(k) advances it by a set cost.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { medianStepSeconds, STEP_REPS } from '../src/bench/measure/timing.ts';

let now = 0;
afterEach(() => vi.restoreAllMocks());

/** run(k) for a clock where the i-th run's steps cost costs(i) ms each; records each k. */
function scripted(costs: (run: number) => number) {
  now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  const ks: number[] = [];
  const run = async (k: number) => {
    now += k * costs(ks.length);
    ks.push(k);
  };
  return { run, ks };
}

describe('medianStepSeconds', () => {
  it('calibrates by doubling until a run lasts a tenth of the time, then times five repetitions of a fifth each', async () => {
    const { run, ks } = scripted(() => 1); // 1 ms a step
    const r = await medianStepSeconds(run, 10, 1);
    // 10, 20, 40, 80 ms are short of 100 ms; 160 steps take 160 ms; then 5 x 200 steps (200 ms each).
    expect(ks).toEqual([10, 20, 40, 80, 160, ...Array(STEP_REPS).fill(200)]);
    expect(r).toEqual({ seconds: 0.001, perRep: 200, reps: Array(STEP_REPS).fill(0.001) });
  });

  it('never times fewer than minSteps a repetition, however slow a step', async () => {
    const { run, ks } = scripted(() => 1000); // a second a step
    const r = await medianStepSeconds(run, 5, 1);
    expect(ks).toEqual([5, 5, 5, 5, 5, 5]);
    expect(r).toEqual({ seconds: 1, perRep: 5, reps: Array(STEP_REPS).fill(1) });
  });

  it('takes the median repetition: two slow ones do not move it; every repetition is kept, sorted', async () => {
    // Run 0 calibrates; repetitions 1..5 cost 2, 1, 5, 1, 9 ms a step.
    const cost = [1, 2, 1, 5, 1, 9];
    const { run } = scripted((i) => cost[i]);
    const r = await medianStepSeconds(run, 1000, 1);
    expect(r.seconds).toBe(0.002);
    expect(r.reps).toEqual([0.001, 0.001, 0.002, 0.005, 0.009]);
  });
});
