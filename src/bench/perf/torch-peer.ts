// bench:perf's use of the PyTorch peer: the study's workload as the peer's arguments, and its
// measurements beside the engine's (ratios are the engine's speed over the peer's).
import { loadDataset, type DatasetName } from '../data/datasets.ts';
import { findTorch, runPeer, skipLine, type TorchResult } from '../peers/torch.ts';
import { trainCount, type StudyConfig } from '../study/config.ts';
import { planTrials } from '../study/plan.ts';

export interface TorchPeer {
  python: string;
  torch: string;
  device: string;
  cuda: boolean;
}

/** The peer, or null after logging the one skip line. */
export async function openTorchPeer(log: (s: string) => void): Promise<TorchPeer | null> {
  const found = await findTorch();
  if (found.python === null) {
    log(skipLine(found.reason));
    return null;
  }
  log(`PyTorch peer: ${found.python}, torch ${found.info.torch}, ${found.info.device}`);
  return { python: found.python, torch: found.info.torch, device: found.info.device, cuda: found.info.cuda };
}

/** The peer's arguments for a study without sweeps: data directories (the project's loader
 * finds and checks the files first), grid, epochs, sizes, split, and the hyperparameters, L2
 * lambda and dropout rate its plan trains with. */
export async function workloadArgs(c: StudyConfig, datasets: DatasetName[]): Promise<string[]> {
  const args: string[] = [];
  for (const name of datasets) args.push('--data', `${name}=${(await loadDataset(name, { dataDir: c.dataDir ?? undefined })).source}`);
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

/** Runs the peer; a failure is logged and gives no results (bench:perf goes on). */
export async function runTorch<T extends TorchResult>(peer: TorchPeer, args: string[], log: (s: string) => void, what: string): Promise<T[]> {
  const r = await runPeer(peer.python, args, { log: (l) => log(`  torch: ${l}`) });
  if (r.error) log(`PyTorch peer ${what} FAILED: ${r.error}`);
  return r.results.filter((x) => x.task !== 'info') as T[];
}
