// Statistics of a study cell (data set x optimizer x regularization mode), as the reference
// study defines them: Speed (time per trial), Robustness (final test accuracy across
// seeds), Stability (variance of the training loss across seeds at each epoch, averaged
// over epochs), plus time-to-target and divergences.
import { mean } from 'simple-statistics';
import { accuracyCi95, ACCURACY_CI_METHOD } from './interval.ts';
import { populationVariance, summarize } from './summary.ts';
import type { CellLists, CellStats, RegMode, TrialRecord } from './types.ts';

export { ci95, populationVariance, summarize } from './summary.ts';

/** Population variance (numpy's np.var default, as the study computed it) across seeds of
 * the training loss at each epoch; diverged trials are left out. */
export function stability(lossesBySeed: number[][]): { perEpochVariance: number[]; mean: number } {
  const epochs = Math.max(0, ...lossesBySeed.map((l) => l.length));
  const perEpochVariance: number[] = [];
  for (let e = 0; e < epochs; e++) perEpochVariance.push(populationVariance(lossesBySeed.map((l) => l[e])));
  const finite = perEpochVariance.filter(Number.isFinite);
  return { perEpochVariance, mean: finite.length ? mean(finite) : NaN };
}

/** First epoch (1-based count of epochs trained) whose validation accuracy reaches the target. */
export function epochsToTarget(t: TrialRecord, target: number): number | null {
  const i = t.epochs.findIndex((e) => e.valAccuracy !== null && e.valAccuracy >= target);
  return i < 0 ? null : i + 1;
}

/** `setting`: the cell's point of a sweep (label and swept values), absent without one. */
export function cellStats(dataset: string, optimizer: string, reg: RegMode, trials: TrialRecord[], target: number, setting?: { label: string; values: Record<string, number> }): CellStats {
  const speed = summarize(trials.map((t) => t.seconds));
  const accuracies = trials.filter((t) => !t.diverged).map((t) => t.testAccuracy);
  const robustness = summarize(accuracies);
  const updates = trials.map((t) => t.updateMsPerStep).filter((x): x is number => x !== null);
  return {
    dataset,
    optimizer,
    reg,
    ...(setting ? { setting: setting.label, swept: setting.values } : {}),
    trials: trials.length,
    speed: { ...speed, samplesPerSecond: summarize(trials.map((t) => t.samplesPerSecond)).mean, updateMsPerStep: updates.length ? mean(updates) : null },
    robustness: { ...robustness, ci95: accuracyCi95(accuracies), ciMethod: ACCURACY_CI_METHOD },
    stability: stability(trials.map((t) => t.epochs.map((e) => e.trainLoss))),
    timeToTarget: { target, epochs: Object.fromEntries(trials.map((t) => [String(t.seed), epochsToTarget(t, target)])) },
    divergences: trials.filter((t) => t.diverged).length,
  };
}

/** The reference study's lists for one cell (seed order as given). */
export function cellLists(trials: TrialRecord[]): CellLists {
  const bySeed = (f: (t: TrialRecord) => number[]) => Object.fromEntries(trials.map((t) => [String(t.seed), f(t)]));
  return {
    test_cce_list: trials.map((t) => t.testLoss),
    test_acc_list: trials.map((t) => t.testAccuracy),
    cputime_list: trials.map((t) => t.seconds),
    train_acc_list_dict: bySeed((t) => t.epochs.map((e) => e.trainAccuracy)),
    val_acc_list_dict: bySeed((t) => t.epochs.map((e) => e.valAccuracy ?? NaN)),
    train_cce_list_dict: bySeed((t) => t.epochs.map((e) => e.trainLoss)),
  };
}
