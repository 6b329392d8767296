// What a group's training turns into: the trial records of results.json, epoch by epoch,
// and the settings a TrainingGroup is built from. Node-free: the CLI's runner (study.ts) and
// the web page's (run-in-memory.ts) fill the records alike, so the two write the same files.
import type { TunedShape } from '../../kernels/matmul.ts';
import { mlpMatmulShapes } from '../measure/tuning.ts';
import type { TrialRecord } from '../results/types.ts';
import { trainCount, type StudyConfig } from './config.ts';
import { EVAL_BATCH } from './groups.ts';
import { groupsMatmulShapes } from './optimizer-needs.ts';
import type { TrialPlan } from './plan.ts';
import type { EpochResult, EvalResult, GroupConfig, TrialSetup } from './trainer.ts';

export function trialRecord(p: TrialPlan, groupSizeN: number, updateMs: number | null, profiled: boolean): TrialRecord {
  return {
    id: p.id, dataset: p.dataset, optimizer: p.optimizer, reg: p.reg, seed: p.seed, ...(p.trainSeed !== undefined ? { trainSeed: p.trainSeed } : {}),
    ...(p.setting ? { setting: p.setting.label, swept: p.setting.values } : {}), hyper: p.hyper,
    l2: p.opt.l2 ?? 0, dropout: p.dropout, resetEveryStep: !!p.opt.resetEveryStep,
    epochs: [], testLoss: NaN, testAccuracy: NaN, diverged: false, divergedEpoch: null,
    seconds: 0, samplesPerSecond: 0, groupSize: groupSizeN, updateMsPerStep: updateMs, profiled,
  };
}

export function groupConfig(c: StudyConfig): GroupConfig {
  return { sizes: c.sizes, batch: c.batch, trainCount: trainCount(c), validationCount: c.validation, init: c.init, evalBatch: EVAL_BATCH };
}

export function setups(plans: TrialPlan[]): TrialSetup[] {
  return plans.map((p) => ({ seed: p.trainSeed ?? p.seed, optimizer: p.opt, dropout: p.dropout }));
}

/** The products a step of each group size trains with (evaluation keeps the defaults), and
 * those of the optimizers' tensor steps in `groups` (their trials, group by group). */
export function trainingShapes(c: StudyConfig, sizes: number[], groups: TrialPlan[][]): TunedShape[] {
  const mlp = [...new Set(sizes)].flatMap((T) => mlpMatmulShapes(c.sizes, c.batch, T, { backward: true, dropout: c.regs.includes('dropout') }).map((s) => s.shape));
  return [...mlp, ...groupsMatmulShapes(c.sizes, groups)];
}

/** The trials of a data set (`mine`, in plan order) cut into groups of `sizes`, each with its
 * label in the run's progress ("5-8 of 24": positions in the whole plan). */
export function groupsOf(plan: TrialPlan[], mine: TrialPlan[], sizes: number[]): Array<{ chunk: TrialPlan[]; label: string }> {
  const out: Array<{ chunk: TrialPlan[]; label: string }> = [];
  for (let i = 0, g = 0; i < mine.length; i += sizes[g++]) {
    const chunk = mine.slice(i, i + sizes[g]);
    const first = plan.indexOf(chunk[0]) + 1, last = plan.indexOf(chunk[chunk.length - 1]) + 1;
    out.push({ chunk, label: `${first}${last > first ? `-${last}` : ''} of ${plan.length}` });
  }
  return out;
}

/** A data set's trials in `plan` cut into groups of `sizes`, in order (as the runners train them). */
export function chunksOf(plan: TrialPlan[], dataset: string, sizes: number[]): TrialPlan[][] {
  const mine = plan.filter((p) => p.dataset === dataset);
  return groupsOf(plan, mine, sizes).map((g) => g.chunk);
}

/** Adds an epoch's results to the group's records; `seconds`: the epoch's time per trial. */
export function addEpoch(records: TrialRecord[], epoch: number, res: EpochResult[], seconds: number): void {
  res.forEach((r, t) => {
    records[t].epochs.push({ epoch, trainLoss: r.trainLoss, trainAccuracy: r.trainAccuracy, valLoss: r.validation?.loss ?? null, valAccuracy: r.validation?.accuracy ?? null, seconds });
    records[t].seconds += seconds;
  });
}

/** The mean training loss of an epoch over the trials that have not diverged (NaN: none). */
export function meanTrainLoss(res: EpochResult[]): number {
  const finite = res.map((r) => r.trainLoss).filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b) / finite.length : NaN;
}

/** Completes the records with the test set's results, each trial's divergence and speed;
 * `testSeconds`: the evaluation's time per trial. */
export function finishRecords(records: TrialRecord[], c: StudyConfig, divergence: ReadonlyArray<number | null>, test: EvalResult[], testSeconds: number): void {
  records.forEach((r, t) => {
    r.seconds += testSeconds;
    r.divergedEpoch = divergence[t];
    r.diverged = r.divergedEpoch !== null;
    r.testLoss = r.diverged ? NaN : test[t].loss;
    r.testAccuracy = r.diverged ? NaN : test[t].accuracy;
    r.samplesPerSecond = (c.epochs * trainCount(c)) / r.seconds;
  });
}

/** A finished trial in one line, as the run's log shows it. */
export function trialLine(r: TrialRecord): string {
  const acc = r.diverged ? `diverged in epoch ${(r.divergedEpoch ?? 0) + 1}` : `test acc ${r.testAccuracy.toFixed(4)} loss ${r.testLoss.toFixed(4)}`;
  return `trial ${r.id}: ${acc}, ${r.seconds.toFixed(1)} s${r.groupSize > 1 ? ` (amortized over ${r.groupSize} trials)` : ''}`;
}
