// The per-trial outcomes the study's conclusions compare: final test accuracy, final test
// loss and time to target (epochs until the validation accuracy first reaches the data
// set's target). A trial without a value (diverged, target never reached) is named with why.
import { epochsToTarget } from './stats.ts';
import type { TrialRecord } from './types.ts';

export type MetricKey = 'testAccuracy' | 'testLoss' | 'epochsToTarget';

export interface MetricSpec {
  key: MetricKey;
  /** In sentences and tables: `test accuracy`. */
  label: string;
  higherIsBetter: boolean;
  /** Differences are shown times this, in `unit` (accuracy: percentage points). */
  scale: number;
  unit: string;
  /** How an optimizer's score on a problem is summarised for the ranking. */
  score: 'mean' | 'median';
}

export const METRICS: readonly MetricSpec[] = [
  { key: 'testAccuracy', label: 'test accuracy', higherIsBetter: true, scale: 100, unit: 'points', score: 'mean' },
  { key: 'testLoss', label: 'test loss', higherIsBetter: false, scale: 1, unit: '', score: 'mean' },
  // Epochs, not seconds: in batched mode every trial of a group has the group's time.
  { key: 'epochsToTarget', label: 'epochs to target', higherIsBetter: false, scale: 1, unit: 'epochs', score: 'median' },
];

export function metricSpec(key: MetricKey): MetricSpec {
  return METRICS.find((m) => m.key === key)!;
}

export type Missing = 'diverged' | 'target not reached' | 'no validation';

/** A trial's value of a metric, or why it has none. `target`: the data set's target accuracy. */
export function metricValue(t: TrialRecord, key: MetricKey, target: number): number | Missing {
  if (t.diverged) return 'diverged';
  if (key === 'testAccuracy') return Number.isFinite(t.testAccuracy) ? t.testAccuracy : 'diverged';
  if (key === 'testLoss') return Number.isFinite(t.testLoss) ? t.testLoss : 'diverged';
  if (!t.epochs.some((e) => e.valAccuracy !== null)) return 'no validation';
  return epochsToTarget(t, target) ?? 'target not reached';
}

/** The seed a trial's generator ran with: the pairing key (see TrialRecord.trainSeed). */
export function generatorSeed(t: TrialRecord): number {
  return t.trainSeed ?? t.seed;
}
