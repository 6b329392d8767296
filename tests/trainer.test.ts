import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/bench/data/datasets.ts';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { TrainingGroup, type TrialSetup } from '../src/bench/study/trainer.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();

describe('training', () => {
  it('is deterministic: the same seed twice gives bit-identical parameters after 50 steps, dropout on', async () => {
    const g = gpu();
    const data = uploadDataset(g, await loadDataset('mnist'));
    const setups: TrialSetup[] = [
      { seed: 7, optimizer: { optimizer: 'adam' }, dropout: 0.3 },
      { seed: 8, optimizer: { optimizer: 'sgd', l2: 0.7 }, dropout: 0.3 },
    ];
    const config = { sizes: [784, 32, 32, 10], batch: 32, trainCount: 50 * 32, validationCount: 0 };
    const runs: Float32Array[][] = [];
    for (let r = 0; r < 2; r++) {
      const group = new TrainingGroup(g, data, config, setups);
      await group.trainEpoch(0);
      expect(group.step).toBe(50);
      runs.push(await group.model.arena.read());
      group.destroy();
    }
    for (let t = 0; t < setups.length; t++) {
      const a = new Uint32Array(runs[0][t].buffer), b = new Uint32Array(runs[1][t].buffer);
      expect(a.every((v, i) => v === b[i]), `trial ${t} differs`).toBe(true);
    }
    // ...and training did move the parameters away from their initial values.
    const fresh = new TrainingGroup(g, data, config, setups);
    const init = await fresh.model.arena.read();
    expect(Array.from(init[0]).some((v, i) => v !== runs[0][0][i])).toBe(true);
    fresh.destroy();
  });

  it('every optimizer at its default learning rate reaches 90% MNIST test accuracy after one epoch on 10,000 images', async () => {
    const g = gpu();
    const data = uploadDataset(g, await loadDataset('mnist'));
    const names = ['sgd', 'adam', 'rmsprop', 'custom', 'adamw'];
    const seeds = [1, 2, 3];
    const setups = names.flatMap((optimizer) => seeds.map((seed) => ({ seed, optimizer: { optimizer }, dropout: 0 })));
    // Batches of 50 divide the 10,000 images exactly: no 16-row remainder batch, whose noisy
    // last update (sgd: lr 0.1 with momentum 0.9) would land on the very weights we test.
    const group = new TrainingGroup(g, data, { sizes: [784, 128, 128, 10], batch: 50, trainCount: 10_000, validationCount: 0 }, setups);
    const epoch = await group.trainEpoch(0);
    const test = await group.evaluate(data.test);
    setups.forEach((s, t) => {
      expect(epoch[t].diverged).toBe(false);
      expect(test[t].accuracy, `${s.optimizer.optimizer} seed ${s.seed}`).toBeGreaterThanOrEqual(0.9);
    });
    group.destroy();
  });
});
