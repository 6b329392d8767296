// How many trials of a data set train together in one group of stacked dispatches.
import type { Gpu } from '../../kernels/gpu.ts';
import { trainCount, type StudyConfig } from './config.ts';

/** Images per evaluation batch (validation and test). */
export const EVAL_BATCH = 1000;

/** Trials per group: the configured count, or (0) as many as the adapter's largest storage
 * binding and a memory budget allow (every buffer of a group holds all its trials). */
export function groupSize(gpu: Gpu, c: StudyConfig, remaining: number): number {
  if (c.trialsAtOnce > 0) return Math.min(c.trialsAtOnce, remaining);
  const widest = Math.max(...c.sizes);
  const params = c.sizes.slice(1).reduce((s, n, i) => s + n * (c.sizes[i] + 1) + 8, 0);
  const perTrialLargestBuffer = 4 * Math.max(params, c.batch * c.sizes[0], trainCount(c), EVAL_BATCH * widest);
  const byBinding = Math.floor(gpu.limits.maxStorageBufferBindingSize / perTrialLargestBuffer);
  // Parameters, gradients, up to three optimizer slots, batch and evaluation activations.
  const perTrialBytes = 4 * (5 * params + 3 * c.batch * (c.sizes[0] + 4 * widest) + EVAL_BATCH * 3 * widest + trainCount(c));
  const byMemory = Math.floor((1 << 30) / perTrialBytes);
  return Math.max(1, Math.min(remaining, byBinding, byMemory));
}
