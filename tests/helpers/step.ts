// A small training step to profile: a synthetic data set, a group config (the study's
// 784-wide input, so the first layer's uint8 products run), and the dispatches of one step
// of given trials, counted by wrapping the runtime.
import { uploadDataset, type GpuDataset } from '../../src/bench/data/gpu-data.ts';
import { TrainingGroup, type GroupConfig, type TrialSetup } from '../../src/bench/study/trainer.ts';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { randomU32 } from './random.ts';

/** 640 training and 100 test images of 28 x 28 random bytes, on the GPU. */
export function syntheticData(g: Gpu): GpuDataset {
  const split = (count: number, seed: number) => ({
    images: Uint8Array.from(randomU32(count * 784, seed, 256)),
    labels: Uint8Array.from(randomU32(count, seed + 1, 10)),
    count, rows: 28, cols: 28,
  });
  return uploadDataset(g, { train: split(640, 1), test: split(100, 3) });
}

export const SMALL_STEP: GroupConfig = { sizes: [784, 32, 10], batch: 64, trainCount: 512, validationCount: 128 };

/** Dispatches in one training step of `setups`, counted on a throwaway group. */
export async function dispatchesPerStep(g: Gpu, data: GpuDataset, config: GroupConfig, setups: TrialSetup[]): Promise<number> {
  const probe = new TrainingGroup(g, data, config, setups);
  await probe.ready();
  probe.beginEpoch(0);
  const dispatch = g.dispatch.bind(g);
  let counted = 0;
  g.dispatch = (k, a) => {
    counted++;
    dispatch(k, a);
  };
  try {
    probe.trainStep(0);
  } finally {
    g.dispatch = dispatch;
  }
  await g.sync();
  probe.destroy();
  return counted;
}
