// The report's tables as plain data (title, header, rows of formatted strings), rendered to
// Markdown by markdown.ts and to HTML by html.ts.
import { describeOverhead } from '../../kernels/profiler.ts';
import type { ResultsFile, TrialRecord } from '../results/types.ts';
import { DASH, fmtAcc, fmtAccSpread, fmtCi, fmtInt, fmtSeconds, fmtSig, fmtVar, isNum, plural } from './format.ts';
import type { Model, StudyIndex } from './study.ts';

export interface Table {
  title: string;
  /** A sentence under the title. */
  note?: string;
  /** First entry labels the row-label column. */
  header: string[];
  rows: string[][];
  /** Index of the first summary row (mean, std, ...), if any. */
  summaryStart?: number;
}

/** Shown for a diverged trial's missing value. */
export const DIVERGED = 'diverged';

function perSeed(ix: StudyIndex, ds: string, models: Model[], cell: (t: TrialRecord) => string): string[][] {
  return ix.seeds(ds).map((seed) => [String(seed), ...models.map((m) => {
    const t = ix.trial(ds, m, seed);
    return t ? cell(t) : DASH;
  })]);
}

function divergedNote(ix: StudyIndex, ds: string): string | undefined {
  const n = ix.datasetDivergences(ds);
  return n ? `${plural(n, 'trial')} diverged (non-finite loss): "${DIVERGED}" marks the missing values, which the means and plots leave out.` : undefined;
}

/** Said where trials trained stacked (batched mode). */
export const AMORTIZED = "Amortized: trials trained together in a group, and each one's time is the group's time divided by its trials, so the trials of a group show the same time.";

export function timeTable(ix: StudyIndex, ds: string): Table {
  const models = ix.models(ds);
  const rows = perSeed(ix, ds, models, (t) => fmtSeconds(t.seconds));
  const spreads = models.map((m) => ix.timeSpread(ds, m));
  return {
    title: `Time per trial (s) — ${ds}`,
    ...(ix.amortized(ds) ? { note: AMORTIZED } : {}),
    header: ['seed', ...models.map((m) => m.key)],
    rows: [...rows, ['mean', ...spreads.map((s) => fmtSeconds(s.mean))], ['std', ...spreads.map((s) => fmtSeconds(s.std))]],
    summaryStart: rows.length,
  };
}

export function accuracyTable(ix: StudyIndex, ds: string): Table {
  const models = ix.models(ds);
  const rows = perSeed(ix, ds, models, (t) => (isNum(t.testAccuracy) ? fmtAcc(t.testAccuracy) : t.diverged ? DIVERGED : DASH));
  const spreads = models.map((m) => ix.accuracySpread(ds, m));
  const ci = models.map((m) => fmtCi(ix.stats(ds, m)?.robustness.ci95));
  const method = `95% CI of the mean: ${ix.ciMethod()}; none from a single seed.`;
  return {
    title: `Final test accuracy — ${ds}`,
    note: [divergedNote(ix, ds), method].filter(Boolean).join(' '),
    header: ['seed', ...models.map((m) => m.key)],
    rows: [...rows, ['mean', ...spreads.map((s) => fmtAcc(s.mean))], ['std', ...spreads.map((s) => fmtAccSpread(s.std))], ['95% CI', ...ci]],
    summaryStart: rows.length,
  };
}

export function stabilityTable(ix: StudyIndex, ds: string): Table {
  const models = ix.models(ds);
  const stab = models.map((m) => ix.stability(ds, m));
  const rows = Array.from({ length: ix.epochs(ds) }, (_, e) => [String(e + 1), ...stab.map((s) => fmtVar(s.perEpochVariance[e]))]);
  return {
    title: `Stability: variance of the training loss across seeds — ${ds}`,
    note: 'One row per epoch (counted from 1), then the mean over epochs; lower is more stable.',
    header: ['epoch', ...models.map((m) => m.key)],
    rows: [...rows, ['mean', ...stab.map((s) => fmtVar(s.mean))]],
    summaryStart: rows.length,
  };
}

