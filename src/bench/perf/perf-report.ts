// perf.json: what one bench:perf run measured, and the rows every rendering of it shows (the
// printed tables, summary.md, the README's performance section). Ratios are computed here
// once: "engine is Nx" is the engine's speed over the row's, with the crosswise range of
// their repetitions (spread.ts), and a figure of a peer on the reference BLAS carries its
// mark into every row and ratio.
import type { PeerResult } from '../peers/tfjs.ts';
import { threadsLine } from '../peers/torch.ts';
import type { EnvironmentInfo } from '../results/types.ts';
import type { MachineInfo } from './machine.ts';
import { rateSpread, ratioSpread, type Spread } from './spread.ts';
import type { StudyComparison } from './study-compare.ts';
import type { TorchSection } from './torch-peer.ts';

export const PERF_SCHEMA = 'webgpu-optbench/perf@2' as const;

export interface EngineSteps {
  optimizer: string;
  stepsPerSecond: number;
  msPerStep: number;
  /** Each timed repetition's ms per step. */
  repetitionMs: number[];
}

export interface Throughput {
  mode: string;
  trialsAtOnce: number;
  stepMs: number;
  /** Each timed repetition's ms per step (batched rows). */
  repetitionMs: number[];
  /** Evaluation of the 10,000 validation images, all trials of the group. */
  evalMs: number;
  epochSeconds: number;
  trialEpochsPerMinute: number;
  /** One by one: each cell's trial-epochs per minute (the range of that row). */
  cells?: number[];
  peakGpuBytes: number | null;
}

export interface PerfEnvironment extends EnvironmentInfo {
  torch: { python: string; pythonVersion: string; torch: string; device: string; blas: TorchSection['blas'] } | null;
  tfjs: string | null;
}

interface Common {
  schema: typeof PERF_SCHEMA;
  createdAt: string;
  /** The command line that produced the run, as typed. */
  command: string;
  machine: MachineInfo;
  environment: PerfEnvironment;
  /** One line each: reference BLAS, a busy machine, a peer that failed. */
  warnings: string[];
}

export interface StepsReport extends Common {
  kind: 'steps';
  workload: { model: number[]; batch: number; dataset: string; stepsPerEpoch: number };
  engine: EngineSteps[];
  peers: PeerResult[];
  torch: TorchSection | null;
  throughput: Throughput[];
}

export interface StudyReport extends Common {
  kind: 'study';
  study: StudyComparison;
}

export type PerfReport = StepsReport | StudyReport;

/** One figure of a row: a rate with its range, the engine's ratio to it, or why it is missing. */
export interface Cell {
  value: Spread | null;
  engineIs: Spread | null;
  error: string | null;
}

export interface Row {
  framework: string;
  configuration: string;
  /** REFERENCE_BLAS_MARK on a peer that ran on the reference BLAS. */
  mark: string | null;
  cells: Cell[];
}

const stepsPerSecond = (ms: number) => 1000 / ms;

