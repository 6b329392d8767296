import { describe, expect, it } from 'vitest';
import { ACCURACY_CI_METHOD, accuracyCi95 } from '../src/bench/results/interval.ts';
import { cellLists, cellStats, ci95, epochsToTarget, populationVariance, stability, summarize } from '../src/bench/results/stats.ts';
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
    expect(summarize([0.5])).toEqual({ n: 1, mean: 0.5, std: NaN, min: 0.5, max: 0.5 }); // no spread from one value
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


describe('the interval of a mean accuracy (interval.ts)', () => {
  it('stays inside [0, 1] where a t interval on the accuracies passes 1 (the issue\'s two seeds)', () => {
    // Two seeds whose t interval on the accuracies is [0.7791, 1.0433].
    const v = [0.9008, 0.9216];
    const [tLo, tHi] = ci95(summarize(v));
    expect([tLo.toFixed(4), tHi.toFixed(4)]).toEqual(['0.7791', '1.0433']);
    const [lo, hi] = accuracyCi95(v);
    // SciPy: t.ppf(0.975, 1) on the logits, mapped back.
    expect(lo).toBeCloseTo(0.6671255778, 8);
    expect(hi).toBeCloseTo(0.9815708331, 8);
    expect(lo).toBeGreaterThan(0);
    expect(hi).toBeLessThan(1);
  });

  it('near 0 and at the bounds too; close to the t interval away from them', () => {
    for (const v of [[0.99, 1, 1], [0, 0.02, 0.01], [1, 0.999], [0.5, 1e-9]]) {
      const [lo, hi] = accuracyCi95(v);
      expect(lo, String(v)).toBeGreaterThanOrEqual(0);
      expect(hi, String(v)).toBeLessThanOrEqual(1);
      expect(lo).toBeLessThan(hi);
    }
    // Ten seeds at 0.85 +- 0.01: the two methods agree to the fourth digit.
    const ten = [0.84, 0.85, 0.86, 0.85, 0.84, 0.86, 0.85, 0.85, 0.84, 0.86];
    const [a, b] = accuracyCi95(ten);
    const [c, d] = ci95(summarize(ten));
    expect(Math.abs(a - c)).toBeLessThan(1e-4);
    expect(Math.abs(b - d)).toBeLessThan(1e-4);
  });

  it('one seed: no interval; seeds that agree: exactly their value', () => {
    expect(accuracyCi95([0.9])).toEqual([NaN, NaN]);
    expect(accuracyCi95([0.9, NaN])).toEqual([NaN, NaN]);
    expect(accuracyCi95([0.91, 0.91, 0.91])).toEqual([0.91, 0.91]);
  });

  it('the cell statistics carry it, and name it', () => {
    const s = cellStats('mnist', 'adam', 'default', [trial(1, 0.9008, 1, [1], [0.9]), trial(2, 0.9216, 1, [1], [0.9])], 0.5);
    expect(s.robustness.ci95).toEqual(accuracyCi95([0.9008, 0.9216]));
    expect(s.robustness.ciMethod).toBe(ACCURACY_CI_METHOD);
    expect(ACCURACY_CI_METHOD).toMatch(/logit/);
  });
});

describe('exact zeros', () => {
  it('identical values have a std and a variance of exactly 0 (a mean of sum / n misses them by an ulp)', () => {
    // 24 trials of one group share its time: 7.3 / 3 each. sum / n of these is not the value.
    const x = 7.3 / 3;
    const same = Array.from({ length: 24 }, () => x);
    expect(same.reduce((a, b) => a + b, 0) / same.length).not.toBe(x); // the cause
    expect(summarize(same).std).toBe(0);
    expect(populationVariance(same)).toBe(0);
    expect(stability([[x, 0.1], [x, 0.1], [x, 0.1]]).perEpochVariance).toEqual([0, 0]);
  });

  it('a std of one value is not 0 but undefined', () => {
    expect(summarize([3]).std).toBeNaN();
  });
});

describe('cputime_list', () => {
  it("is each trial's whole time, its final test evaluation included, not the sum of its epochs", () => {
    // 3 epochs of 3 s, then 1.5 s of evaluation on the test set.
    const t = { ...trial(1, 0.9, 9, [1, 0.5, 0.25], [0.8, 0.86, 0.9]), seconds: 10.5 };
    expect(t.epochs.reduce((a, e) => a + e.seconds, 0)).toBe(9);
    expect(cellLists([t]).cputime_list).toEqual([10.5]);
    expect(cellStats('mnist', 'adam', 'default', [t], 0.85).speed.mean).toBe(10.5);
  });
});
