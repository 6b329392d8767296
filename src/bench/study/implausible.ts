// Sizes that are more likely a typo than a plan (`--epochs 1e9`, `--seed-count 1000000`):
// the run's training work against the reference study's. A run of more than
// IMPLAUSIBLE_FACTOR times that work asks for confirmation on a terminal, and elsewhere
// needs --yes (cli.ts). The lr-sweep preset, the largest built in, is 20 times the
// reference study; 100 times is about an hour of an H200 GPU and days of a 2-core CPU at
// the reference study's pace (DESIGN.md, README's measured speeds).
import { trainCount, type StudyConfig } from './config.ts';
import { sweepAxes } from './plan.ts';

/** Training images the reference study passes through: 240 trials x 10 epochs x 50,000. */
export const REFERENCE_WORK = 240 * 10 * 50_000;
/** Work beyond this many times the reference study's needs a yes. */
export const IMPLAUSIBLE_FACTOR = 100;

/** The trials a study plans (planTrials' length), counted without planning them. */
export function plannedTrialCount(c: StudyConfig): number {
  const axes = sweepAxes(c);
  let cells = 0;
  for (const o of c.optimizers)
    for (const r of c.regs) cells += axes.filter((a) => (a.optimizer ?? o) === o && (a.reg ?? r) === r).reduce((n, a) => n * a.values.length, 1);
  return c.datasets.length * cells * c.seeds.length;
}

/** What makes the run implausibly large, in one sentence, or null. A shard counts its part. */
export function implausibleSize(c: StudyConfig): string | null {
  const trials = plannedTrialCount(c) / (c.shard?.count ?? 1);
  const work = trials * c.epochs * trainCount(c);
  const factor = work / REFERENCE_WORK;
  if (factor <= IMPLAUSIBLE_FACTOR) return null;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return `this run trains ${n(trials)} trials x ${n(c.epochs)} epochs x ${n(trainCount(c))} images, ${factor < 1000 ? factor.toFixed(1) : n(factor)} times the reference study (240 trials x 10 epochs x 50,000 images)`;
}