export function targetSpeedTable(ix: StudyIndex, ds: string): Table {
  const models = ix.models(ds);
  const stats = models.map((m) => ix.stats(ds, m));
  const targets = [...new Set(stats.map((s) => s?.timeToTarget.target).filter(isNum))];
  const seeds = ix.seeds(ds);
  // timeToTarget counts epochs from 1 (stats.ts: epochsToTarget)
  const rows = seeds.map((seed) => [String(seed), ...models.map((m, j) => {
    const t = ix.trial(ds, m, seed);
    const v = stats[j]?.timeToTarget.epochs[String(seed)];
    if (isNum(v)) return String(v);
    return t?.diverged ? DIVERGED : DASH;
  })]);
  const reached = models.map((m, j) => {
    const eps = stats[j]?.timeToTarget.epochs;
    if (!eps) return DASH;
    const n = seeds.filter((seed) => isNum(eps[String(seed)])).length;
    return `${n}/${ix.trials(ds, m).length}`;
  });
  const diverged = models.map((m) => String(ix.divergences(ds, m)));
  const sps = models.map((m, j) => {
    const s = stats[j];
    return fmtInt(s ? s.speed.samplesPerSecond : ix.trials(ds, m).reduce((a, t) => a + t.samplesPerSecond, 0) / ix.trials(ds, m).length);
  });
  const upd = models.map((m, j) => {
    const s = stats[j];
    if (s) return fmtSig(s.speed.updateMsPerStep);
    const v = ix.trials(ds, m).map((t) => t.updateMsPerStep).filter(isNum);
    return v.length ? fmtSig(v.reduce((a, b) => a + b, 0) / v.length) : DASH;
  });
  const summary = [['reached target', ...reached], ['diverged', ...diverged], ['samples/s', ...sps]];
  if (upd.some((u) => u !== DASH)) summary.push(['update ms/step', ...upd]);
  const target = targets.length ? targets.map((t) => String(t)).join(' / ') : DASH;
  return {
    title: `Time to target, divergences and speed — ${ds}`,
    note: `Per seed: the first epoch (counted from 1) whose validation accuracy reached ${target}; ${DASH} when never. Speed: training samples per second, and the optimizer update's GPU time per step where profiled.`,
    header: ['seed', ...models.map((m) => m.key)],
    rows: [...rows, ...summary],
    summaryStart: rows.length,
  };
}

export function datasetTables(ix: StudyIndex, ds: string): Table[] {
  return [timeTable(ix, ds), accuracyTable(ix, ds), stabilityTable(ix, ds), targetSpeedTable(ix, ds)];
}

/** The reference study's layout: rows = optimizers, columns = reg modes, one table per data set. */
export function summaryTable(ix: StudyIndex, ds: string): Table {
  const models = ix.models(ds);
  const optimizers = [...new Set(models.map((m) => m.optimizer))];
  const regs = [...new Set(models.map((m) => m.reg))];
  const rows = optimizers.map((opt) => [opt, ...regs.map((reg) => {
    const m = models.find((x) => x.optimizer === opt && x.reg === reg);
    if (!m) return DASH;
    const a = ix.accuracySpread(ds, m);
    const t = ix.timeSpread(ds, m);
    const d = ix.divergences(ds, m);
    // No ± from a single seed: a std needs two.
    return `${fmtAcc(a.mean)}${isNum(a.std) ? ` ± ${fmtAccSpread(a.std)}` : ''} · ${fmtSeconds(t.mean)} s${d ? ` · ${d} diverged` : ''}`;
  })]);
  return {
    title: `Summary — ${ds}`,
    note: 'Final test accuracy, mean ± std over seeds · mean time per trial.',
    header: ['optimizer', ...regs],
    rows,
  };
}

export function kernelTable(kernels: ResultsFile['kernels']): Table | null {
  if (!kernels) return null;
  const shares = kernels.rows.map((r) => r.share);
  // `share` is a fraction when the rows' shares sum to about 1 or less, else already a percentage.
  const scale = shares.every((s) => !isNum(s) || s <= 1) && shares.filter(isNum).reduce((a, b) => a + b, 0) <= 1.0001 ? 100 : 1;
  return {
    title: 'Per-kernel GPU time',
    note: `Source: ${kernels.resolution?.text ?? kernels.source}. ${kernels.overhead ? `${describeOverhead(kernels.overhead)}. ` : ''}Each pipeline's first call, where the driver compiles it, is counted apart ("first calls ms").`,
    header: ['kernel', 'calls', 'total ms', 'mean µs', 'share %', 'first calls ms'],
    rows: kernels.rows.map((r) => [
      r.kernel, fmtInt(r.calls), fmtSig(r.totalMs, 4), fmtSig(r.meanUs, 3), isNum(r.share) ? (r.share * scale).toFixed(1) : DASH,
      r.firstCallsMs === undefined ? DASH : fmtSig(r.firstCallsMs, 3),
    ]),
  };
}
