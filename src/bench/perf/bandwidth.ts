// bench:kernels' yardstick for the memory-bound pass of a step: what the device copies per
// second (copyBufferToBuffer, bytes read plus bytes written), and each fused optimizer update
// over T trials' parameter arena measured against it. An update reads the parameter, its
// gradient and each state slot and writes the parameter and each slot: (3 + 2 x slots) floats
// per parameter, so its bandwidth is comparable with the copy's.
import type { Gpu } from '../../kernels/gpu.ts';
import { MLP } from '../../nn/mlp.ts';
import { Optimizers } from '../../optim/fused.ts';
import { timeCalibrated } from '../measure/timing.ts';

/** The study's optimizers, with their default (the study's) hyperparameters. */
const OPTIMIZERS = ['sgd', 'adam', 'rmsprop', 'custom'];
/** The copy moves at least this much each way, so that it measures the memory, not a launch. */
const MIN_COPY_BYTES = 64 * 2 ** 20;

export interface BandwidthReport {
  trials: number;
  /** Bytes copied (each read once and written once), ms per copy, GB/s of reads plus writes. */
  copy: { bytes: number; ms: number; gbps: number };
  updates: Array<{ optimizer: string; slots: number; bytes: number; ms: number; gbps: number; ofCopy: number }>;
}

/** Bytes an update of `trials` trials moves: per parameter (3 + 2 x slots) floats. */
export function updateBytes(slots: number, perTrial: number, trials: number): number {
  return (3 + 2 * slots) * 4 * perTrial * trials;
}

export async function measureBandwidth(gpu: Gpu, sizes: number[], trials: number): Promise<BandwidthReport> {
  const updates: BandwidthReport['updates'] = [];
  let largest = 0;
  // One model serves every optimizer: each update only needs an arena to read and write.
  const model = new MLP(gpu, { sizes }, trials);
  try {
    for (const optimizer of OPTIMIZERS) {
      const opt = new Optimizers(gpu, model.arena, Array.from({ length: trials }, () => ({ optimizer, hyper: {} })));
      try {
        await opt.ready();
        opt.prepare(1, 128);
        // Each batch of updates in one submit, as in a step.
        const ms = (await timeCalibrated(gpu, () => opt.dispatch())).medianMs;
        const slots = opt.groups[0].slots.length;
        const bytes = updateBytes(slots, model.arena.perTrial, trials);
        largest = Math.max(largest, bytes);
        updates.push({ optimizer, slots, bytes, ms, gbps: bytes / ms / 1e6, ofCopy: 0 });
      } finally {
        opt.destroy();
      }
    }
  } finally {
    model.destroy();
  }
  // As many bytes each way as the largest update moves in all, within the device's buffer limit.
  const size = Math.min(Math.max(MIN_COPY_BYTES, Math.ceil(largest / 2 / 4) * 4), Math.floor(gpu.device.limits.maxBufferSize / 4) * 4);
  const src = gpu.buffer(size, 'copy-src'), dst = gpu.buffer(size, 'copy-dst');
  try {
    const ms = (await timeCalibrated(gpu, () => gpu.copy(src, 0, dst, 0, size))).medianMs;
    const copy = { bytes: size, ms, gbps: (2 * size) / ms / 1e6 };
    for (const u of updates) u.ofCopy = u.gbps / copy.gbps;
    return { trials, copy, updates };
  } finally {
    gpu.release(src);
    gpu.release(dst);
  }
}

export function formatBandwidth(r: BandwidthReport): string[] {
  const mb = (b: number) => (b / 1e6).toFixed(1);
  const lines = [
    `memory-bound passes, ${r.trials} trial(s): copyBufferToBuffer of ${mb(r.copy.bytes)} MB, ${r.copy.ms.toFixed(3)} ms = ${r.copy.gbps.toFixed(1)} GB/s read + written`,
    `  ${'update'.padEnd(10)} ${'slots'.padStart(5)} ${'MB moved'.padStart(9)} ${'ms'.padStart(9)} ${'GB/s'.padStart(8)} ${'of copy'.padStart(8)}`,
  ];
  for (const u of r.updates) {
    lines.push(`  ${u.optimizer.padEnd(10)} ${String(u.slots).padStart(5)} ${mb(u.bytes).padStart(9)} ${u.ms.toFixed(3).padStart(9)} ${u.gbps.toFixed(1).padStart(8)} ${`${(100 * u.ofCopy).toFixed(0)}%`.padStart(8)}`);
  }
  lines.push('  (median of 5 batches each; an update moves (3 + 2 x slots) floats a parameter: parameter, gradient and slots read, parameter and slots written)');
  return lines;
}
