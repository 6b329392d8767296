// How the trials of a data set split into groups of stacked dispatches: as many trials per
// group as the adapter's buffer limits and a device-memory budget allow, in near-equal groups;
// and whether the adapter can bind a run's buffers at all (checked before any work).
import { sizeClass } from '../../kernels/buffer-pool.ts';
import type { Gpu } from '../../kernels/gpu.ts';
import { platform } from '../../kernels/platform.ts';
import { ConfigError, type StudyConfig } from './config.ts';
import { optimizerScratch } from './optimizer-needs.ts';

/** What sizing a group needs of a study (its optimizers: their scratch, where they have any). */
type GroupShape = Pick<StudyConfig, 'sizes' | 'batch'> & Partial<Pick<StudyConfig, 'optimizers'>>;

/** Images per evaluation batch (validation and test). */
export const EVAL_BATCH = 1000;

const GiB = 2 ** 30;

/** What sizing a group needs to know of the device. */
export interface DeviceBudgetInput {
  isCpu: boolean;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
  /** Host memory, bytes (os.totalmem() in Node, navigator.deviceMemory in a page). */
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

/** Weights and biases of each layer (+8: the arena aligns each tensor). */
function parameterCount(sizes: number[]): number {
  return sizes.slice(1).reduce((s, n, i) => s + n * (sizes[i] + 1) + 8, 0);
}

/** A buffer every trial of a group adds to (each buffer of a group holds all its trials). */
export interface BufferNeed {
  /** What it holds, for messages. */
  what: string;
  /** Bytes per trial. */
  bytes: number;
  /** What to change when it does not fit even for one trial. */
  fix: string;
}

/** The largest buffers per trial: a training step's (each layer's output and gradient, the
 * matmul tuner's scratch: batch x widest layer; the input images stay uint8, read by the
 * first layer's products), the parameter arena (also gradients and each optimizer slot),
 * evaluation (EVAL_BATCH rows of each layer's output). The epoch's shuffle stays on the host;
 * the GPU holds one batch of sample indices a trial. `binding`: the adapter's largest
 * storage buffer, for the suggested --batch. */
export function perTrialBuffers(c: GroupShape, binding = Infinity): BufferNeed[] {
  const params = parameterCount(c.sizes);
  const widest = Math.max(...c.sizes.slice(1));
  const maxBatch = maxCount(binding, 4 * widest);
  const scratch = optimizerScratch(c.optimizers ?? [], c.sizes);
  return [
    { what: `batch ${c.batch} x widest layer ${widest} floats`, bytes: 4 * c.batch * widest, fix: maxBatch > 0 ? `use --batch ${maxBatch} or less` : 'use smaller --sizes' },
    { what: `layers ${c.sizes.join(',')} (${params} parameters)`, bytes: 4 * params, fix: 'use smaller --sizes' },
    { what: `evaluation batch ${EVAL_BATCH} x widest layer ${widest} floats`, bytes: 4 * EVAL_BATCH * widest, fix: 'use smaller --sizes' },
    // An optimizer's per-matrix scratch (Muon: the update of the largest hidden matrix).
    ...(scratch.largestBuffer ? [{ what: scratch.what, bytes: scratch.largestBuffer, fix: 'use smaller --sizes' }] : []),
  ];
}

/** Largest n with n * bytes, rounded up to the buffer pool's size class (the pool binds
 * whole buffers), within `limit`. */
export function maxCount(limit: number, bytes: number): number {
  if (!Number.isFinite(limit)) return Infinity;
  let n = Math.floor(limit / bytes);
  while (n > 0 && sizeClass(n * bytes) > limit) n--;
  return n;
}

/** Bytes one trial adds to a group: `largestBuffer`, its share of the group's largest buffer
 * (every buffer of a group holds all its trials), and `total`, its share of all of them. */
export function perTrialBytes(c: GroupShape): { largestBuffer: number; total: number } {
  const params = parameterCount(c.sizes);
  const outputs = c.sizes.slice(1).reduce((s, n) => s + n, 0);
  const largestBuffer = Math.max(...perTrialBuffers(c).map((b) => b.bytes));
  const total =
    4 *
    (5 * params + // parameters, gradients, up to three optimizer slots
      2 * c.batch * 4 * outputs + // two recorded steps (full batch, last partial batch): each layer's product, activation, their gradients, dropout
      2 * EVAL_BATCH * outputs + // evaluation: each layer's product and activation
      c.batch) + // the step's sample indices
    optimizerScratch(c.optimizers ?? [], c.sizes).total; // tensor steps' scratch, evaluation copies
  return { largestBuffer, total };
}

/** The largest storage buffer the adapter binds. */
function bindingLimit(d: Pick<DeviceBudgetInput, 'limits'>): number {
  return Math.min(d.limits.maxStorageBufferBindingSize, d.limits.maxBufferSize);
}

/** The most trials one group may hold on this device. */
export function maxTrialsPerGroup(d: DeviceBudgetInput, c: GroupShape): number {
  const per = perTrialBytes(c);
  const byBinding = maxCount(bindingLimit(d), per.largestBuffer);
  const byMemory = Math.floor(memoryBudget(d).bytes / per.total);
  return Math.max(1, Math.min(byBinding, byMemory));
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 24 ? 1 : 0)} MiB`;
}

/** Refuses (ConfigError: bad input, exit code 2) a run whose buffers the adapter cannot
 * bind: for one trial, or for the largest group --trials-at-once asks for
 * (`trialsPerDataset`: the most trials one data set trains). Called once the GPU is open,
 * before anything is written. */
export function checkBufferLimits(limits: DeviceBudgetInput['limits'], c: StudyConfig, trialsPerDataset: number): void {
  const limit = bindingLimit({ limits });
  const needs = perTrialBuffers(c, limit);
  const beyond = (bytes: number) => `a ${mib(sizeClass(bytes))} buffer, more than this adapter can bind (${mib(limit)})`;
  for (const n of needs) if (sizeClass(n.bytes) > limit) throw new ConfigError(`${n.what}: ${beyond(n.bytes)}; ${n.fix}`);
  const T = c.trialsAtOnce > 0 ? Math.min(c.trialsAtOnce, trialsPerDataset) : 1;
  const big = needs.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  if (sizeClass(T * big.bytes) > limit) {
    throw new ConfigError(`--trials-at-once ${c.trialsAtOnce}: ${T} trials x ${big.what}: ${beyond(T * big.bytes)}; use --trials-at-once ${maxCount(limit, big.bytes)} or less, or 0 (as many as fit)`);
  }
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
  return { isCpu: gpu.report.isCpu, limits: { maxStorageBufferBindingSize, maxBufferSize }, hostBytes: platform().hostMemoryBytes() };
}

/** Group sizes for the `remaining` trials of a data set: --trials-at-once N (at most N a
 * group), or as many as the device allows; balanced either way. */
export function groupSizes(gpu: Gpu, c: StudyConfig, remaining: number): number[] {
  const max = c.trialsAtOnce > 0 ? c.trialsAtOnce : maxTrialsPerGroup(deviceBudgetInput(gpu), c);
  return balancedGroups(remaining, max);
}
