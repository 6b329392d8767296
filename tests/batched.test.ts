import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/bench/data/datasets.ts';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { TrainingGroup, type TrialSetup } from '../src/bench/study/trainer.ts';
import { registerOptimizer } from '../src/optim/registry.ts';
import { expectBatchedEqualsAlone } from './helpers/alone.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();

describe('batched trials', () => {
  it('train exactly as one by one: every recorded number bit for bit (2 optimizers x 2 modes x 2 seeds)', async () => {
    const g = gpu();
    const data = uploadDataset(g, await loadDataset('mnist'));
    const setups: TrialSetup[] = [];
    for (const optimizer of ['adam', 'sgd']) {
      for (const mode of ['default', 'dropout']) {
        for (const seed of [36549, 13790]) setups.push({ seed, optimizer: { optimizer, l2: mode === 'default' ? 0.7 : 0 }, dropout: mode === 'dropout' ? 0.3 : 0 });
      }
    }
    // 300 training images in batches of 64 (a partial last batch), 100 validation, 2 epochs.
    const config = { sizes: [784, 32, 32, 10], batch: 64, trainCount: 300, validationCount: 100, evalBatch: 64 };
    await expectBatchedEqualsAlone(g, data, config, setups, 2, 500, setups.map((_, t) => `trial ${t}`));
  });

  it('a diverging trial is frozen and recorded while the others go on', async () => {
    const g = gpu();
    const data = uploadDataset(g, await loadDataset('mnist'));
    // The stable loss kernel keeps even lr-1000 SGD finite (losses ~1e9); an update that
    // multiplies the weights by 1e30 overflows to infinity within a few steps.
    registerOptimizer({
      name: 'explode',
      description: 'p = 1e30 * p (a divergence on purpose)',
      slots: [],
      hyper: { lr: { default: 1, min: 0, max: 1, minExclusive: true, doc: 'unused' } },
      wgsl: 'p = 1e30 * p - lr * g;',
      reference: (p, g, _s, h) => 1e30 * p - h.lr * g,
    });
    const group = new TrainingGroup(g, data, { sizes: [784, 32, 10], batch: 32, trainCount: 320, validationCount: 64 }, [
      { seed: 1, optimizer: { optimizer: 'explode' }, dropout: 0 },
      { seed: 1, optimizer: { optimizer: 'adam' }, dropout: 0 },
    ]);
    const first = await group.trainEpoch(0);
    expect(first[0].diverged).toBe(true);
    expect(Number.isNaN(first[0].trainLoss)).toBe(true);
    expect(group.divergence).toEqual([0, null]);
    const frozen = (await group.model.arena.read())[0];
    const second = await group.trainEpoch(1);
    expect(second[0].diverged).toBe(true);
    expect(second[1].diverged).toBe(false);
    expect(second[1].trainLoss).toBeLessThan(first[1].trainLoss);
    // The diverged trial's parameters no longer change.
    const after = (await group.model.arena.read())[0];
    expect(new Uint32Array(after.buffer)).toEqual(new Uint32Array(frozen.buffer));
    group.destroy();
  });
});
