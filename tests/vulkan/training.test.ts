// A short training run of the study's MLP on Vulkan equals the same run on llvmpipe (Dawn's
// OpenGL ES backend, the other leg's adapter), both run here in one process: two compilers
// (SwiftShader's and Mesa's LLVM) and two backends (SPIR-V, GLSL) under the same kernels.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/bench/data/datasets.ts';
import { uploadDataset } from '../../src/bench/data/gpu-data.ts';
import { TrainingGroup, type EpochResult, type EvalResult, type GroupConfig, type TrialSetup } from '../../src/bench/study/trainer.ts';
import { Gpu } from '../../src/kernels/gpu.ts';

// The study's model and batch; 4 steps an epoch (the second epoch reshuffles and replays the
// recorded step), three optimizers, L2 and dropout.
const CONFIG: GroupConfig = { sizes: [784, 128, 128, 10], batch: 128, trainCount: 512, validationCount: 256 };
const SETUPS: TrialSetup[] = [
  { seed: 1, optimizer: { optimizer: 'adam' }, dropout: 0 },
  { seed: 2, optimizer: { optimizer: 'sgd', l2: 0.7 }, dropout: 0.3 },
  { seed: 3, optimizer: { optimizer: 'rmsprop' }, dropout: 0.3 },
];
const EPOCHS = 2;
const TEST_IMAGES = 500;

interface Run {
  describe: string;
  epochs: EpochResult[][];
  test: EvalResult[];
  params: Float32Array[];
}

async function train(backend: 'vulkan' | 'opengles'): Promise<Run> {
  // A fresh runtime tunes nothing: both take the same default matmul kernels (both adapters
  // are CPUs), so both sum in the same order and differ only in how each compiler rounds.
  const g = await Gpu.open({ backend });
  try {
    const data = uploadDataset(g, await loadDataset('mnist'));
    const group = new TrainingGroup(g, data, CONFIG, SETUPS);
    const epochs: EpochResult[][] = [];
    for (let e = 0; e < EPOCHS; e++) epochs.push(await group.trainEpoch(e));
    const test = await group.evaluate(data.test, 0, TEST_IMAGES);
    const params = await group.model.arena.read();
    group.destroy();
    return { describe: g.describe(), epochs, test, params };
  } finally {
    g.destroy();
  }
}

let vulkan: Run;
let llvmpipe: Run;
beforeAll(async () => {
  vulkan = await train('vulkan');
  llvmpipe = await train('opengles');
});

// Tolerances. The two compilers round differently (where each contracts a * b + c into an
// FMA, their exp and log), so each step's results differ in the last bits, and training
// carries that on. Measured here after these 8 steps: losses agree to 1.7e-7 relative, every
// accuracy is equal, 84% of the parameters are the same bits and the rest differ by at most
// 1.2e-6. A kernel wrong on one backend (a bias dropped, a dropout mask drawn differently,
// an index off by one) would move losses by 1e-2 or more and parameters by about a step
// (Adam and RMSprop move a weight up to lr = 1e-3 a step). So:
// - losses: 1e-4 relative;
// - parameters: 1e-5 absolute (a hundredth of an Adam step; weights are about 0.05);
// - accuracies: at most one sample apart (a prediction whose two best logits tie within
//   rounding may fall either way).
const LOSS_RTOL = 1e-4;
const PARAM_ATOL = 1e-5;

function expectLoss(a: number, b: number, what: string): void {
  expect(Number.isFinite(a) && Number.isFinite(b), what).toBe(true);
  expect(Math.abs(a - b), `${what}: vulkan ${a}, llvmpipe ${b}`).toBeLessThanOrEqual(LOSS_RTOL * Math.abs(b));
}

function expectAccuracy(a: number, b: number, samples: number, what: string): void {
  expect(Math.round(Math.abs(a - b) * samples), `${what}: vulkan ${a}, llvmpipe ${b} of ${samples}`).toBeLessThanOrEqual(1);
}

describe('a short training run on Vulkan (SwiftShader) and on llvmpipe', () => {
  it('runs on the two backends it compares', () => {
    expect(vulkan.describe).toMatch(/backend vulkan \(core\)/);
    expect(llvmpipe.describe).toMatch(/backend opengles \(compatibility\)/);
  });

  it('records the same losses and accuracies every epoch, and the same test results', () => {
    SETUPS.forEach((s, t) => {
      const name = `${s.optimizer.optimizer} (trial ${t})`;
      for (let e = 0; e < EPOCHS; e++) {
        const v = vulkan.epochs[e][t], l = llvmpipe.epochs[e][t];
        expect(v.diverged || l.diverged, name).toBe(false);
        expectLoss(v.trainLoss, l.trainLoss, `${name} epoch ${e} train loss`);
        expectAccuracy(v.trainAccuracy, l.trainAccuracy, CONFIG.trainCount, `${name} epoch ${e} train accuracy`);
        expectLoss(v.validation!.loss, l.validation!.loss, `${name} epoch ${e} validation loss`);
        expectAccuracy(v.validation!.accuracy, l.validation!.accuracy, CONFIG.validationCount, `${name} epoch ${e} validation accuracy`);
      }
      expectLoss(vulkan.test[t].loss, llvmpipe.test[t].loss, `${name} test loss`);
      expectAccuracy(vulkan.test[t].accuracy, llvmpipe.test[t].accuracy, TEST_IMAGES, `${name} test accuracy`);
      // It learned: well above chance (0.1) after 8 steps, on both.
      expect(llvmpipe.test[t].accuracy, name).toBeGreaterThan(0.3);
    });
  });

  it('ends with the same parameters', () => {
    SETUPS.forEach((s, t) => {
      const v = vulkan.params[t], l = llvmpipe.params[t];
      expect(v.length).toBe(l.length);
      let worst = 0, at = 0;
      for (let i = 0; i < v.length; i++) {
        const d = Math.abs(v[i] - l[i]);
        if (!(d <= worst)) [worst, at] = [d, i];
      }
      expect(worst, `${s.optimizer.optimizer}: parameter ${at}: vulkan ${v[at]}, llvmpipe ${l[at]}`).toBeLessThanOrEqual(PARAM_ATOL);
    });
  });
});
