// The training loop lets the event loop turn between steps (so a signal handler runs within
// about a step) and reports the steps the device finished, without a read-back.
import { describe, expect, it } from 'vitest';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { REPORT_MS, StepPacer, YIELD_MS } from '../src/bench/study/step-pacer.ts';
import { StoppedError, TrainingGroup } from '../src/bench/study/trainer.ts';
import { useGpu } from './helpers/gpu.ts';
import { CLASSES, FEATURES, syntheticSplit } from './helpers/synthetic.ts';

/** A device whose fences the test resolves by hand. */
function fakeGpu(profiled = false) {
  const fences: Array<() => void> = [];
  const gpu = { profile: profiled ? {} : null, device: { queue: { onSubmittedWorkDone: () => new Promise<void>((r) => fences.push(r)) } } };
  return { gpu: gpu as unknown as ConstructorParameters<typeof StepPacer>[0], fences };
}

const turned = () => {
  let ran = false;
  setImmediate(() => (ran = true));
  return () => ran;
};

describe('StepPacer', () => {
  it('lets the event loop turn once YIELD_MS passed since the last turn, not before', async () => {
    let t = 0;
    const pacer = new StepPacer(fakeGpu().gpu, undefined, () => t);
    let ran = turned();
    t = YIELD_MS - 1;
    await pacer.beforeStep(1);
    expect(ran()).toBe(false);
    t = YIELD_MS;
    await pacer.beforeStep(2);
    expect(ran()).toBe(true);
    ran = turned();
    t = YIELD_MS + 1;
    await pacer.beforeStep(3); // the interval starts again at the last turn
    expect(ran()).toBe(false);
  });

  it('reports the steps submitted before a fence once the fence passes, at most every REPORT_MS, never twice', async () => {
    let t = 0;
    const { gpu, fences } = fakeGpu();
    const heard: number[] = [];
    const pacer = new StepPacer(gpu, (n) => heard.push(n), () => t);
    t = REPORT_MS;
    await pacer.beforeStep(7);
    expect(fences).toHaveLength(1);
    expect(heard).toEqual([]); // not before the device says so
    fences[0]();
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([7]);
    t += YIELD_MS; // a turn, but too soon for another report
    await pacer.beforeStep(8);
    expect(fences).toHaveLength(1);
    t += REPORT_MS;
    await pacer.beforeStep(8);
    expect(fences).toHaveLength(2);
    t += REPORT_MS;
    await pacer.beforeStep(8); // nothing submitted since the last report: none
    expect(fences).toHaveLength(2);
    fences[1]();
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([7, 8]);
  });

  it('a profiled run (commands held until the next read-back) reports nothing within an epoch', async () => {
    let t = 0;
    const { gpu, fences } = fakeGpu(true);
    const pacer = new StepPacer(gpu, () => {}, () => t);
    t = 10 * REPORT_MS;
    await pacer.beforeStep(5);
    expect(fences).toEqual([]);
  });
});

const gpu = useGpu();

const F = FEATURES, C = CLASSES, N = 2000;
const split = syntheticSplit(N);

describe('an epoch in flight', () => {
  it('a stop asked from a timer (as a signal handler asks) ends the epoch before its last step', async () => {
    const g = gpu();
    const data = uploadDataset(g, { train: split, test: split }, C);
    // 2000 steps of one sample: tens of milliseconds of host time even on a fast GPU.
    const group = new TrainingGroup(g, data, { sizes: [F, 4, C], batch: 1, trainCount: N, validationCount: 0 }, [{ seed: 1, optimizer: { optimizer: 'sgd' }, dropout: 0 }]);
    let stop = false;
    setTimeout(() => (stop = true), 0);
    await expect(group.trainEpoch(0, () => stop)).rejects.toThrow(StoppedError);
    expect(group.step).toBeGreaterThan(0);
    expect(group.step).toBeLessThan(group.stepsPerEpoch);
    group.destroy();
  });
});
