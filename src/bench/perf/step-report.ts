// bench:kernels' view of a whole training step: the study's step (its MLP, batch, a mix of
// its optimizers and modes) timed as training runs it, then dispatch by dispatch: how many
// dispatches a step is, and whether the per-kernel times add up to the step's time.
import type { Gpu } from '../../kernels/gpu.ts';
import type { KernelTiming, ProfileOverhead, TimingResolution } from '../../kernels/profiler.ts';
import { releaseDataset, uploadDataset, type GpuDataset } from '../data/gpu-data.ts';
import { PRESETS } from '../study/config.ts';
import { planTrials } from '../study/plan.ts';
import { measureProfileOverhead } from '../study/profile-cost.ts';
import { TrainingGroup, type GroupConfig, type TrialSetup } from '../study/trainer.ts';
import { tensorStepOptimizers } from './tensor-steps-bench.ts';

export interface StepReport {
  trials: number;
  batch: number;
  /** Which optimizers and modes the trials hold. */
  mix: string;
  overhead: ProfileOverhead;
  /** Timing source and resolution of the per-kernel times. */
  timing: TimingResolution;
  /** Per kernel: calls and ms per training step. */
  perStep: Array<{ kernel: string; callsPerStep: number; msPerStep: number }>;
  /** The host's own time per step, nothing submitted (see measureHostOnly). */
  hostOnly: { steps: number; usPerStep: number };
  /** The optimizers' per-matrix steps (kernels named `<optimizer>.<step>`), per training step. */
  tensorSteps: { callsPerStep: number; msPerStep: number };
}

/** T trials of one optimizer at its defaults, seeds 1..T, no regularization. */
export function optimizerSetups(optimizer: string, trials: number): { setups: TrialSetup[]; mix: string } {
  return { setups: Array.from({ length: trials }, (_, i) => ({ seed: i + 1, optimizer: { optimizer }, dropout: 0 })), mix: `${optimizer} x default` };
}

/** The study's trials, spread over its grid: T trials take every (120 / T)-th of a data
 * set's 120 plans (all optimizers and modes, not the first optimizer's), cycling past 120. */
export function studySetups(trials: number): { setups: TrialSetup[]; mix: string } {
  const grid = planTrials({ ...PRESETS['seed-study'], datasets: ['mnist'] });
  const picked = Array.from({ length: trials }, (_, i) => grid[Math.floor((i * grid.length) / Math.min(trials, grid.length)) % grid.length]);
  const count = (key: (p: (typeof grid)[number]) => string) => [...new Set(picked.map(key))].join('/');
  return {
    setups: picked.map((p, i) => ({ seed: p.seed + i, optimizer: p.opt, dropout: p.dropout })),
    mix: `${count((p) => p.optimizer)} x ${count((p) => p.reg)}`,
  };
}

/** Random 28 x 28 images: a step's time does not depend on the pixels. */
function syntheticSplit(count: number, seed: number) {
  const images = new Uint8Array(count * 784);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < images.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    images[i] = x & 255;
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => images[i * 784] % 10);
  return { images, labels, count, rows: 28, cols: 28 };
}

export async function measureTrainingStep(gpu: Gpu, trials: number, batch: number, trained = studySetups(trials)): Promise<StepReport> {
  const data = uploadDataset(gpu, { train: syntheticSplit(60_000, 7), test: syntheticSplit(1_000, 9) });
  try {
    const { setups, mix } = trained;
    const config = { sizes: [784, 128, 128, 10], batch, trainCount: 50_000, validationCount: 10_000 };
    const { overhead, stepProfile } = await measureProfileOverhead(gpu, data, config, setups);
    const perStep = stepProfile.report().map((r: KernelTiming) => ({ kernel: r.kernel, callsPerStep: r.calls / overhead.steps, msPerStep: r.totalMs / overhead.steps }));
    const hostOnly = await measureHostOnly(gpu, data, config, setups);
    const prefixes = tensorStepOptimizers().map((n) => `${n}.`);
    const mine = perStep.filter((k) => prefixes.some((p) => k.kernel.startsWith(p)));
    const tensorSteps = { callsPerStep: mine.reduce((n, k) => n + k.callsPerStep, 0), msPerStep: mine.reduce((n, k) => n + k.msPerStep, 0) };
    return { trials, batch, mix, overhead, timing: stepProfile.resolution(), perStep, hostOnly, tensorSteps };
  } finally {
    releaseDataset(gpu, data);
  }
}

