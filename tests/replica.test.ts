import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/bench/study/config.ts';
import { loadDataset } from '../src/bench/data/datasets.ts';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { TrainingGroup, type TrialSetup } from '../src/bench/study/trainer.ts';
import { getOptimizer } from '../src/optim/registry.ts';
import { perStepValues, resolveHyper } from '../src/optim/spec.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();
const CONFIG = { sizes: [784, 16, 10], batch: 32, trainCount: 320, validationCount: 0 };

describe('reset state every step (the reference notebook\'s behaviour)', () => {
  it('adam reset every step takes the t = 1 update at every step: lr * m^ / (sqrt(v^) + eps) with m = (1-b1) g, v = (1-b2) g^2', async () => {
    const g = gpu();
    const data = uploadDataset(g, await loadDataset('mnist'));
    const setups: TrialSetup[] = [{ seed: 5, optimizer: { optimizer: 'adam', resetEveryStep: true, l2: 0.7 }, dropout: 0.3 }];
    const group = new TrainingGroup(g, data, CONFIG, setups);
    const adam = getOptimizer('adam');
    const h = resolveHyper(adam, {});
    const arena = group.model.arena;
    group.beginEpoch(0);
    for (let step = 0; step < 6; step++) {
      const [before] = await arena.read();
      group.trainStep(step * CONFIG.batch);
      const [after] = await arena.read();
      const [grad] = await arena.read('grads');
      for (let i = 0; i < arena.perTrial; i++) {
        // The step's gradient (with its L2 term) under a fresh state: m = (1-b1) g, v = (1-b2) g^2.
        const gi = Math.fround(grad[i] + (i < arena.weightCount ? (0.7 / CONFIG.batch) * before[i] : 0));
        const m = (1 - Math.fround(h.beta1)) * gi;
        const v = (1 - Math.fround(h.beta2)) * gi * gi;
        const d = perStepValues(adam, h, 1);
        const expected = before[i] - (h.lr * (m / Math.fround(d.bc1))) / (Math.sqrt(v / Math.fround(d.bc2)) + h.eps);
        // float32 rounding of the result, of the update, and of g itself (the GPU adds the L2
        // term in float32): near |g| ~ eps the update lr g / (|g| + eps) moves by
        // lr eps / (|g| + eps)^2 per unit of g.
        const gErr = 4 * 2 ** -24 * (Math.abs(grad[i]) + Math.abs((0.7 / CONFIG.batch) * before[i]));
        const tol = 1e-6 * Math.abs(before[i] - expected) + 4 * 2 ** -23 * Math.max(Math.abs(expected), 2 ** -20) + ((h.lr * h.eps) / (Math.abs(gi) + h.eps) ** 2) * gErr;
        expect(Math.abs(after[i] - expected), `step ${step + 1} element ${i}`).toBeLessThanOrEqual(tol);
      }
    }
    group.destroy();
  });

  it('changes nothing for an optimizer that is not asked to reset (custom beside a resetting adam)', async () => {
    const g = gpu();
    const data = uploadDataset(g, await loadDataset('mnist'));
    const custom: TrialSetup = { seed: 9, optimizer: { optimizer: 'custom' }, dropout: 0 };
    const both = new TrainingGroup(g, data, CONFIG, [{ seed: 9, optimizer: { optimizer: 'adam', resetEveryStep: true }, dropout: 0 }, custom]);
    const alone = new TrainingGroup(g, data, CONFIG, [custom]);
    await both.trainEpoch(0);
    await alone.trainEpoch(0);
    const a = new Uint32Array((await both.model.arena.read())[1].buffer);
    const b = new Uint32Array((await alone.model.arena.read())[0].buffer);
    expect(a.every((v, i) => v === b[i])).toBe(true);
    // ...while the resetting adam trains differently from a stateful one.
    const stateful = new TrainingGroup(g, data, CONFIG, [{ seed: 9, optimizer: { optimizer: 'adam' }, dropout: 0 }]);
    await stateful.trainEpoch(0);
    const c = new Uint32Array((await stateful.model.arena.read())[0].buffer);
    const d = new Uint32Array((await both.model.arena.read())[0].buffer);
    expect(c.some((v, i) => v !== d[i])).toBe(true);
    for (const x of [both, alone, stateful]) x.destroy();
  });

  it('the seed-replica preset resets sgd, adam and rmsprop with tf.keras formulations, custom keeps its state', () => {
    const r = PRESETS['seed-replica'];
    expect(r.resetStateEveryStep.sort()).toEqual(['adam', 'rmsprop', 'sgd']);
    expect(r.hyper.adam.keras).toBe(1);
    expect(r.hyper.rmsprop.keras).toBe(1);
    expect(r.hyper.custom?.keras).toBeUndefined();
    expect(PRESETS['seed-study'].resetStateEveryStep).toEqual([]);
  });
});
