// Builds results.json from the finished trials (a run's journal, merged shards, or a web
// page's run). Node-free; outputs.ts writes it with trials.csv and the report.
import type { Gpu } from '../../kernels/gpu.ts';
import { inferenceOf } from '../report/inference.ts';
import type { CellLists, EnvironmentInfo, ResultsFile, TrialRecord } from '../results/types.ts';
import { cellLists, cellStats } from '../results/stats.ts';
import type { StudyConfig } from './config.ts';
import { fingerprint } from './fingerprint.ts';
import { cellSettings, sweepAxes, type TrialPlan } from './plan.ts';

/** What results.json says about the machine that trained: from the GPU of a run, or from
 * the shards' own results.json in a merge. */
export interface MachineFacts {
  environment: EnvironmentInfo;
  peakGpuBytes: number;
  kernels: ResultsFile['kernels'];
  /** The matmul kernel of each training shape (absent: not known, a merge of shards that differ). */
  matmulKernels?: Record<string, string>;
}

/** The part of results.json's environment the GPU runtime tells, wherever it runs. */
export function adapterEnvironment(gpu: Gpu): Pick<EnvironmentInfo, 'backend' | 'featureLevel' | 'adapter' | 'isCpu' | 'timing' | 'boundsChecks'> {
  return { backend: gpu.report.backend, featureLevel: gpu.report.featureLevel, adapter: gpu.describe(), isCpu: gpu.report.isCpu, timing: gpu.timingSource, boundsChecks: gpu.boundsChecks };
}

/** What the GPU of a run tells, with the environment of the place it ran in (Node:
 * outputs.ts machineFacts; a page: its own). */
export function gpuFacts(gpu: Gpu, environment: EnvironmentInfo): MachineFacts {
  return {
    environment,
    peakGpuBytes: gpu.pool.snapshot().peakLiveBytes,
    kernels: gpu.profile ? { source: gpu.profile.source, resolution: gpu.profile.resolution(), overhead: gpu.profile.overhead, rows: gpu.profile.report() } : null,
  };
}

/** results.json of the planned trials that finished (`finished`: by trial id). */
export function assemble(c: StudyConfig, machine: MachineFacts, plan: TrialPlan[], finished: ReadonlyMap<string, TrialRecord>, wallSeconds: number, maxGroup: number): ResultsFile {
  const trials = plan.map((p) => finished.get(p.id)).filter((t): t is TrialRecord => t !== undefined);
  const axes = sweepAxes(c);
  const results: ResultsFile['results'] = {};
  const statistics = [];
  for (const d of c.datasets) {
    for (const o of c.optimizers) {
      for (const r of c.regs) {
        const cell = trials.filter((t) => t.dataset === d && t.optimizer === o && t.reg === r);
        if (cell.length === 0) continue;
        if (!axes.length) {
          ((results[d] ??= {})[o] ??= {})[r] = cellLists(cell);
          statistics.push(cellStats(d, o, r, cell, c.target[d] ?? 1));
          continue;
        }
        // A sweep: one level more, the cell's settings in plan order.
        const lists: Record<string, CellLists> = {};
        for (const setting of cellSettings(axes, o, r)) {
          const mine = cell.filter((t) => t.setting === setting.label);
          if (mine.length === 0) continue;
          lists[setting.label] = cellLists(mine);
          statistics.push(cellStats(d, o, r, mine, c.target[d] ?? 1, setting));
        }
        ((results[d] ??= {})[o] ??= {})[r] = lists;
      }
    }
  }
  const groups = trials.map((t) => t.groupSize);
  const trialsAtOnce = Math.max(maxGroup, ...groups, 1);
  const file: ResultsFile = {
    schema: 'webgpu-optbench/results@1',
    createdAt: new Date().toISOString(),
    complete: trials.length === plan.length,
    plannedTrials: plan.length,
    config: { ...c },
    ...(axes.length ? { sweep: { axes } } : {}),
    ...(c.shard ? { sharding: { fingerprint: fingerprint(c), shard: c.shard } } : {}),
    environment: machine.environment,
    // Profiling slows training (see kernels.overhead): say whether any trial's time has it.
    mode: { batched: trialsAtOnce > 1, trialsAtOnce, peakGpuBytes: machine.peakGpuBytes, profiled: trials.some((t) => t.profiled === true), ...(machine.matmulKernels ? { matmulKernels: machine.matmulKernels } : {}) },
    wallSeconds,
    results,
    statistics,
    kernels: machine.kernels,
    trials,
  };
  return { ...file, inference: inferenceOf(file) };
}
