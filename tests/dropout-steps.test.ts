// Dropout draws a new mask at every training step (keyed by the step), not once an epoch:
// the training loss an epoch reports is the loss of each step's batch under that step's
// mask, computed here on the CPU from the same generator (src/nn/reference.ts).
import { describe, expect, it } from 'vitest';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { TrainingGroup } from '../src/bench/study/trainer.ts';
import { permutation } from '../src/kernels/rng.ts';
import { mlpLossRef } from '../src/nn/reference.ts';
import { useGpu } from './helpers/gpu.ts';
import { CLASSES, FEATURES, syntheticSplit } from './helpers/synthetic.ts';

const gpu = useGpu();

const F = FEATURES, C = CLASSES;
const split = syntheticSplit(40);

describe('dropout masks', () => {
  it('two consecutive steps of an epoch use different masks: the epoch\'s loss is each step under its own', async () => {
    const g = gpu();
    const data = uploadDataset(g, { train: split, test: split }, C);
    const sizes = [F, 16, C];
    const batch = 10, trainCount = 30; // three steps an epoch
    const seed = 5, rate = 0.5;
    // A learning rate of 1e-30 leaves the weights as initialized (their f32 values do not
    // move), so every step's loss is the initial network's under that step's mask.
    const group = new TrainingGroup(g, data, { sizes, batch, trainCount, validationCount: 0 }, [{ seed, optimizer: { optimizer: 'sgd', hyper: { lr: 1e-30, momentum: 0 } }, dropout: rate }]);
    const params = (await group.model.arena.read())[0];
    const [epoch] = await group.trainEpoch(0);
    group.destroy();

    const order = permutation(trainCount, seed, 0);
    /** Mean loss of step `s` (1-based) of epoch 0 under the mask of step `maskStep`. */
    const stepLoss = (s: number, maskStep: number) => {
      const rows = Array.from(order.subarray((s - 1) * batch, s * batch));
      const x = rows.flatMap((r) => Array.from(split.images.subarray(r * F, (r + 1) * F), (p) => p / 255));
      return mlpLossRef({ sizes, params, arena: group.model.arena, x, labels: rows.map((r) => split.labels[r]), rows: batch, dropout: { seed, rate, step: maskStep } });
    };
    const ownMasks = (stepLoss(1, 1) + stepLoss(2, 2) + stepLoss(3, 3)) / 3;
    const oneMask = (stepLoss(1, 1) + stepLoss(2, 1) + stepLoss(3, 1)) / 3;
    // float32 against float64 on logits of O(1): 1e-5. The two readings are far further apart.
    expect(Math.abs(ownMasks - oneMask)).toBeGreaterThan(1e-3);
    expect(Math.abs(epoch.trainLoss - ownMasks)).toBeLessThan(1e-5);
  });
});
