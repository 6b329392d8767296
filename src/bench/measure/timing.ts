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

/** timeGpu over batches of about 100 ms: a probe of `perSubmit` calls (one without it)
 * sizes the batches (a multiple of `perSubmit`); without `perSubmit` a batch is one submit. */
export async function timeCalibrated(gpu: Gpu, record: () => void, perSubmit?: number): Promise<Timing> {
  const probe = perSubmit ?? 1;
  const first = await timeGpu(gpu, record, probe, 1, probe);
  const reps = Math.ceil(repsFor(first.medianMs) / probe) * probe;
  return timeGpu(gpu, record, reps, 5, perSubmit ?? reps);
}

/** Repetitions a steps/s figure is the median of, on every side of bench:perf (the engine
 * here, tfjs-child.ts's REPS, torch_peer.py's timed_reps). */
export const STEP_REPS = 5;

/** Median seconds per step of `run(k)` (runs k steps and waits for them once): a calibration
 * run that doubles k from `minSteps` until a run lasts `seconds` / 10, then STEP_REPS
 * repetitions of at least `minSteps` steps sized to last about `seconds` in all. The same
 * protocol as torch_peer.py's timed_reps, so the one wait per repetition (on a GPU up to a
 * millisecond, against a step of tens of microseconds) weighs alike on both sides. */
export async function medianStepSeconds(run: (steps: number) => Promise<void>, minSteps: number, seconds: number): Promise<{ seconds: number; perRep: number; reps: number[] }> {
  let k = minSteps, dt = 0;
  for (;;) {
    const t0 = performance.now();
    await run(k);
    dt = (performance.now() - t0) / 1000;
    if (dt >= seconds / 10 || k >= 2 ** 20) break;
    k *= 2;
  }
  const perRep = Math.max(minSteps, Math.round((k * seconds) / STEP_REPS / Math.max(dt, 1e-9)));
  const per: number[] = [];
  for (let r = 0; r < STEP_REPS; r++) {
    const t0 = performance.now();
    await run(perRep);
    per.push((performance.now() - t0) / 1000 / perRep);
  }
  per.sort((x, y) => x - y);
  return { seconds: per[Math.floor(STEP_REPS / 2)], perRep, reps: per };
}
