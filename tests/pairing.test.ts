// Trials pair across optimizers: a seed gives every optimizer the same initial weights,
// data order and dropout masks (the counter-based generator is keyed by seed, never by
// optimizer), so the paired comparisons of the report are sound; and on real trials the
// paired interval is narrower than the unpaired one, which is what pairing buys.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/bench/data/datasets.ts';
import { uploadDataset, type GpuDataset } from '../src/bench/data/gpu-data.ts';
import { independentSeed } from '../src/bench/study/plan.ts';
import { TrainingGroup, type GroupConfig, type TrialSetup } from '../src/bench/study/trainer.ts';
import { pairedInterval, welchInterval } from '../src/bench/results/intervals.ts';
import { cellValues, compareCells } from '../src/bench/results/paired.ts';
import type { TrialRecord } from '../src/bench/results/types.ts';
import type { Gpu } from '../src/kernels/gpu.ts';
import { listOptimizers } from '../src/optim/registry.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();

function same(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

let data: GpuDataset | null = null;
async function mnist(g: Gpu): Promise<GpuDataset> {
  data ??= uploadDataset(g, await loadDataset('mnist'));
  return data;
}

describe('a seed pairs every optimizer', () => {
  it('same seed: the same initial weights, and at every step (two epochs, dropout on) the same gradient from the same weights, for every registered optimizer; another seed differs', async () => {
    const g = gpu();
    const optimizers = listOptimizers();
    expect(optimizers).toEqual(expect.arrayContaining(['sgd', 'adam', 'rmsprop', 'custom', 'adamw']));
    // Every optimizer on seed 5 (one with L2, which acts inside its update, not on the
    // gradient), then a control trial on seed 6. All with dropout 0.3.
    // A last seed-5 trial without dropout shows that the masks act: from the same weights and
    // samples its gradient differs.
    const setups: TrialSetup[] = [
      ...optimizers.map((optimizer, i) => ({ seed: 5, optimizer: { optimizer, l2: i === 1 ? 0.7 : 0 }, dropout: 0.3 })),
      { seed: 6, optimizer: { optimizer: 'adam' }, dropout: 0.3 },
      { seed: 5, optimizer: { optimizer: 'sgd' }, dropout: 0 },
    ];
    // 3 steps an epoch, the last partial: steps 4-6 draw the second epoch's order.
    const config: GroupConfig = { sizes: [784, 24, 16, 10], batch: 40, trainCount: 100, validationCount: 0 };
    const group = new TrainingGroup(g, await mnist(g), config, setups);
    try {
      const control = optimizers.length;
      const noDropout = control + 1;
      const init = await group.model.arena.read();
      for (let t = 1; t < control; t++) expect(same(init[t], init[0]), `${setups[t].optimizer.optimizer}: initial weights`).toBe(true);
      expect(same(init[noDropout], init[0])).toBe(true);
      expect(same(init[control], init[0])).toBe(false);
      for (let epoch = 0; epoch < 2; epoch++) {
        group.beginEpoch(epoch);
        for (let start = 0; start < config.trainCount; start += config.batch) {
          // The optimizers moved their weights apart: give every seed-5 trial trial 0's weights
          // again, so equal gradients mean equal samples and equal dropout masks at this step.
          const params = await group.model.arena.read();
          group.model.arena.upload(params.map((p, t) => (t === control ? p : params[0])));
          group.trainStep(start);
          const grads = await group.model.arena.read('grads');
          for (let t = 1; t < control; t++) expect(same(grads[t], grads[0]), `${setups[t].optimizer.optimizer}: gradient at step ${group.step}`).toBe(true);
          expect(grads[0].some((v) => v !== 0)).toBe(true);
          expect(same(grads[noDropout], grads[0]), `no dropout, step ${group.step}`).toBe(false);
          expect(same(grads[control], grads[0]), `seed 6, step ${group.step}`).toBe(false);
        }
      }
      expect(group.step).toBe(6);
    } finally {
      group.destroy();
    }
  });
});

/** Trains `setups` for one epoch and returns each trial's test loss and accuracy as records. */
async function train(g: Gpu, setups: Array<TrialSetup & { listed: number }>): Promise<TrialRecord[]> {
  // Short training, where a seed's initial weights and first batches still weigh on the outcome.
  const config: GroupConfig = { sizes: [784, 32, 10], batch: 50, trainCount: 1500, validationCount: 0 };
  const group = new TrainingGroup(g, await mnist(g), config, setups);
  try {
    await group.trainEpoch(0);
    const test = await group.evaluate((await mnist(g)).test);
    return setups.map((s, t) => ({
      id: `mnist/${s.optimizer.optimizer}/default/${s.listed}`, dataset: 'mnist', optimizer: s.optimizer.optimizer, reg: 'default', seed: s.listed,
      ...(s.seed !== s.listed ? { trainSeed: s.seed } : {}),
      hyper: {}, l2: 0, dropout: 0, resetEveryStep: false, epochs: [], testLoss: test[t].loss, testAccuracy: test[t].accuracy,
      diverged: false, divergedEpoch: null, seconds: 1, samplesPerSecond: 1, groupSize: setups.length, updateMsPerStep: null,
    }));
  } finally {
    group.destroy();
  }
}

describe('paired against unpaired on real trials', () => {
  const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
  const OPTIMIZERS = [{ optimizer: 'adam', hyper: { lr: 2e-3 } }, { optimizer: 'rmsprop', hyper: { lr: 1e-3 } }];

  it('adam against rmsprop on the same 8 seeds: the paired interval of the test-loss difference is much narrower than Welch\'s on the same trials; with independent seeds the comparison falls back to unpaired', async () => {
    const g = gpu();
    const paired = await train(g, OPTIMIZERS.flatMap((optimizer) => SEEDS.map((seed) => ({ seed, listed: seed, optimizer, dropout: 0 }))));
    const [adam, rmsprop] = OPTIMIZERS.map((o) => paired.filter((t) => t.optimizer === o.optimizer));
    const d = adam.map((t, i) => t.testLoss - rmsprop[i].testLoss);
    const width = (ci: [number, number]) => ci[1] - ci[0];
    const pw = width(pairedInterval(d).ci95);
    const uw = width(welchInterval(adam.map((t) => t.testLoss), rmsprop.map((t) => t.testLoss)).ci95);
    expect(pw).toBeGreaterThan(0);
    // 0.36 on llvmpipe; a GPU sums in another order, which moves the trials a little, not the ratio.
    expect(pw / uw, `paired ${pw}, unpaired ${uw}`).toBeLessThan(0.6);
    // The report pairs them (same seeds, every value present).
    const c = compareCells('mnist', 'default', 'testLoss', cellValues(adam, 'testLoss', 1), cellValues(rmsprop, 'testLoss', 1));
    expect([c.paired, c.test.name, c.difference.kind, c.nA]).toEqual([true, 'Wilcoxon signed-rank', 'paired t', 8]);
    expect(width(c.difference.ci95)).toBeCloseTo(pw, 12);

    // The same optimizers with independent seeds: nothing pairs; the report says so and uses
    // Welch's interval and the Mann-Whitney U test.
    const independent = await train(g, OPTIMIZERS.flatMap((optimizer) => SEEDS.map((seed) => ({ seed: independentSeed(seed, optimizer.optimizer), listed: seed, optimizer, dropout: 0 }))));
    const [si, ai] = OPTIMIZERS.map((o) => independent.filter((t) => t.optimizer === o.optimizer));
    const u = compareCells('mnist', 'default', 'testLoss', cellValues(si, 'testLoss', 1), cellValues(ai, 'testLoss', 1));
    expect([u.paired, u.test.name, u.difference.kind]).toEqual([false, 'Mann-Whitney U', 'Welch t']);
    expect(u.note).toBe('unpaired: trained with independent seeds per optimizer (--independent-seeds)');
  });
});
