import { describe, expect, it } from 'vitest';
import { cellLists, cellStats, ci95, epochsToTarget, stability, summarize } from '../src/bench/results/stats.ts';
import type { TrialRecord } from '../src/bench/results/types.ts';

function trial(seed: number, acc: number, seconds: number, losses: number[], val: number[], diverged = false): TrialRecord {
  return {
    id: `mnist/adam/default/${seed}`, dataset: 'mnist', optimizer: 'adam', reg: 'default', seed, hyper: {}, l2: 0, dropout: 0, resetEveryStep: false,
    epochs: losses.map((l, e) => ({ epoch: e, trainLoss: l, trainAccuracy: 0.5, valLoss: 1, valAccuracy: val[e], seconds: seconds / losses.length })),
    testLoss: 0.3, testAccuracy: acc, diverged, divergedEpoch: diverged ? 1 : null, seconds, samplesPerSecond: 1000 / seconds, groupSize: 1, updateMsPerStep: 0.5,
  };
}

describe('statistics against hand-computed values', () => {
  it('summary: mean, sample std (n-1), min, max; NaN left out', () => {
    const s = summarize([0.9, 0.92, 0.94, NaN]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.92, 12);
    expect(s.std).toBeCloseTo(0.02, 12); // sqrt(((-0.02)^2 + 0 + 0.02^2) / 2)
    expect([s.min, s.max]).toEqual([0.9, 0.94]);
  });

  it('95% confidence interval uses Student t (t_0.975,2 = 4.302653)', () => {
    const [lo, hi] = ci95(summarize([0.9, 0.92, 0.94]));
    const half = 4.302652729911275 * (0.02 / Math.sqrt(3));
    expect(lo).toBeCloseTo(0.92 - half, 9);
    expect(hi).toBeCloseTo(0.92 + half, 9);
    expect(ci95(summarize([1])).every(Number.isNaN)).toBe(true);
  });

  it('stability: population variance across seeds per epoch, then its mean', () => {
    const s = stability([[1, 0.5], [3, 0.5], [2, NaN]]);
    // epoch 1: values 1, 3, 2: mean 2, variance (1 + 1 + 0) / 3; epoch 2: 0.5, 0.5: 0.
    expect(s.perEpochVariance[0]).toBeCloseTo(2 / 3, 12);
    expect(s.perEpochVariance[1]).toBe(0);
    expect(s.mean).toBeCloseTo(1 / 3, 12);
  });

  it('time to target and the cell statistics', () => {
    const a = trial(1, 0.9, 10, [1, 0.5, 0.25], [0.8, 0.86, 0.9]);
    const b = trial(2, 0.94, 14, [2, 0.5, 0.35], [0.7, 0.8, 0.84]);
    const c = trial(3, NaN, 12, [1, NaN, NaN], [0.5, NaN, NaN], true);
    expect(epochsToTarget(a, 0.85)).toBe(2);
    expect(epochsToTarget(b, 0.85)).toBeNull();
    const st = cellStats('mnist', 'adam', 'default', [a, b, c], 0.85);
    expect(st.trials).toBe(3);
    expect(st.divergences).toBe(1);
    expect(st.robustness.n).toBe(2);
    expect(st.robustness.mean).toBeCloseTo(0.92, 12);
    expect(st.speed.mean).toBeCloseTo(12, 12);
    expect(st.speed.updateMsPerStep).toBe(0.5);
    expect(st.timeToTarget.epochs).toEqual({ '1': 2, '2': null, '3': null });
    expect(st.stability.perEpochVariance[0]).toBeCloseTo(2 / 9, 12); // 1, 2, 1
    const lists = cellLists([a, b]);
    expect(lists.test_acc_list).toEqual([0.9, 0.94]);
    expect(lists.cputime_list).toEqual([10, 14]);
    expect(lists.train_cce_list_dict).toEqual({ '1': [1, 0.5, 0.25], '2': [2, 0.5, 0.35] });
  });
});

describe('statistics at their edges', () => {
  it('no finite value: n 0 and NaN; fewer than two: no interval', () => {
    expect(summarize([NaN, Infinity])).toEqual({ n: 0, mean: NaN, std: NaN, min: NaN, max: NaN });
    expect(summarize([0.5])).toEqual({ n: 1, mean: 0.5, std: 0, min: 0.5, max: 0.5 });
    expect(ci95(summarize([0.5]))).toEqual([NaN, NaN]);
    // n = 2: t_0.975,1 = 12.706205; s = sqrt(2) * 0.01
    const [lo, hi] = ci95(summarize([0.9, 0.92]));
    const half = 12.706204736174696 * ((Math.SQRT2 * 0.01) / Math.SQRT2);
    expect(lo).toBeCloseTo(0.91 - half, 9);
    expect(hi).toBeCloseTo(0.91 + half, 9);
  });

  it('time to target counts the epoch that reaches the target exactly, the first one included', () => {
    expect(epochsToTarget(trial(1, 0.9, 1, [1, 1], [0.85, 0.9]), 0.85)).toBe(1);
    expect(epochsToTarget(trial(1, 0.9, 1, [1, 1], [0.84, 0.85]), 0.85)).toBe(2);
  });

  it('stability averages only the epochs that have a variance', () => {
    const s = stability([[1, NaN], [3, NaN]]);
    expect(s.perEpochVariance[0]).toBe(1);
    expect(Number.isNaN(s.perEpochVariance[1])).toBe(true);
    expect(s.mean).toBe(1);
    expect(Number.isNaN(stability([[NaN]]).mean)).toBe(true);
  });

  it('a cell: diverged trials out of robustness, profiled updates only, the sweep setting when there is one', () => {
    const a = trial(1, 0.9, 10, [1, 0.5], [0.8, 0.9]);
    const b = { ...trial(2, 0.5, 14, [2, 0.5], [0.7, 0.8]), diverged: true, divergedEpoch: 1 }; // accuracy kept, yet diverged
    const c = { ...trial(3, 0.94, 12, [1, 0.75], [null as unknown as number, 0.95]), updateMsPerStep: null };
    const st = cellStats('mnist', 'adam', 'default', [a, b, c], 0.85);
    expect(st.robustness.n).toBe(2);
    expect(st.robustness.mean).toBeCloseTo(0.92, 12);
    expect(st.speed.updateMsPerStep).toBe(0.5); // c was not profiled
    expect(cellStats('mnist', 'adam', 'default', [c], 0.85).speed.updateMsPerStep).toBeNull();
    expect(st.timeToTarget.epochs['3']).toBe(2); // epoch 1 has no validation
    expect('setting' in st).toBe(false);
    const swept = cellStats('mnist', 'adam', 'default', [a], 0.85, { label: 'lr=0.01', values: { lr: 0.01 } });
    expect([swept.setting, swept.swept]).toEqual(['lr=0.01', { lr: 0.01 }]);
    const lists = cellLists([a, c]);
    expect(lists.test_cce_list).toEqual([0.3, 0.3]);
    expect(lists.train_acc_list_dict).toEqual({ '1': [0.5, 0.5], '3': [0.5, 0.5] });
    expect(lists.val_acc_list_dict).toEqual({ '1': [0.8, 0.9], '3': [NaN, 0.95] });
  });
});

