// What --profile costs: the same training steps of a throwaway group timed with profiling
// off (commands submitted in batches, as in training) and on (every dispatch timed apart),
// plus the dispatches per step and the sum of their timed kernels against the step's time.
import type { Gpu } from '../../kernels/gpu.ts';
import type { KernelProfile, ProfileOverhead } from '../../kernels/profiler.ts';
import type { GpuDataset } from '../data/gpu-data.ts';
import { TrainingGroup, type GroupConfig, type TrialSetup } from './trainer.ts';

/** Wall-time budget of each timed round of steps; a round has 3 to 20 steps. */
const ROUND_MS = 500;

/** Trains a copy of the group's trials for a few steps each way; the trials the study
 * trains are untouched. Interleaves plain and profiled rounds (twice each) and keeps each
 * kind's faster round, so a neighbour's burst of load does not land on one side only. */
export async function measureProfileOverhead(gpu: Gpu, data: GpuDataset, config: GroupConfig, setups: TrialSetup[]): Promise<{ overhead: ProfileOverhead; stepProfile: KernelProfile }> {
  const saved = gpu.profile;
  await gpu.sync();
  gpu.profile = null;
  const group = new TrainingGroup(gpu, data, config, setups);
  let start = 0;
  const step = () => {
    if (start + config.batch > config.trainCount) start = 0;
    group.trainStep(start);
    start += config.batch;
  };
  const round = async (n: number, profiled: boolean) => {
    const profile = profiled ? gpu.newProfile() : null;
    gpu.profile = profile;
    const t0 = performance.now();
    const submit0 = gpu.submitMs;
    for (let i = 0; i < n; i++) step();
    const hostMs = performance.now() - t0;
    const submitMs = gpu.submitMs - submit0;
    await gpu.sync();
    const ms = performance.now() - t0;
    gpu.profile = null;
    return { msPerStep: ms / n, hostMsPerStep: hostMs / n, submitMsPerStep: submitMs / n, profile };
  };
  try {
    await group.ready();
    group.beginEpoch(0);
    // Warm-up: compiles the pipelines; a profiled step also times each pipeline's first call
    // apart, so the timed rounds below hold steady-state calls only.
    await round(1, false);
    await round(1, true);
    const estimate = await round(1, false);
    const steps = Math.max(3, Math.min(20, Math.round(ROUND_MS / Math.max(estimate.msPerStep, 1e-3))));
    type Round = Awaited<ReturnType<typeof round>>;
    const plain: Round[] = [];
    const profiled: Round[] = [];
    for (let r = 0; r < 2; r++) {
      plain.push(await round(steps, false));
      profiled.push(await round(steps, true));
    }
    const faster = (a: Round, b: Round) => (b.msPerStep < a.msPerStep ? b : a);
    const bestPlain = plain.reduce(faster);
    const plainMs = bestPlain.msPerStep;
    const best = profiled.reduce(faster);
    const timed = best.profile!;
    const overhead = {
      trials: setups.length,
      steps,
      plainMsPerStep: plainMs,
      profiledMsPerStep: best.msPerStep,
      ratio: best.msPerStep / plainMs,
      dispatchesPerStep: timed.calls / steps,
      kernelMsPerStep: timed.totalMs / steps,
      hostMsPerStep: bestPlain.hostMsPerStep,
      submitMsPerStep: bestPlain.submitMsPerStep,
    };
    // stepProfile: the per-kernel times of the faster profiled round (`steps` steps).
    return { overhead, stepProfile: timed };
  } finally {
    group.destroy();
    gpu.profile = saved;
  }
}
