// How the trials of a data set split into groups of stacked dispatches: as many trials per
// group as the adapter's buffer limits and a device-memory budget allow, in near-equal groups.
import { totalmem } from 'node:os';
import type { Gpu } from '../../kernels/gpu.ts';
import { trainCount, type StudyConfig } from './config.ts';

/** Images per evaluation batch (validation and test). */
export const EVAL_BATCH = 1000;

const GiB = 2 ** 30;

/** What sizing a group needs to know of the device. */
export interface DeviceBudgetInput {
  isCpu: boolean;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
  /** Host memory, bytes (os.totalmem()). */
  hostBytes: number;
}

export interface MemoryBudget {
  bytes: number;
  /** Where the number comes from, for the log. */
  basis: string;
}

/** Bytes of device memory a group may fill. Dawn's node bindings do not tell the device's
 * memory (adapter.info has no memory heaps; Dawn's AdapterPropertiesMemoryHeaps is not
 * reachable from JavaScript in webgpu 0.6.2), so the budget is derived from what they do tell:
 * - a software adapter (llvmpipe) allocates in host memory beside everything else: 1 GiB,
 *   or a quarter of host memory where that is less;
 * - a GPU: its maxBufferSize (one allocation the driver promises, so the device has at least
 *   that much), at least 1 GiB (every GPU with a WebGPU driver has it), at most 8 GiB (a third
 *   of a 24 GiB card), and at most half of host memory (an integrated GPU shares it). */
export function memoryBudget(d: DeviceBudgetInput): MemoryBudget {
  if (d.isCpu) {
    const bytes = Math.min(GiB, Math.floor(d.hostBytes / 4));
    return { bytes, basis: bytes < GiB ? 'software adapter: a quarter of host memory' : 'software adapter: 1 GiB of host memory' };
  }
  const bytes = Math.min(Math.max(d.limits.maxBufferSize, GiB), 8 * GiB, Math.floor(d.hostBytes / 2));
  return { bytes, basis: 'GPU: its maxBufferSize, within 1 to 8 GiB and half of host memory' };
}

/** Bytes one trial adds to a group: `largestBuffer`, its share of the group's largest buffer
 * (every buffer of a group holds all its trials), and `total`, its share of all of them. */
export function perTrialBytes(c: Pick<StudyConfig, 'sizes' | 'batch'>, trainSamples: number): { largestBuffer: number; total: number } {
  const layers = c.sizes.slice(1);
  // Weights and biases of each layer (+8: the arena aligns each tensor).
  const params = layers.reduce((s, n, i) => s + n * (c.sizes[i] + 1) + 8, 0);
  const outputs = layers.reduce((s, n) => s + n, 0);
  // Evaluation gathers its input once for all trials (trial stride 0): per trial only the
  // layers' outputs, EVAL_BATCH rows of them.
  const largestBuffer = 4 * Math.max(params, c.batch * c.sizes[0], trainSamples, EVAL_BATCH * Math.max(...layers));
  const total =
    4 *
    (5 * params + // parameters, gradients, up to three optimizer slots
      c.batch * (c.sizes[0] + 4 * outputs) + // the batch; each layer's product, activation, their gradients, dropout
      2 * EVAL_BATCH * outputs + // evaluation: each layer's product and activation
      trainSamples); // the shuffle index
  return { largestBuffer, total };
}

/** The most trials one group may hold on this device. */
export function maxTrialsPerGroup(d: DeviceBudgetInput, c: Pick<StudyConfig, 'sizes' | 'batch'>, trainSamples: number): number {
  const per = perTrialBytes(c, trainSamples);
  const binding = Math.min(d.limits.maxStorageBufferBindingSize, d.limits.maxBufferSize);
  const byBinding = Math.floor(binding / per.largestBuffer);
  const byMemory = Math.floor(memoryBudget(d).bytes / per.total);
  return Math.max(1, Math.min(byBinding, byMemory));
}

/** n trials in ceil(n / max) groups whose sizes differ by at most one, larger first
 * (120 at most 59 a group: 40 + 40 + 40, never 59 + 59 + 2: a group costs about the same
 * per step whatever its size, so a small tail group costs a whole group's time). */
export function balancedGroups(n: number, max: number): number[] {
  if (n <= 0) return [];
  const count = Math.ceil(n / Math.max(1, Math.floor(max)));
  const base = Math.floor(n / count);
  return Array.from({ length: count }, (_, i) => base + (i < n % count ? 1 : 0));
}

export function deviceBudgetInput(gpu: Gpu): DeviceBudgetInput {
  const { maxStorageBufferBindingSize, maxBufferSize } = gpu.limits;
  return { isCpu: gpu.report.isCpu, limits: { maxStorageBufferBindingSize, maxBufferSize }, hostBytes: totalmem() };
}

/** Group sizes for the `remaining` trials of a data set: --trials-at-once N (at most N a
 * group), or as many as the device allows; balanced either way. */
export function groupSizes(gpu: Gpu, c: StudyConfig, remaining: number): number[] {
  const max = c.trialsAtOnce > 0 ? c.trialsAtOnce : maxTrialsPerGroup(deviceBudgetInput(gpu), c, trainCount(c));
  return balancedGroups(remaining, max);
}
