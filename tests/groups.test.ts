// How trials split into groups: balanced sizes, and the most a group may hold given the
// adapter's buffer limits and a memory budget (fake limits of real adapter kinds).
import { describe, expect, it } from 'vitest';
import { openDevice } from '../src/kernels/device.ts';
import { sizeClass } from '../src/kernels/buffer-pool.ts';
import { PRESETS, type StudyConfig } from '../src/bench/study/config.ts';
import { balancedGroups, checkBufferLimits, maxCount, maxTrialsPerGroup, memoryBudget, perTrialBytes, type DeviceBudgetInput } from '../src/bench/study/groups.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
// The reference study: MLP 784-128-128-10, batch 128.
const STUDY = { sizes: [784, 128, 128, 10], batch: 128 };
// Weights and biases of that MLP, counted by hand.
const PARAMS = 784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10;

// llvmpipe through Dawn's GL backend here: 128 MiB per storage binding, 2 GiB buffers.
const LLVMPIPE: DeviceBudgetInput = { isCpu: true, limits: { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 2 * GiB }, hostBytes: 8 * GiB };
// A datacenter card on Vulkan (4 GiB bindings and buffers), on a host with 128 GiB.
const DATACENTER: DeviceBudgetInput = { isCpu: false, limits: { maxStorageBufferBindingSize: 4 * GiB - 4, maxBufferSize: 4 * GiB }, hostBytes: 128 * GiB };
// A small GPU offering only WebGPU's default limits.
const SMALL_GPU: DeviceBudgetInput = { isCpu: false, limits: { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB }, hostBytes: 16 * GiB };

describe('balanced groups', () => {
  it('splits n into ceil(n / max) groups that differ by at most one', () => {
    expect(balancedGroups(120, 120)).toEqual([120]);
    expect(balancedGroups(120, 500)).toEqual([120]);
    expect(balancedGroups(120, 60)).toEqual([60, 60]);
    expect(balancedGroups(120, 119)).toEqual([60, 60]);
    expect(balancedGroups(120, 59)).toEqual([40, 40, 40]);
    expect(balancedGroups(7, 3)).toEqual([3, 2, 2]);
    expect(balancedGroups(5, 1)).toEqual([1, 1, 1, 1, 1]);
    expect(balancedGroups(1, 8)).toEqual([1]);
    expect(balancedGroups(0, 8)).toEqual([]);
  });

  it('holds for every n and max up to 130: sums to n, within max, as few groups as max allows', () => {
    for (let n = 1; n <= 130; n++) {
      for (let max = 1; max <= 130; max++) {
        const g = balancedGroups(n, max);
        expect(g.reduce((a, b) => a + b, 0)).toBe(n);
        expect(Math.max(...g)).toBeLessThanOrEqual(max);
        expect(Math.max(...g) - Math.min(...g)).toBeLessThanOrEqual(1);
        expect(g.length).toBe(Math.ceil(n / max));
      }
    }
  });
});

describe('memory budget', () => {
  it('a software adapter keeps 1 GiB, or a quarter of a small host', () => {
    expect(memoryBudget(LLVMPIPE).bytes).toBe(GiB);
    expect(memoryBudget({ ...LLVMPIPE, hostBytes: 2 * GiB }).bytes).toBe(GiB / 2);
  });

  it('a GPU gets its maxBufferSize, within 1 to 8 GiB and half the host memory', () => {
    expect(memoryBudget(DATACENTER).bytes).toBe(4 * GiB);
    expect(memoryBudget(SMALL_GPU).bytes).toBe(GiB);
    expect(memoryBudget({ ...DATACENTER, limits: { ...DATACENTER.limits, maxBufferSize: 2 ** 40 } }).bytes).toBe(8 * GiB);
    // An integrated GPU sharing 8 GiB of host memory.
    expect(memoryBudget({ ...DATACENTER, limits: { ...DATACENTER.limits, maxBufferSize: 2 ** 40 }, hostBytes: 8 * GiB }).bytes).toBe(4 * GiB);
  });
});