/** One trial, steady state: a column per optimizer the engine measured, a row per framework. */
export function stepRows(r: StepsReport): { optimizers: string[]; rows: Row[] } {
  const optimizers = r.engine.map((e) => e.optimizer);
  const mine = new Map(r.engine.map((e) => [e.optimizer, rateSpread(e.repetitionMs, e.msPerStep, stepsPerSecond)]));
  const cell = (optimizer: string, value: Spread | null, error: string | null = null): Cell => {
    const e = mine.get(optimizer);
    return { value, engineIs: value && e ? ratioSpread(e, value) : null, error };
  };
  const rows: Row[] = [{ framework: 'webgpu-optbench', configuration: `Dawn ${r.environment.backend} (${r.environment.featureLevel}), the adapter above`, mark: null, cells: optimizers.map((o) => ({ value: mine.get(o)!, engineIs: null, error: null })) }];
  for (const backend of [...new Set(r.peers.map((p) => p.backend))]) {
    const mineOf = r.peers.filter((p) => p.backend === backend);
    const threads = mineOf.map((p) => p.threads).filter((t) => t !== null && t.count > 0);
    const configuration = threads.length
      ? [...new Set(threads.map((t) => `${t!.count} thread${t!.count === 1 ? '' : 's'} (${t!.choice})`))].join('; ')
      : backend === 'webgpu' ? 'the same Dawn adapter' : backend === 'cpu' ? 'plain JavaScript, one thread' : '';
    rows.push({
      framework: `TensorFlow.js ${backend}`,
      configuration,
      mark: null,
      cells: optimizers.map((o) => {
        const p = mineOf.find((x) => x.optimizer === o);
        if (!p) return cell(o, null, 'not measured');
        if (p.stepsPerSecond === null || p.msPerStep === null) return cell(o, null, p.error);
        return cell(o, rateSpread(p.repetitionMs.length ? p.repetitionMs : [p.msPerStep], p.msPerStep, stepsPerSecond));
      }),
    });
  }
  if (r.torch) {
    const t = r.torch;
    rows.push({
      framework: `PyTorch ${t.torch}, one model (nn.Sequential + torch.optim)`,
      configuration: [...new Set(t.steps.map((s) => threadsLine(s.threads)))].join('; ') || t.device,
      mark: t.mark,
      cells: optimizers.map((o) => {
        const s = t.steps.find((x) => x.optimizer === o);
        return s ? cell(o, rateSpread(s.repetitionMs, s.msPerStep, stepsPerSecond)) : cell(o, null, 'failed (see the log)');
      }),
    });
  }
  return { optimizers, rows };
}

export interface ThroughputRow extends Row {
  trials: number;
  stepMs: number;
  peakGpuBytes: number | null;
}

/** Study throughput in trial-epochs per minute: the engine one by one and batched, then the
 * PyTorch peer's stacked trials (against the engine's batched row of the same T). */
export function throughputRows(r: StepsReport): ThroughputRow[] {
  const perMinute = (T: number, evalMs: number) => (stepMs: number) => (60 * T) / ((r.workload.stepsPerEpoch * stepMs + evalMs) / 1000);
  const engine = r.throughput.map((t): ThroughputRow => {
    const value = t.cells ? { median: t.trialEpochsPerMinute, min: Math.min(...t.cells), max: Math.max(...t.cells) } : rateSpread(t.repetitionMs, t.stepMs, perMinute(t.trialsAtOnce, t.evalMs));
    return { framework: 'webgpu-optbench', configuration: t.mode, mark: null, trials: t.trialsAtOnce, stepMs: t.stepMs, peakGpuBytes: t.peakGpuBytes, cells: [{ value, engineIs: null, error: null }] };
  });
  const rows = [...engine];
  for (const t of r.torch?.throughput ?? []) {
    const value = rateSpread(t.repetitionMs, t.stepMs, perMinute(t.trials, t.evalMs));
    const mine = engine.find((e) => e.configuration === 'batched' && e.trials === t.trials);
    rows.push({
      framework: `PyTorch ${r.torch!.torch}, stacked by hand`,
      configuration: `${t.mode === 'graphs' ? 'CUDA graphs' : 'eager'}; ${threadsLine(t.threads)}`,
      mark: t.mark,
      trials: t.trials,
      stepMs: t.stepMs,
      peakGpuBytes: null,
      cells: [{ value, engineIs: mine ? ratioSpread(mine.cells[0].value!, value) : null, error: null }],
    });
  }
  return rows;
}

/** Every figure the engine is slower on: "PyTorch ... adam 0.20x". */
export function behind(r: StepsReport): string[] {
  const out: string[] = [];
  const { optimizers, rows } = stepRows(r);
  for (const row of rows) row.cells.forEach((c, i) => c.engineIs && c.engineIs.median < 1 && out.push(`${row.framework}, ${optimizers[i]}: ${c.engineIs.median.toFixed(2)}x${row.mark ? ` (${row.mark})` : ''}`));
  for (const row of throughputRows(r)) {
    const c = row.cells[0];
    if (c.engineIs && c.engineIs.median < 1) out.push(`${row.framework} (${row.configuration.split(';')[0]}), T=${row.trials}: ${c.engineIs.median.toFixed(2)}x${row.mark ? ` (${row.mark})` : ''}`);
  }
  return out;
}
