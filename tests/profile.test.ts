// Per-kernel profiling: how exact its times are (timestamp resolution, Dawn's quantization),
// what it costs (measured on throwaway steps), that results.json says whether it was on, and
// bench:kernels' step report and scaling check.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseDataset } from '../src/bench/data/gpu-data.ts';
import { formatScaling, measureScaling } from '../src/bench/perf/kernel-scaling.ts';
import { formatStepReport, measureTrainingStep, studySetups } from '../src/bench/perf/step-report.ts';
import type { ResultsFile } from '../src/bench/results/types.ts';
import { measureProfileOverhead } from '../src/bench/study/profile-cost.ts';
import type { TrialSetup } from '../src/bench/study/trainer.ts';
import { Gpu } from '../src/kernels/gpu.ts';
import { describeResolution, KernelProfile, timestampQuantumNs } from '../src/kernels/profiler.ts';
import { runBench } from './helpers/cli.ts';
import { useGpu } from './helpers/gpu.ts';
import { dispatchesPerStep, SMALL_STEP, syntheticData } from './helpers/step.ts';
import { useTempDirs } from './helpers/temp.ts';

const gpu = useGpu();
const tmp = useTempDirs('profile')();

describe('timestamp resolution', () => {
  it('is the largest power of two dividing every timestamp', () => {
    expect(timestampQuantumNs([65536n * 3n, 65536n * 10n, 0n])).toBe(65536);
    expect(timestampQuantumNs([1000n, 1003n])).toBe(1);
    expect(timestampQuantumNs([32n * 7n, 32n * 12n])).toBe(32);
    expect(timestampQuantumNs([0n])).toBeNull();
    expect(timestampQuantumNs([])).toBeNull();
  });

  it('a profile reads the quantum off the raw timestamps it saw, and says when Dawn still quantizes', () => {
    const p = new KernelProfile('timestamp-query', true);
    expect(p.resolution().quantumNs).toBeNull();
    p.observeTimestamps(BigInt64Array.from([123456n * 65536n, 123457n * 65536n]));
    expect(p.resolution().quantumNs).toBe(65536);
    expect(p.resolution().text).toMatch(/multiples of 65536 ns.*still quantizes/);
    p.observeTimestamps(BigInt64Array.from([123456n * 65536n + 3n]));
    expect(p.resolution().quantumNs).toBe(1);
    expect(p.resolution().text).toMatch(/multiples of 1 ns.*quantization disabled/);
    expect(describeResolution({ source: 'timestamp-query', quantumNs: 65536, quantizationOffRequested: false, floorUs: null })).toMatch(/opened without disabling timestamp_quantization/);
  });

  it('counts the dispatches that read no time, and says so', () => {
    const p = new KernelProfile('timestamp-query', true);
    p.observeTimestamps(BigInt64Array.from([1000n, 1003n]));
    p.add('a', 3);
    expect(p.resolution().zeroReadings).toBe(0);
    expect(p.resolution().text).not.toMatch(/read 0 ns/);
    expect(p.shortestNs).toBe(3);
    p.add('b', 0);
    p.add('b', 0);
    expect(p.resolution().zeroReadings).toBe(2);
    expect(p.resolution().text).toMatch(/; 2 dispatches read 0 ns$/);
    expect(p.shortestNs).toBe(0);
    p.reset();
    expect(p.shortestNs).toBeNull();
    expect(p.resolution().zeroReadings).toBe(0);
  });

  it('the wall clock names its floor: the shortest dispatch', () => {
    const p = new KernelProfile('wall-clock');
    p.add('a', 250_000);
    p.add('b', 80_000);
    p.addFirstCall('c', 1_000); // compilation calls are not part of the floor
    expect(p.resolution().floorUs).toBeCloseTo(80, 6);
    expect(p.resolution().text).toMatch(/wall clock.*80 us/);
    expect(p.calls).toBe(2);
    expect(p.totalMs).toBeCloseTo(0.33, 9);
  });
});

describe('what profiling costs', () => {
  it('times the same steps with and without profiling, counts the dispatches of a step, and leaves the user profile alone', async () => {
    const g = gpu();
    const data = syntheticData(g);
    const config = SMALL_STEP;
    const setups: TrialSetup[] = [1, 2, 3].map((seed) => ({ seed, optimizer: { optimizer: 'adam', hyper: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, l2: 0, resetEveryStep: false }, dropout: 0.3 }));
    try {
      const counted = await dispatchesPerStep(g, data, config, setups);
      const mine = g.newProfile();
      g.profile = mine;
      const { overhead: o, stepProfile } = await measureProfileOverhead(g, data, config, setups);
      expect(stepProfile.calls).toBe(o.steps * counted);
      expect(g.profile).toBe(mine); // restored, and nothing of the measurement landed in it
      expect(mine.report()).toEqual([]);
      g.profile = null;
      expect(o.trials).toBe(3);
      expect(o.steps).toBeGreaterThanOrEqual(3);
      expect(o.dispatchesPerStep).toBe(counted);
      expect(o.plainMsPerStep).toBeGreaterThan(0);
      expect(o.kernelMsPerStep).toBeGreaterThan(0);
      // Host time is part of the same round's wall time; queue.submit is part of host time.
      expect(o.submitMsPerStep).toBeGreaterThan(0);
      expect(o.submitMsPerStep).toBeLessThanOrEqual(o.hostMsPerStep);
      expect(o.hostMsPerStep).toBeLessThanOrEqual(o.plainMsPerStep);
      expect(o.ratio).toBeCloseTo(o.profiledMsPerStep / o.plainMsPerStep, 9);
    } finally {
      releaseDataset(g, data);
    }
  });

  it('a device opened for profiling asks Dawn for exact timestamps where it has them', async () => {
    const g = await Gpu.open({ profile: true });
    try {
      expect(g.quantizationOffRequested).toBe(g.hasTimestamps);
      expect(g.profile!.resolution().source).toBe(g.timingSource);
    } finally {
      g.destroy();
    }
  });
});