describe('trials per group', () => {
  it("a trial's estimate covers its parameters, gradients and three optimizer slots", () => {
    const per = perTrialBytes(STUDY);
    expect(per.total).toBeGreaterThanOrEqual(4 * 5 * PARAMS);
    expect(per.largestBuffer).toBeGreaterThanOrEqual(4 * PARAMS);
    expect(per.largestBuffer).toBeGreaterThanOrEqual(4 * 1000 * 128); // an evaluation batch's layer output
  });

  it('on a datacenter GPU every trial of a data set trains in one group (120 and 240 trials)', () => {
    const max = maxTrialsPerGroup(DATACENTER, STUDY);
    expect(balancedGroups(120, max)).toEqual([120]);
    expect(balancedGroups(240, max)).toEqual([240]);
  });

  it('on llvmpipe the 120 trials of a data set share one group within 1 GiB', () => {
    expect(balancedGroups(120, maxTrialsPerGroup(LLVMPIPE, STUDY))).toEqual([120]);
  });

  it('the storage binding limit bounds a group: 128 MiB bindings hold at most 128 MiB / the largest per-trial buffer', () => {
    const per = perTrialBytes(STUDY);
    const roomy = { ...SMALL_GPU, hostBytes: 1024 * GiB, limits: { maxStorageBufferBindingSize: 8 * MiB, maxBufferSize: 2 ** 40 } };
    expect(maxTrialsPerGroup(roomy, STUDY)).toBe(Math.floor((8 * MiB) / per.largestBuffer));
    // The budget bounds it on the small GPU: 1 GiB / a trial's total.
    expect(maxTrialsPerGroup(SMALL_GPU, STUDY)).toBe(Math.min(Math.floor((128 * MiB) / per.largestBuffer), Math.floor(GiB / per.total)));
    // And a group holds at least one trial, whatever the limits.
    expect(maxTrialsPerGroup({ ...SMALL_GPU, limits: { maxStorageBufferBindingSize: 1024, maxBufferSize: 1024 } }, STUDY)).toBe(1);
  });
});

describe('buffers the adapter cannot bind', () => {
  it('maxCount counts the buffer pool\'s size classes (whole buffers are bound)', () => {
    // 4 GiB - 4 bindings, 512,000 bytes a trial: 8388 trials are 4,294,656,000 bytes, whose
    // size class is 4 GiB (> the limit); the class below, 1.75 * 2^31 = 3,758,096,384, holds 7340.
    expect(maxCount(4 * GiB - 4, 512_000)).toBe(7340);
    for (const limit of [128 * MiB, 4 * GiB - 4, 1000 * MiB]) {
      for (const bytes of [1000, 512_000, 3_136_000]) {
        const n = maxCount(limit, bytes);
        expect(sizeClass(n * bytes)).toBeLessThanOrEqual(limit);
        expect(sizeClass((n + 1) * bytes)).toBeGreaterThan(limit);
      }
    }
  });

  const study = (over: Partial<StudyConfig>): StudyConfig => ({ ...structuredClone(PRESETS['seed-study']), ...over });
  const fixOf = (f: () => void, re: RegExp): number => {
    try {
      f();
    } catch (e) {
      const m = re.exec((e as Error).message);
      expect(m, (e as Error).message).not.toBeNull();
      return Number(m![1]);
    }
    throw new Error('expected a refusal');
  };

  it('the reference study fits llvmpipe; a batch that does not is refused, and the --batch it names fits', () => {
    expect(() => checkBufferLimits(LLVMPIPE.limits, study({}), 120)).not.toThrow();
    // batch 5000 x 20,000 floats = 400 MB > 128 MiB
    const wide = { sizes: [784, 20_000, 10] };
    const batch = fixOf(() => checkBufferLimits(LLVMPIPE.limits, study({ ...wide, batch: 5000 }), 120), /^batch 5000 x widest layer 20000 floats: a \d+ MiB buffer, more than this adapter can bind \(128 MiB\); use --batch (\d+) or less$/);
    expect(batch).toBe(Math.floor((128 * MiB) / (4 * 20_000))); // 1677: its size class is exactly 128 MiB
    expect(() => checkBufferLimits(LLVMPIPE.limits, study({ ...wide, batch }), 120)).not.toThrow();
    expect(() => checkBufferLimits(LLVMPIPE.limits, study({ ...wide, batch: batch + 1 }), 120)).toThrow(/use --batch 1677 or less/);
  });

  it('--trials-at-once beyond the binding limit is refused, and the count it names fits', () => {
    const T = fixOf(() => checkBufferLimits(LLVMPIPE.limits, study({ trialsAtOnce: 1000 }), 1000), /^--trials-at-once 1000: 1000 trials x .*; use --trials-at-once (\d+) or less, or 0 \(as many as fit\)$/);
    expect(T).toBe(262); // a trial's largest buffer: evaluation, 1000 x 128 floats = 512,000 bytes; 262 of them fit 128 MiB
    expect(() => checkBufferLimits(LLVMPIPE.limits, study({ trialsAtOnce: T }), 1000)).not.toThrow();
    expect(() => checkBufferLimits(LLVMPIPE.limits, study({ trialsAtOnce: T + 1 }), 1000)).toThrow(/--trials-at-once/);
    // Only the trials a data set has form a group: 1000 at once of 120 is 120.
    expect(() => checkBufferLimits(LLVMPIPE.limits, study({ trialsAtOnce: 1000 }), 120)).not.toThrow();
  });
});

describe('device limits', () => {
  it('the device gets the storage binding and buffer sizes its adapter offers (not the WebGPU defaults)', async () => {
    const opened = await openDevice();
    try {
      for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize'] as const) {
        expect(opened.device.limits[k]).toBe(opened.adapter.limits[k]);
        expect(opened.report.limits[k]).toBe(opened.adapter.limits[k]);
      }
    } finally {
      opened.device.destroy();
    }
  });
});
