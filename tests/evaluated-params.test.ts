// Training with the optimizers that need more than one element at a time: Schedule-Free's
// validation and test read x (gradients are taken at y), and the trained y comes back bit for
// bit after every evaluation; a group restored from its snapshot (what checkpoints hold)
// continues muon and sf-adamw exactly as the run that never stopped.
import { describe, expect, it } from 'vitest';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { TrainingGroup, type TrialSetup } from '../src/bench/study/trainer.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();

// A tiny synthetic data set: 90 samples of 2x3 pixels, 3 classes.
const F = 6, C = 3, SAMPLES = 90;
const split = {
  images: Uint8Array.from({ length: SAMPLES * F }, (_, i) => (i * 73 + 19 * Math.floor(i / 7)) & 255),
  labels: Uint8Array.from({ length: SAMPLES }, (_, i) => (i * i + 1) % C),
  count: SAMPLES, rows: 2, cols: 3,
};
const SIZES = [F, 5, 4, C];

/** Mean loss of one trial's MLP on samples start..start+n-1, in float64 from parameters read
 * back (written out here: ReLU layers, softmax cross-entropy). */
function hostLoss(group: TrainingGroup, params: Float32Array, start: number, n: number): number {
  const arena = group.model.arena;
  let loss = 0;
  for (let s = start; s < start + n; s++) {
    let h = Array.from({ length: F }, (_, k) => split.images[s * F + k] / 255);
    for (let l = 1; l < SIZES.length; l++) {
      const W = arena.pick(params, `W${l}`), b = arena.pick(params, `b${l}`);
      const out = Array.from({ length: SIZES[l] }, (_, j) => h.reduce((a, x, k) => a + x * W[k * SIZES[l] + j], b[j]));
      h = l + 1 < SIZES.length ? out.map((x) => Math.max(0, x)) : out;
    }
    const m = Math.max(...h);
    loss += Math.log(h.reduce((a, v) => a + Math.exp(v - m), 0)) + m - h[split.labels[s]];
  }
  return loss / n;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('evaluated parameters', () => {
  it('sf-adamw is validated and tested at x, adam at its trained parameters; both keep their trained parameters bit for bit', async () => {
    const g = gpu();
    const data = uploadDataset(g, { train: split, test: split }, C);
    const setups: TrialSetup[] = [
      { seed: 3, optimizer: { optimizer: 'sf-adamw', hyper: { lr: 0.05, warmup_steps: 3 } }, dropout: 0 },
      { seed: 3, optimizer: { optimizer: 'adam', hyper: { lr: 0.05 } }, dropout: 0 },
    ];
    const group = new TrainingGroup(g, data, { sizes: SIZES, batch: 8, trainCount: 60, validationCount: 30, evalBatch: 7 }, setups);
    expect(group.optimizers.evaluatesOtherParameters).toBe(true);
    // Before any step there is no state: x is the initial parameters.
    expect((await group.optimizers.readEvaluated(0)).map(bits)).toEqual((await group.model.arena.read()).map(bits));
    const [sf, adam] = await group.trainEpoch(0);
    const trained = await group.model.arena.read();
    const [x, adamEvaluated] = await group.optimizers.readEvaluated(group.step);
    expect(bits(adamEvaluated)).toEqual(bits(trained[1]));
    // float32 logits of O(1) in batches of 7: the mean loss to 1e-5.
    expect(Math.abs(sf.validation!.loss - hostLoss(group, x, 60, 30))).toBeLessThan(1e-5);
    expect(Math.abs(adam.validation!.loss - hostLoss(group, trained[1], 60, 30))).toBeLessThan(1e-5);
    // ... and x and y score apart by 10x that at least, so the check above tells them apart.
    expect(Math.abs(hostLoss(group, trained[0], 60, 30) - hostLoss(group, x, 60, 30))).toBeGreaterThan(1e-4);
    const test = await group.evaluate(data.test, 5, 40);
    expect(Math.abs(test[0].loss - hostLoss(group, x, 5, 40))).toBeLessThan(1e-5);
    // Evaluation put the trained parameters back exactly; training goes on from them.
    expect((await group.model.arena.read()).map(bits)).toEqual(trained.map(bits));
    group.destroy();
  });
});

describe('a snapshot restored continues exactly', () => {
  it('muon and sf-adamw (with and without inner momentum, one reset every step): epoch 2 after a restore is epoch 2 of the run that never stopped, bit for bit', async () => {
    const g = gpu();
    const data = uploadDataset(g, { train: split, test: split }, C);
    const setups: TrialSetup[] = [
      { seed: 5, optimizer: { optimizer: 'muon', hyper: { lr: 0.05, adam_lr: 0.01 }, l2: 0.5 }, dropout: 0.2 },
      { seed: 6, optimizer: { optimizer: 'sf-adamw', hyper: { lr: 0.02, warmup_steps: 10 } }, dropout: 0 },
      { seed: 7, optimizer: { optimizer: 'sf-adamw', hyper: { lr: 0.02, inner_momentum: 0.9 } }, dropout: 0.2 },
      { seed: 8, optimizer: { optimizer: 'muon', resetEveryStep: true }, dropout: 0 },
    ];
    const config = { sizes: SIZES, batch: 8, trainCount: 60, validationCount: 30 };
    const straight = new TrainingGroup(g, data, config, setups);
    await straight.trainEpoch(0);
    const second = await straight.trainEpoch(1);
    const want = { params: await straight.model.arena.read(), state: await straight.optimizers.saveState(), x: await straight.optimizers.readEvaluated(straight.step) };
    straight.destroy();

    const first = new TrainingGroup(g, data, config, setups);
    await first.trainEpoch(0);
    const snapshot = await first.snapshot();
    const [xFirst, yFirst] = [await first.optimizers.readEvaluated(first.step), await first.model.arena.read()];
    first.destroy();
    const resumed = new TrainingGroup(g, data, config, setups);
    resumed.restore(snapshot);
    // The first evaluation after a restore, before any step, already reads x.
    const val = await resumed.evaluate(data.train, 60, 30);
    const again = await resumed.trainEpoch(1);
    expect(again).toEqual(second); // losses, accuracies, validation at x
    expect((await resumed.model.arena.read()).map(bits)).toEqual(want.params.map(bits));
    expect((await resumed.optimizers.saveState()).map(bits)).toEqual(want.state.map(bits));
    expect((await resumed.optimizers.readEvaluated(resumed.step)).map(bits)).toEqual(want.x.map(bits));
    // The restored sf-adamw trial was scored at x (whose loss is far from y's).
    expect(Math.abs(val[1].loss - hostLoss(resumed, xFirst[1], 60, 30))).toBeLessThan(1e-5);
    expect(Math.abs(val[1].loss - hostLoss(resumed, yFirst[1], 60, 30))).toBeGreaterThan(1e-3);
    resumed.destroy();
  });
});