/**
 * What a training step costs the host alone: a throwaway group's steps with queue.submit
 * replaced by a no-op, so nothing runs and no GPU (or, on llvmpipe, no CPU rasterizer)
 * competes. What is left is the buffer writes, the replay of the recorded step and Dawn's
 * encoding: the floor under a step's time on any adapter, and what bounds steps per second
 * where the GPU is faster than that (one trial on a datacenter GPU).
 */
async function measureHostOnly(gpu: Gpu, data: GpuDataset, config: GroupConfig, setups: TrialSetup[]): Promise<{ steps: number; usPerStep: number }> {
  const group = new TrainingGroup(gpu, data, config, setups);
  const queue = gpu.device.queue;
  const submit = queue.submit;
  try {
    await group.ready();
    group.beginEpoch(0);
    group.trainStep(0); // records the step, and runs it once
    await gpu.sync();
    queue.submit = () => {};
    const steps = 500;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) group.trainStep(((i + 1) * config.batch) % (config.trainCount - config.batch));
    return { steps, usPerStep: ((performance.now() - t0) * 1000) / steps };
  } finally {
    queue.submit = submit;
    await gpu.sync();
    group.destroy();
  }
}

export function formatStepReport(r: StepReport): string {
  const o = r.overhead;
  const lines = [
    `training step: ${r.trials} trial${r.trials === 1 ? '' : 's'} (${r.mix}), batch ${r.batch}, MLP 784-128-128-10, synthetic images; kernel times: ${r.timing.text}`,
    `  ${o.dispatchesPerStep} dispatches per step; step ${o.plainMsPerStep.toFixed(3)} ms as training runs it (one submit), ${o.profiledMsPerStep.toFixed(3)} ms dispatch by dispatch (${o.ratio.toFixed(2)}x)`,
    `  sum of the per-kernel times of a step: ${o.kernelMsPerStep.toFixed(3)} ms = ${((100 * o.kernelMsPerStep) / o.plainMsPerStep).toFixed(0)}% of the step (best of 2 rounds of ${o.steps} steps each way)`,
    `  host per step: ${o.hostMsPerStep.toFixed(3)} ms to write, record, encode and submit, of which ${o.submitMsPerStep.toFixed(3)} ms in queue.submit (on a software adapter the submit runs the kernels); ${((100 * (o.hostMsPerStep - o.submitMsPerStep)) / o.plainMsPerStep).toFixed(0)}% of the step before the submit`,
    `  host alone: ${r.hostOnly.usPerStep.toFixed(1)} us per step with nothing submitted (${r.hostOnly.steps} steps: buffer writes, the replayed step, encoding) = ${(1e6 / r.hostOnly.usPerStep).toFixed(0)} steps/s at most on any adapter from this host`,
    `  ${'kernel'.padEnd(22)} ${'calls/step'.padStart(10)} ${'ms/step'.padStart(9)}`,
  ];
  for (const k of r.perStep) lines.push(`  ${k.kernel.padEnd(22)} ${k.callsPerStep.toFixed(1).padStart(10)} ${k.msPerStep.toFixed(3).padStart(9)}`);
  const t = r.tensorSteps;
  if (t.callsPerStep > 0) lines.push(`  per-matrix optimizer steps: ${t.callsPerStep.toFixed(0)} dispatches, ${t.msPerStep.toFixed(3)} ms per step = ${((100 * t.msPerStep) / o.kernelMsPerStep).toFixed(0)}% of the per-kernel sum`);
  return lines.join('\n');
}
