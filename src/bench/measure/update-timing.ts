// Time of one optimizer update of one trial's MLP, measured apart from training (so it is
// known in every mode, batched or not, profiled or not): Speed compares optimizers by it.
import type { Gpu } from '../../kernels/gpu.ts';
import { MLP } from '../../nn/mlp.ts';
import { Optimizers, type TrialOptimizerConfig } from '../../optim/fused.ts';
import { timeGpu } from './timing.ts';

/** Median ms per update step, per optimizer configuration (T = 1, MLP of `sizes`). */
export async function measureUpdateMs(gpu: Gpu, sizes: number[], configs: TrialOptimizerConfig[]): Promise<number[]> {
  const out: number[] = [];
  const profile = gpu.profile;
  gpu.profile = null; // batches of updates, not dispatch by dispatch
  try {
    for (const c of configs) {
      const model = new MLP(gpu, { sizes }, 1);
      const opt = new Optimizers(gpu, model.arena, [c]);
      await opt.ready();
      // The record write is per step, as in training; ten updates per submit (a lone submit
      // costs ~1 ms on llvmpipe, which a training step pays once for all its kernels).
      opt.prepare(1, 128);
      const t = await timeGpu(gpu, () => opt.dispatch(), 20, 5, 10);
      out.push(t.medianMs);
      opt.destroy();
      model.destroy();
    }
  } finally {
    gpu.profile = profile;
  }
  return out;
}
