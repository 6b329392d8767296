// How trials split into groups: balanced sizes, and the most a group may hold given the
// adapter's buffer limits and a memory budget (fake limits of real adapter kinds).
import { describe, expect, it } from 'vitest';
import { openDevice } from '../src/kernels/device.ts';
import { balancedGroups, maxTrialsPerGroup, memoryBudget, perTrialBytes, type DeviceBudgetInput } from '../src/bench/study/groups.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
// The reference study: MLP 784-128-128-10, batch 128, 50,000 training images.
const STUDY = { sizes: [784, 128, 128, 10], batch: 128 };
const TRAIN = 50_000;
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
    const per = perTrialBytes(STUDY, TRAIN);
    expect(per.total).toBeGreaterThanOrEqual(4 * 5 * PARAMS);
    expect(per.largestBuffer).toBeGreaterThanOrEqual(4 * PARAMS);
    expect(per.largestBuffer).toBeGreaterThanOrEqual(4 * TRAIN); // the shuffle index
  });

  it('on a datacenter GPU every trial of a data set trains in one group (120 and 240 trials)', () => {
    const max = maxTrialsPerGroup(DATACENTER, STUDY, TRAIN);
    expect(balancedGroups(120, max)).toEqual([120]);
    expect(balancedGroups(240, max)).toEqual([240]);
  });

  it('on llvmpipe the 120 trials of a data set share one group within 1 GiB', () => {
    expect(balancedGroups(120, maxTrialsPerGroup(LLVMPIPE, STUDY, TRAIN))).toEqual([120]);
  });

  it('the storage binding limit bounds a group: 128 MiB bindings hold at most 128 MiB / the largest per-trial buffer', () => {
    const per = perTrialBytes(STUDY, TRAIN);
    const roomy = { ...SMALL_GPU, hostBytes: 1024 * GiB, limits: { maxStorageBufferBindingSize: 8 * MiB, maxBufferSize: 2 ** 40 } };
    expect(maxTrialsPerGroup(roomy, STUDY, TRAIN)).toBe(Math.floor((8 * MiB) / per.largestBuffer));
    // The budget bounds it on the small GPU: 1 GiB / a trial's total.
    expect(maxTrialsPerGroup(SMALL_GPU, STUDY, TRAIN)).toBe(Math.min(Math.floor((128 * MiB) / per.largestBuffer), Math.floor(GiB / per.total)));
    // And a group holds at least one trial, whatever the limits.
    expect(maxTrialsPerGroup({ ...SMALL_GPU, limits: { maxStorageBufferBindingSize: 1024, maxBufferSize: 1024 } }, STUDY, TRAIN)).toBe(1);
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
