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

/** In a sweep, after `reg`: the setting's label and one column per swept key (lr, lambda, ...),
 * empty where the key does not apply to the trial. With --independent-seeds, after `seed`:
 * `train_seed`, the seed the trial's generator ran with. */
export function trialsCsv(trials: TrialRecord[]): string {
  const swept = [...new Set(trials.flatMap((t) => Object.keys(t.swept ?? {})))];
  const sweep = trials.some((t) => t.setting !== undefined);
  const independent = trials.some((t) => t.trainSeed !== undefined);
  const header = sweep ? [...COLUMNS.slice(0, 3), 'setting', ...swept, ...COLUMNS.slice(3)] : [...COLUMNS];
  if (independent) header.splice(header.indexOf('seed') + 1, 0, 'train_seed');
  const rows = [header.join(',')];
  for (const t of trials) {
    const setting = sweep ? [t.setting, ...swept.map((k) => t.swept?.[k])] : [];
    const trainSeed = independent ? [t.trainSeed ?? t.seed] : [];
    for (const e of t.epochs) {
      rows.push(
        [
          t.dataset, t.optimizer, t.reg, ...setting, t.seed, ...trainSeed, e.epoch + 1, e.trainLoss, e.trainAccuracy, e.valLoss, e.valAccuracy, e.seconds,
          t.testLoss, t.testAccuracy, t.seconds, t.samplesPerSecond, t.diverged, t.divergedEpoch === null ? null : t.divergedEpoch + 1, t.groupSize, t.resetEveryStep,
        ].map(cell).join(','),
      );
    }
  }
  return `${rows.join('\n')}\n`;
}
