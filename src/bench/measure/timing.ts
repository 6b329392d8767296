// Wall-clock timing of GPU work for benchmarks: warm-up apart, repeated batches, median.
import type { Gpu } from '../../kernels/gpu.ts';

export interface Timing {
  /** Median over batches of the mean time per call, in ms. */
  medianMs: number;
  minMs: number;
  /** First call (includes pipeline compilation). */
  warmupMs: number;
  calls: number;
}

/** Times `record` (which records GPU work) `reps` times per batch, `batches` batches,
 * submitting after every `perSubmit` calls (a training step submits ~20 kernels at once;
 * on llvmpipe a submit of its own adds ~1 ms to a kernel). */
export async function timeGpu(gpu: Gpu, record: () => void, reps: number, batches = 5, perSubmit = 1): Promise<Timing> {
  await gpu.sync();
  let t0 = performance.now();
  record();
  await gpu.sync();
  const warmupMs = performance.now() - t0;
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      record();
      if ((i + 1) % perSubmit === 0) gpu.flush();
    }
    await gpu.sync();
    per.push((performance.now() - t0) / reps);
  }
  per.sort((x, y) => x - y);
  return { medianMs: per[Math.floor(per.length / 2)], minMs: per[0], warmupMs, calls: reps * batches };
}

/** Repetitions so that one batch takes about `targetMs`, from a first estimate. */
export function repsFor(estimateMs: number, targetMs = 100, max = 500): number {
  return Math.max(3, Math.min(max, Math.round(targetMs / Math.max(estimateMs, 1e-3))));
}
