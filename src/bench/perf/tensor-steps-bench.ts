// bench:kernels' view of the optimizers whose update is not one element at a time (Muon's
// per-matrix Newton-Schulz steps): the whole update of T trials' MLP as training records it
// (wall clock, batches of updates in one submit), against an element-wise update (AdamW's,
// the same memory traffic as Muon's biases and output layer), then dispatch by dispatch:
// how many dispatches an update is and which kernels take its time.
import type { Gpu } from '../../kernels/gpu.ts';
import type { KernelTiming } from '../../kernels/profiler.ts';
import { MLP } from '../../nn/mlp.ts';
import { Optimizers } from '../../optim/fused.ts';
import { getOptimizer, listOptimizers } from '../../optim/registry.ts';
import { timeCalibrated } from '../measure/timing.ts';

/** Profiled updates per measurement (each dispatch timed alone). */
const PROFILED_UPDATES = 5;

export interface TensorStepRow {
  optimizer: string;
  /** ms per update of all trials, as training runs it. */
  msPerUpdate: number;
  /** The element-wise baseline's ms per update (AdamW). */
  baselineMs: number;
  dispatchesPerUpdate: number;
  /** Per kernel of one update: calls and ms (dispatch by dispatch). */
  perUpdate: Array<{ kernel: string; calls: number; ms: number }>;
}

export interface TensorStepReport {
  trials: number;
  sizes: number[];
  rows: TensorStepRow[];
}

/** The registered optimizers whose spec has a tensor step. */
export function tensorStepOptimizers(): string[] {
  return listOptimizers().filter((n) => getOptimizer(n).tensorStep);
}

async function updateTiming(gpu: Gpu, model: MLP, optimizer: string): Promise<{ ms: number; profile: KernelTiming[] }> {
  const opt = new Optimizers(gpu, model.arena, Array.from({ length: model.trials }, () => ({ optimizer })));
  try {
    await opt.ready();
    opt.prepare(1, 128);
    const ms = (await timeCalibrated(gpu, () => opt.dispatch())).medianMs;
    const saved = gpu.profile;
    gpu.profile = gpu.newProfile();
    try {
      opt.dispatch(); // first calls (pipeline compilation) apart
      await gpu.sync();
      gpu.profile = gpu.newProfile();
      for (let i = 0; i < PROFILED_UPDATES; i++) opt.dispatch();
      await gpu.sync();
      return { ms, profile: gpu.profile.report() };
    } finally {
      gpu.profile = saved;
    }
  } finally {
    opt.destroy();
  }
}

export async function measureTensorSteps(gpu: Gpu, sizes: number[], trials: number, optimizers = tensorStepOptimizers()): Promise<TensorStepReport> {
  const model = new MLP(gpu, { sizes }, trials);
  try {
    const baseline = await updateTiming(gpu, model, 'adamw');
    const rows: TensorStepRow[] = [];
    for (const optimizer of optimizers) {
      const t = await updateTiming(gpu, model, optimizer);
      rows.push({
        optimizer,
        msPerUpdate: t.ms,
        baselineMs: baseline.ms,
        dispatchesPerUpdate: t.profile.reduce((n, k) => n + k.calls, 0) / PROFILED_UPDATES,
        perUpdate: t.profile.map((k) => ({ kernel: k.kernel, calls: k.calls / PROFILED_UPDATES, ms: k.totalMs / PROFILED_UPDATES })),
      });
    }
    return { trials, sizes, rows };
  } finally {
    model.destroy();
  }
}

export function formatTensorSteps(r: TensorStepReport): string[] {
  const lines = [`optimizer updates with per-matrix steps, ${r.trials} trial(s), MLP ${r.sizes.join('-')} (the whole update, batches in one submit; then dispatch by dispatch)`];
  for (const row of r.rows) {
    lines.push(`  ${row.optimizer}: ${row.msPerUpdate.toFixed(3)} ms per update (${row.dispatchesPerUpdate} dispatches) = ${(row.msPerUpdate / row.baselineMs).toFixed(1)}x adamw's element-wise ${row.baselineMs.toFixed(3)} ms`);
    lines.push(`    ${'kernel'.padEnd(22)} ${'calls'.padStart(6)} ${'ms/update'.padStart(10)}`);
    for (const k of row.perUpdate) lines.push(`    ${k.kernel.padEnd(22)} ${k.calls.toFixed(0).padStart(6)} ${k.ms.toFixed(3).padStart(10)}`);
  }
  return lines;
}
