// bench:perf's use of the PyTorch peer: the study's workload as the peer's arguments, and its
// measurements beside the engine's (engineSpeedup: the engine's speed over the peer's). On
// the reference BLAS every figure carries REFERENCE_BLAS_MARK (`mark`), in perf.json and
// wherever it is printed.
import { dataDirFor } from '../data/data-dirs.ts';
import { loadDataset, type DatasetName } from '../data/datasets.ts';
import { blasLine, blasWarning, findTorch, REFERENCE_BLAS_MARK, runPeer, skipLine, threadsLine, type BlasInfo, type TorchResult, type TorchSteps, type TorchThroughput } from '../peers/torch.ts';
import { PRESETS, trainCount, type StudyConfig } from '../study/config.ts';
import { planTrials } from '../study/plan.ts';

export interface TorchPeer {
  /** The interpreter's path, and its version. */
  python: string;
  pythonVersion: string;
  torch: string;
  device: string;
  cuda: boolean;
  blas: BlasInfo;
  /** REFERENCE_BLAS_MARK on the reference BLAS, else null. */
  mark: string | null;
}

/** The peer, or null after logging the one skip line. On the reference BLAS it also logs the
 * one warning line with the install command. */
export async function openTorchPeer(log: (s: string) => void, candidates?: string[]): Promise<TorchPeer | null> {
  const found = await findTorch(candidates);
  if (found.python === null) {
    log(skipLine(found.reason));
    return null;
  }
  const { info } = found;
  log(`PyTorch peer: ${found.python}, torch ${info.torch}, ${info.device}; BLAS: ${blasLine(info.blas)}; threads at start: ${threadsLine(info.threads)}`);
  const warning = blasWarning(info.blas);
  if (warning) log(`bench:perf: ${warning}`);
  return { python: found.python, pythonVersion: info.python, torch: info.torch, device: info.device, cuda: info.cuda, blas: info.blas, mark: info.blas.reference ? REFERENCE_BLAS_MARK : null };
}

/** The peer's arguments for a study without sweeps: data directories (the project's loader
 * finds and checks the files first), grid, epochs, sizes, split, and the hyperparameters, L2
 * lambda and dropout rate its plan trains with. */
export async function workloadArgs(c: StudyConfig, datasets: DatasetName[]): Promise<string[]> {
  const args: string[] = [];
  for (const name of datasets) args.push('--data', `${name}=${(await loadDataset(name, { dataDir: dataDirFor(c.dataDir, name) })).source}`);
  const plan = planTrials(c);
  if (plan.some((p) => p.setting !== null)) throw new Error('the PyTorch peer runs studies without sweeps');
  const hyper = Object.fromEntries(c.optimizers.map((o) => [o, plan.find((p) => p.optimizer === o)!.hyper]));
  const l2 = plan.find((p) => p.reg === 'L2')?.opt.l2 ?? 0;
  const dropout = plan.find((p) => p.reg === 'dropout')?.dropout ?? 0;
  args.push(
    '--optimizers', c.optimizers.join(','), '--regs', c.regs.join(','), '--seeds', c.seeds.join(','),
    '--epochs', String(c.epochs), '--batch', String(c.batch), '--train-samples', String(trainCount(c)),
    '--validation', String(c.validation), '--l2', String(l2), '--dropout', String(dropout),
    '--sizes', c.sizes.join(','), '--hyper', JSON.stringify(hyper),
  );
  return args;
}

/** Runs the peer; a failure is logged and gives no results (bench:perf goes on). The peer's
 * own reference-BLAS warning is left out: openTorchPeer printed bench:perf's, once. */
export async function runTorch<T extends TorchResult>(peer: TorchPeer, args: string[], log: (s: string) => void, what: string): Promise<T[]> {
  const r = await runPeer(peer.python, [...args, '--no-blas-warning'], { log: (l) => log(`  torch: ${l}`) });
  if (r.error) log(`PyTorch peer ${what} FAILED: ${r.error}`);
  return r.results.filter((x) => x.task !== 'info') as T[];
}

/** What the PyTorch peer measured, beside the engine: its device, and per measurement the
 * engine's speed over the peer's (engineSpeedup > 1: the engine is faster). */
export interface TorchSection {
  python: string;
  torch: string;
  device: string;
  blas: BlasInfo;
  /** REFERENCE_BLAS_MARK when the peer ran on the reference BLAS, else null; also on each figure. */
  mark: string | null;
  steps: Array<TorchSteps & { engineSpeedup: number; mark: string | null }>;
  throughput: Array<TorchThroughput & { engineSpeedup: number | null; mark: string | null }>;
}

/** The fewest steps a timed repetition of T stacked trials has, on both sides (on a CPU a
 * step of 120 trials takes about a second, so its repetitions are short in steps). */
export function throughputMinSteps(T: number): number {
  return T > 12 ? 5 : 10;
}

/** The peer against bench:perf's engine measurements: one model's steps/s against the
 * engine's one trial (same optimizers), stacked trials against the engine's batched T. */
export async function measureTorch(
  peer: TorchPeer,
  engine: Array<{ optimizer: string; stepsPerSecond: number }>,
  throughput: Array<{ mode: string; trialsAtOnce: number; trialEpochsPerMinute: number }>,
  o: { seconds: number; maxTrials: number; log: (s: string) => void },
): Promise<TorchSection> {
  const { log } = o;
  const study = PRESETS['seed-study'];
  const section: TorchSection = { python: peer.python, torch: peer.torch, device: peer.device, blas: peer.blas, mark: peer.mark, steps: [], throughput: [] };
  const marked = (s: string) => (peer.mark ? `${s} [${peer.mark}]` : s);
  const fashion = { ...study, datasets: ['fashion-mnist' as const] };
  // One model at a time, the same optimizers as the engine's one-trial measurement.
  for (const e of engine) {
    const args = ['--task', 'steps', '--optimizer', e.optimizer, '--seconds', String(o.seconds), ...(await workloadArgs(fashion, fashion.datasets))];
    for (const r of await runTorch<TorchSteps>(peer, args, log, `steps (${e.optimizer})`)) {
      section.steps.push({ ...r, engineSpeedup: e.stepsPerSecond / r.stepsPerSecond, mark: peer.mark });
      log(marked(`torch loop ${e.optimizer}: ${r.stepsPerSecond.toFixed(1)} steps/s (${r.msPerStep.toFixed(2)} ms/step), ${threadsLine(r.threads)}`));
    }
  }
  // Stacked trials at the engine's batched sizes: the 12 cells (first seed), all 120.
  for (const T of [12, 120].filter((t) => t <= o.maxTrials)) {
    const c = { ...fashion, seeds: T === 12 ? study.seeds.slice(0, 1) : study.seeds };
    const mine = throughput.find((t) => t.mode === 'batched' && t.trialsAtOnce === T);
    for (const mode of peer.cuda ? ['graphs', 'batched'] : ['batched']) {
      const args = ['--task', 'throughput', '--mode', mode, '--steps', String(throughputMinSteps(T)), '--seconds', String(o.seconds), ...(await workloadArgs(c, c.datasets))];
      for (const r of await runTorch<TorchThroughput>(peer, args, log, `throughput (${mode}, T=${T})`)) {
        section.throughput.push({ ...r, engineSpeedup: mine ? mine.trialEpochsPerMinute / r.trialEpochsPerMinute : null, mark: peer.mark });
        log(marked(`torch ${mode} T=${T}: ${r.trialEpochsPerMinute.toFixed(2)} trial-epochs/min (${r.stepMs.toFixed(1)} ms/step), ${threadsLine(r.threads)}`));
      }
    }
  }
  return section;
}
