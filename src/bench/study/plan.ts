// The trial plan of a study: every (data set, optimizer, regularization mode, seed) of the
// grid, with the hyperparameters, L2 and dropout each trial trains with.
import type { TrialOptimizerConfig } from '../../optim/fused.ts';
import { getOptimizer } from '../../optim/registry.ts';
import { resolveHyper } from '../../optim/spec.ts';
import type { DatasetName } from '../data/datasets.ts';
import type { RegMode } from '../results/types.ts';
import type { StudyConfig } from './config.ts';

export interface TrialPlan {
  id: string;
  dataset: DatasetName;
  optimizer: string;
  reg: RegMode;
  seed: number;
  hyper: Record<string, number>;
  opt: TrialOptimizerConfig;
  dropout: number;
}

/** The grid, in the order data set, optimizer, regularization mode, seed. */
export function planTrials(c: StudyConfig): TrialPlan[] {
  const out: TrialPlan[] = [];
  for (const dataset of c.datasets) {
    for (const optimizer of c.optimizers) {
      const hyper = resolveHyper(getOptimizer(optimizer), c.hyper[optimizer]);
      for (const reg of c.regs) {
        for (const seed of c.seeds) {
          const l2 = reg === 'L2' ? c.l2 : 0;
          out.push({
            id: `${dataset}/${optimizer}/${reg}/${seed}`,
            dataset, optimizer, reg, seed, hyper,
            opt: { optimizer, hyper, l2, resetEveryStep: c.resetStateEveryStep.includes(optimizer) },
            dropout: reg === 'dropout' ? c.dropout : 0,
          });
        }
      }
    }
  }
  return out;
}
