// Read-only index over a ResultsFile: data sets, models (optimizer x reg), seeds, trials and
// statistics in a stable order, with fallbacks computed from the trials where a CellStats is missing.
import { populationVariance, summarize } from '../results/summary.ts';
import { REG_MODES, type CellStats, type RegMode, type ResultsFile, type TrialRecord } from '../results/types.ts';
import { modelKey } from './format.ts';

export interface Model {
  optimizer: string;
  reg: RegMode;
  /** `${optimizer}_${reg}` */
  key: string;
}

export interface Spread {
  n: number;
  mean: number;
  std: number;
}

/** Mean and sample standard deviation (n - 1) of the finite values; NaN where undefined
 * (the std of one value). */
export function spread(values: readonly number[]): Spread {
  const { n, mean, std } = summarize(values);
  return { n, mean, std };
}

function uniqueInOrder<T>(preferred: readonly T[], seen: Iterable<T>): T[] {
  const present = new Set(seen);
  const out = [...new Set(preferred)].filter((x) => present.has(x));
  for (const x of present) if (!out.includes(x)) out.push(x);
  return out;
}

export class StudyIndex {
  readonly results: ResultsFile;
  /** The trials and statistics the tables and plots show: all of them, or in a sweep those of
   * each optimizer's best setting (one per data set x optimizer x mode, see sweep.ts). */
  private readonly shown: Pick<ResultsFile, 'trials' | 'statistics'>;
  private readonly trialsByKey = new Map<string, TrialRecord>();
  private readonly statsByKey = new Map<string, CellStats>();

  constructor(results: ResultsFile, shown: Pick<ResultsFile, 'trials' | 'statistics'> = results) {
    this.results = results;
    this.shown = shown;
    for (const t of shown.trials) this.trialsByKey.set(`${t.dataset}\u0000${t.optimizer}\u0000${t.reg}\u0000${t.seed}`, t);
    for (const s of shown.statistics) this.statsByKey.set(`${s.dataset}\u0000${s.optimizer}\u0000${s.reg}`, s);
  }

  /** Data sets with any trial or statistic, in the configuration's order first. */
  datasets(): string[] {
    const seen = [...this.shown.trials.map((t) => t.dataset), ...this.shown.statistics.map((s) => s.dataset)];
    return uniqueInOrder(this.results.config.datasets ?? [], seen);
  }

  /** Models of a data set that have any trial or statistic: optimizers in the configuration's order, then reg modes. */
  models(dataset: string): Model[] {
    const cells = [
      ...this.shown.trials.filter((t) => t.dataset === dataset),
      ...this.shown.statistics.filter((s) => s.dataset === dataset),
    ];
    const optimizers = uniqueInOrder(this.results.config.optimizers ?? [], cells.map((c) => c.optimizer));
    const regOrder = uniqueInOrder<RegMode>([...(this.results.config.regs ?? []), ...REG_MODES], cells.map((c) => c.reg));
    const present = new Set(cells.map((c) => `${c.optimizer}\u0000${c.reg}`));
    const out: Model[] = [];
    for (const optimizer of optimizers)
      for (const reg of regOrder) if (present.has(`${optimizer}\u0000${reg}`)) out.push({ optimizer, reg, key: modelKey(optimizer, reg) });
    return out;
  }

  /** Seeds of a data set's trials, in the configuration's order first. */
  seeds(dataset: string): number[] {
    const seen = this.shown.trials.filter((t) => t.dataset === dataset).map((t) => t.seed);
    return uniqueInOrder(this.results.config.seeds ?? [], seen);
  }

  trial(dataset: string, m: Model, seed: number): TrialRecord | undefined {
    return this.trialsByKey.get(`${dataset}\u0000${m.optimizer}\u0000${m.reg}\u0000${seed}`);
  }

  trials(dataset: string, m: Model): TrialRecord[] {
    return this.seeds(dataset)
      .map((s) => this.trial(dataset, m, s))
      .filter((t): t is TrialRecord => t !== undefined);
  }

  stats(dataset: string, m: Model): CellStats | undefined {
    return this.statsByKey.get(`${dataset}\u0000${m.optimizer}\u0000${m.reg}`);
  }

  /** Number of epochs shown for a data set: the longest trial or stability record. */
  epochs(dataset: string): number {
    let e = 0;
    for (const t of this.shown.trials) if (t.dataset === dataset) e = Math.max(e, t.epochs.length);
    for (const s of this.shown.statistics) if (s.dataset === dataset) e = Math.max(e, s.stability.perEpochVariance.length);
    return e || this.results.config.epochs || 0;
  }

  /** Time per trial, s: from the statistics, else from the trials. */
  timeSpread(dataset: string, m: Model): Spread {
    const s = this.stats(dataset, m);
    return s ? { n: s.speed.n, mean: s.speed.mean, std: s.speed.std } : spread(this.trials(dataset, m).map((t) => t.seconds));
  }

  /** Final test accuracy: from the statistics, else from the trials. */
  accuracySpread(dataset: string, m: Model): Spread {
    const s = this.stats(dataset, m);
    return s ? { n: s.robustness.n, mean: s.robustness.mean, std: s.robustness.std } : spread(this.trials(dataset, m).map((t) => t.testAccuracy));
  }

  /** Variance of the training loss across seeds per epoch: from the statistics, else the
   * population variance (as stats.ts and the study compute it) of the finite losses. */
  stability(dataset: string, m: Model): { perEpochVariance: number[]; mean: number } {
    const s = this.stats(dataset, m);
    if (s) return s.stability;
    const trials = this.trials(dataset, m);
    const perEpochVariance = Array.from({ length: this.epochs(dataset) }, (_, e) => populationVariance(trials.map((t) => t.epochs[e]?.trainLoss ?? NaN)));
    return { perEpochVariance, mean: spread(perEpochVariance).mean };
  }

  /** How the statistics' accuracy intervals were computed (results.json written before the
   * method was recorded used Student's t on the accuracies themselves). */
  ciMethod(): string {
    return this.results.statistics.find((s) => s.robustness.ciMethod)?.robustness.ciMethod ?? "Student's t on the accuracies (n - 1 degrees of freedom)";
  }

  /** Trials were trained stacked in groups: each one's time is its group's divided by the
   * group's trials (amortized), the same for every trial of a group. */
  amortized(dataset: string): boolean {
    return this.shown.trials.some((t) => t.dataset === dataset && t.groupSize > 1);
  }

  /** Diverged trials of a cell: from the statistics, else counted. */
  divergences(dataset: string, m: Model): number {
    return this.stats(dataset, m)?.divergences ?? this.trials(dataset, m).filter((t) => t.diverged).length;
  }

  /** Diverged trials of a data set. */
  datasetDivergences(dataset: string): number {
    return this.models(dataset).reduce((a, m) => a + this.divergences(dataset, m), 0);
  }
}
