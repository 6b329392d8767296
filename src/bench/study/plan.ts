// The trial plan of a study: every (data set, optimizer, regularization mode, setting, seed)
// of the grid, with the hyperparameters, L2 and dropout each trial trains with. A setting is
// one point of the swept axes (a list given for an optimizer hyperparameter, the L2 lambda
// or the dropout rate); without sweeps every cell has one setting and the ids are the
// reference study's `${dataset}/${optimizer}/${reg}/${seed}`. The plan is a pure function
// of the configuration: every machine of a sharded study plans the same trials, same ids.
import { hash4 } from '../../kernels/rng.ts';
import type { TrialOptimizerConfig } from '../../optim/fused.ts';
import { getOptimizer } from '../../optim/registry.ts';
import { resolveHyper } from '../../optim/spec.ts';
import type { DatasetName } from '../data/datasets.ts';
import type { RegMode, SweepAxis } from '../results/types.ts';
import type { StudyConfig } from './config.ts';

export interface TrialPlan {
  id: string;
  dataset: DatasetName;
  optimizer: string;
  reg: RegMode;
  seed: number;
  /** Only with independentSeeds: the seed the trial's generator runs with (see independentSeed). */
  trainSeed?: number;
  /** The swept values of this trial (`lr`, `lambda`, `dropout`, ...) and their label, or
   * null when nothing is swept. */
  setting: Setting | null;
  hyper: Record<string, number>;
  opt: TrialOptimizerConfig;
  dropout: number;
}

export interface Setting {
  /** `lr=0.001,lambda=0.1`; `fixed` where no swept axis applies to the trial (e.g. the
   * default mode when only lambda is swept). */
  label: string;
  /** Swept value by key (`lr`, `lambda`, `dropout`), as in the label. */
  values: Record<string, number>;
  /** The swept optimizer hyperparameters, L2 lambda and dropout rate of the setting. */
  hyper: Record<string, number>;
  l2?: number;
  dropout?: number;
}

export const FIXED = 'fixed';

const scalar = (v: number | number[]): number => (Array.isArray(v) ? v[0] : v);

/** The axes that vary across trials: lists of optimizers and modes the study trains. */
export function sweepAxes(c: StudyConfig): SweepAxis[] {
  const axes: SweepAxis[] = [];
  for (const optimizer of c.optimizers)
    for (const [key, v] of Object.entries(c.hyper[optimizer] ?? {})) if (Array.isArray(v)) axes.push({ name: `${optimizer}.${key}`, key, optimizer, values: v });
  if (Array.isArray(c.l2) && c.regs.includes('L2')) axes.push({ name: 'lambda', key: 'lambda', reg: 'L2', values: c.l2 });
  if (Array.isArray(c.dropout) && c.regs.includes('dropout')) axes.push({ name: 'dropout', key: 'dropout', reg: 'dropout', values: c.dropout });
  return axes;
}

/** The settings of one optimizer x mode cell: the product of the axes that apply to it,
 * the first axis outermost, values in the order given. */
export function cellSettings(axes: SweepAxis[], optimizer: string, reg: RegMode): Setting[] {
  const mine = axes.filter((a) => (a.optimizer ?? optimizer) === optimizer && (a.reg ?? reg) === reg);
  let points: Setting[] = [{ label: '', values: {}, hyper: {} }];
  for (const a of mine) {
    points = points.flatMap((p) => a.values.map((v) => {
      const s: Setting = { ...p, label: `${p.label}${p.label ? ',' : ''}${a.key}=${v}`, values: { ...p.values, [a.key]: v } };
      if (a.optimizer) s.hyper = { ...p.hyper, [a.key]: v };
      else if (a.reg === 'L2') s.l2 = v;
      else s.dropout = v;
      return s;
    }));
  }
  return points.map((p) => ({ ...p, label: p.label || FIXED }));
}

/** Key of the generator stream that draws independent seeds (rng.ts' streams are below 64). */
const INDEPENDENT_SEEDS = 0x5eed;

/** FNV-1a of a name: the optimizer's part of its independent seeds, so adding or reordering
 * optimizers leaves every other optimizer's seeds as they were. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of new TextEncoder().encode(name)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return h;
}

/** The seed an optimizer's trial of listed seed `seed` trains with under --independent-seeds:
 * a hash of both, so no two optimizers share initial weights, data order or dropout masks. */
export function independentSeed(seed: number, optimizer: string): number {
  return hash4(seed, INDEPENDENT_SEEDS, nameHash(optimizer), 0);
}

/** The grid, in the order data set, optimizer, regularization mode, setting, seed. */
export function planTrials(c: StudyConfig): TrialPlan[] {
  const axes = sweepAxes(c);
  const out: TrialPlan[] = [];
  for (const dataset of c.datasets) {
    for (const optimizer of c.optimizers) {
      const fixedHyper = Object.fromEntries(Object.entries(c.hyper[optimizer] ?? {}).map(([k, v]) => [k, scalar(v)]));
      for (const reg of c.regs) {
        for (const setting of axes.length ? cellSettings(axes, optimizer, reg) : [null]) {
          const hyper = resolveHyper(getOptimizer(optimizer), { ...fixedHyper, ...setting?.hyper });
          const l2 = reg === 'L2' ? setting?.l2 ?? scalar(c.l2) : 0;
          const dropout = reg === 'dropout' ? setting?.dropout ?? scalar(c.dropout) : 0;
          for (const seed of c.seeds) {
            out.push({
              id: setting ? `${dataset}/${optimizer}/${reg}/${setting.label}/${seed}` : `${dataset}/${optimizer}/${reg}/${seed}`,
              dataset, optimizer, reg, seed, ...(c.independentSeeds ? { trainSeed: independentSeed(seed, optimizer) } : {}), setting, hyper,
              opt: { optimizer, hyper, l2, resetEveryStep: c.resetStateEveryStep.includes(optimizer) },
              dropout,
            });
          }
        }
      }
    }
  }
  return out;
}