describe('npm run bench and --profile', () => {
  const args = (out: string) => ['--preset', 'quick', '--optimizers', 'sgd', '--regs', 'default', '--seed-count', '2', '--train-samples', '1000', '--validation', '200', '--epochs', '1', '--out', out];
  const env = { XDG_CACHE_HOME: join(tmp, 'cache') };

  it('profiles only when asked, and results.json says so either way', async () => {
    const plain = join(tmp, 'plain');
    const r1 = await runBench(args(plain), env);
    expect(r1.code, r1.stderr).toBe(0);
    const a = JSON.parse(readFileSync(join(plain, 'results.json'), 'utf8')) as ResultsFile;
    expect(a.config.profile).toBe(false);
    expect(a.mode.profiled).toBe(false);
    expect(a.kernels).toBeNull();
    expect(r1.stderr).not.toMatch(/kernel timings/);

    const profiled = join(tmp, 'profiled');
    const r2 = await runBench([...args(profiled), '--profile'], env);
    expect(r2.code, r2.stderr).toBe(0);
    const b = JSON.parse(readFileSync(join(profiled, 'results.json'), 'utf8')) as ResultsFile;
    expect(b.config.profile).toBe(true);
    expect(b.mode.profiled).toBe(true);
    expect(b.trials.every((t) => t.profiled === true)).toBe(true);
    const k = b.kernels!;
    expect(k.resolution!.source).toBe(b.environment.timing);
    expect(k.overhead!.trials).toBe(2);
    expect(k.overhead!.ratio).toBeCloseTo(k.overhead!.profiledMsPerStep / k.overhead!.plainMsPerStep, 9);
    expect(k.rows.some((r) => r.kernel === 'matmul_nn' && r.calls > 0)).toBe(true);
    expect(r2.stderr).toMatch(/Profiling cost: \d+ training steps of 2 trials/);
    expect(r2.stderr).toMatch(/kernel timings: /);
    expect(readFileSync(join(profiled, 'tables.md'), 'utf8')).toMatch(/Profiling cost/);
  });
});

describe('bench:kernels: a training step and a kernel at three sizes', () => {
  it('spreads T trials over the grid: 12 trials hold every optimizer x mode once', () => {
    const { setups, mix } = studySetups(12);
    expect(setups).toHaveLength(12);
    const cells = new Set(setups.map((s) => `${s.optimizer.optimizer}/${(s.optimizer.l2 ?? 0) > 0 ? 'L2' : s.dropout > 0 ? 'dropout' : 'default'}`));
    expect(cells.size).toBe(12);
    expect(mix).toBe('sgd/adam/rmsprop/custom x default/L2/dropout');
    expect(studySetups(1).mix).toBe('sgd x default');
    expect(new Set(studySetups(240).setups.map((s) => s.seed)).size).toBe(240);
  });

  it('reports dispatches and per-kernel time per step, and the same kernels at 1x, 2x and 4x the work', async () => {
    const g = gpu();
    const step = await measureTrainingStep(g, 2, 64);
    expect(step.overhead.trials).toBe(2);
    expect(step.perStep.reduce((a, k) => a + k.callsPerStep, 0)).toBeCloseTo(step.overhead.dispatchesPerStep, 9);
    expect(step.perStep.reduce((a, k) => a + k.msPerStep, 0)).toBeCloseTo(step.overhead.kernelMsPerStep, 6);
    expect(step.timing.source).toBe(g.timingSource);
    expect(formatStepReport(step)).toMatch(/dispatches per step/);
    // The host alone: 500 steps with nothing submitted; less than a step that also runs.
    expect(step.hostOnly.steps).toBe(500);
    expect(step.hostOnly.usPerStep).toBeGreaterThan(0);
    expect(step.hostOnly.usPerStep / 1000).toBeLessThan(step.overhead.plainMsPerStep);
    expect(formatStepReport(step)).toMatch(/host alone: [\d.]+ us per step with nothing submitted/);
    expect(g.device.queue.submit).toBe(Object.getPrototypeOf(g.device.queue).submit); // put back

    const rows = await measureScaling(g, 64, 2, false);
    for (const kernel of ['matmul_nn', 'axpy']) {
      const mine = rows.filter((r) => r.kernel === kernel);
      expect(mine.map((r) => r.work)).toEqual([1, 2, 4]);
      expect(mine[0].timeRatio).toBe(1);
      for (const r of mine) {
        expect(r.meanUs).toBeGreaterThan(0);
        expect(r.timeRatio).toBeCloseTo(r.meanUs / mine[0].meanUs, 9);
      }
    }
    expect(formatScaling(rows).split('\n')).toHaveLength(2 + 6);
  });
});
