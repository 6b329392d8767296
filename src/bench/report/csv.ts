// trials.csv: tidy data, one row per trial and epoch (pandas.read_csv ready).
import type { TrialRecord } from '../results/types.ts';

const COLUMNS = [
  'dataset', 'optimizer', 'reg', 'seed', 'epoch', 'train_loss', 'train_acc', 'val_loss', 'val_acc', 'epoch_seconds',
  'test_loss', 'test_acc', 'trial_seconds', 'samples_per_second', 'diverged', 'diverged_epoch', 'group_size', 'reset_every_step',
] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function trialsCsv(trials: TrialRecord[]): string {
  const rows = [COLUMNS.join(',')];
  for (const t of trials) {
    for (const e of t.epochs) {
      rows.push(
        [
          t.dataset, t.optimizer, t.reg, t.seed, e.epoch + 1, e.trainLoss, e.trainAccuracy, e.valLoss, e.valAccuracy, e.seconds,
          t.testLoss, t.testAccuracy, t.seconds, t.samplesPerSecond, t.diverged, t.divergedEpoch === null ? null : t.divergedEpoch + 1, t.groupSize, t.resetEveryStep,
        ].map(cell).join(','),
      );
    }
  }
  return `${rows.join('\n')}\n`;
}
