// Analysis of a sweep (a run whose results.json has `sweep`): per data set, optimizer, mode
// and setting the validation and test accuracy across seeds; the best setting of each
// optimizer, data set and mode, chosen on validation accuracy only; and performance
// profiles (Dolan and Moré 2002) of the optimizers each at its best setting.
import { accuracyCi95 } from '../results/interval.ts';
import { epochsToTarget, summarize } from '../results/stats.ts';
import type { RegMode, ResultsFile, Summary, SweepAxis, TrialRecord } from '../results/types.ts';

export type Estimate = Summary & { ci95: [number, number] };

/** One point of the grid for one data set, optimizer and mode, over its seeds. */
export interface SettingCell {
  dataset: string;
  optimizer: string;
  reg: RegMode;
  setting: string;
  swept: Record<string, number>;
  trials: TrialRecord[];
  /** Validation accuracy after the last epoch, over the seeds that did not diverge. */
  validation: Estimate;
  /** Final test accuracy, over the seeds that did not diverge. */
  test: Estimate;
  divergences: number;
}

/** How the best setting is chosen (said in the report). */
export const SELECTION =
  'chosen on the mean validation accuracy after the last epoch (never on test accuracy); a setting in which fewer seeds diverged ranks first, ties go to the earlier setting of the grid';

/** Accuracies over seeds: their summary and the interval of their mean (interval.ts). */
function estimate(values: number[]): Estimate {
  return { ...summarize(values), ci95: accuracyCi95(values) };
}

function lastValidation(t: TrialRecord): number {
  return t.epochs.at(-1)?.valAccuracy ?? NaN;
}

/** The settings of every data set, optimizer and mode, in the order of the trials (the grid's). */
export function sweepCells(r: ResultsFile): SettingCell[] {
  const cells = new Map<string, SettingCell>();
  for (const t of r.trials) {
    const setting = t.setting ?? '';
    const key = [t.dataset, t.optimizer, t.reg, setting].join('\u0000');
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { dataset: t.dataset, optimizer: t.optimizer, reg: t.reg, setting, swept: t.swept ?? {}, trials: [], validation: estimate([]), test: estimate([]), divergences: 0 }));
    c.trials.push(t);
  }
  for (const c of cells.values()) {
    const ok = c.trials.filter((t) => !t.diverged);
    c.validation = estimate(ok.map(lastValidation));
    c.test = estimate(ok.map((t) => t.testAccuracy));
    c.divergences = c.trials.length - ok.length;
  }
  return [...cells.values()];
}

/** The best setting of each data set x optimizer x mode (SELECTION), in the cells' order;
 * none for a cell group without any finite validation accuracy (a run without validation). */
export function bestSettings(cells: SettingCell[]): SettingCell[] {
  const best = new Map<string, SettingCell>();
  for (const c of cells) {
    if (!Number.isFinite(c.validation.mean)) continue;
    const key = [c.dataset, c.optimizer, c.reg].join('\u0000');
    const b = best.get(key);
    if (!b || c.divergences < b.divergences || (c.divergences === b.divergences && c.validation.mean > b.validation.mean)) best.set(key, c);
  }
  return [...best.values()];
}

/**
 * Time to target of a cell, in epochs: the median over its seeds of the first epoch
 * (counted from 1) whose validation accuracy reaches `target`, a seed that never reaches it
 * (or diverged) counting as infinity, so the cost is infinite when half the seeds or more
 * never reach the target. Epochs, not seconds: the same on every machine and batching.
 */
export function timeToTarget(c: SettingCell, target: number): number {
  const e = c.trials.map((t) => (t.diverged ? Infinity : epochsToTarget(t, target) ?? Infinity)).sort((a, b) => a - b);
  if (e.length === 0) return Infinity;
  const mid = e.length >> 1;
  return e.length % 2 ? e[mid] : (e[mid - 1] + e[mid]) / 2;
}

/** A problem of the profile: one data set and mode, the cost of each optimizer on it. */
export interface ProfileProblem {
  dataset: string;
  reg: RegMode;
  /** Optimizer -> time to target (epochs; Infinity when not reached). */
  cost: Record<string, number>;
  /** Optimizer -> cost / the best optimizer's cost (Infinity where not reached, or where no optimizer reached it). */
  ratio: Record<string, number>;
}

export interface PerformanceProfile {
  optimizers: string[];
  problems: ProfileProblem[];
}

/** Ratios of each problem's costs to its smallest. */
export function profileProblem(dataset: string, reg: RegMode, cost: Record<string, number>): ProfileProblem {
  const best = Math.min(...Object.values(cost));
  const ratio = Object.fromEntries(Object.entries(cost).map(([o, t]) => [o, Number.isFinite(best) && Number.isFinite(t) ? t / best : Infinity]));
  return { dataset, reg, cost, ratio };
}

/** Problems = data set x mode where every optimizer has a best setting; each optimizer's
 * cost is its best setting's time to target (`targets`: per data set). */
export function performanceProfile(best: SettingCell[], targets: Record<string, number>): PerformanceProfile {
  const optimizers = [...new Set(best.map((c) => c.optimizer))];
  const problems: ProfileProblem[] = [];
  for (const key of new Set(best.map((c) => `${c.dataset}\u0000${c.reg}`))) {
    const [dataset, reg] = key.split('\u0000') as [string, RegMode];
    const mine = best.filter((c) => c.dataset === dataset && c.reg === reg);
    if (mine.length !== optimizers.length) continue;
    problems.push(profileProblem(dataset, reg, Object.fromEntries(mine.map((c) => [c.optimizer, timeToTarget(c, targets[dataset] ?? 1)]))));
  }
  return { optimizers, problems };
}

/** rho_s(tau): the fraction of problems on which optimizer s is within a factor tau of the best. */
export function rho(p: PerformanceProfile, optimizer: string, tau: number): number {
  if (p.problems.length === 0) return NaN;
  return p.problems.filter((q) => q.ratio[optimizer] <= tau).length / p.problems.length;
}

/** Where rho_s steps up within [1, tauMax]: 1, each finite ratio in between, tauMax. */
export function profileSteps(p: PerformanceProfile, optimizer: string, tauMax = 10): Array<{ tau: number; rho: number }> {
  const taus = [...new Set([1, ...p.problems.map((q) => q.ratio[optimizer]).filter((r) => r > 1 && r <= tauMax), tauMax])].sort((a, b) => a - b);
  return taus.map((tau) => ({ tau, rho: rho(p, optimizer, tau) }));
}

/** The highest validation accuracy a cell reaches in at least half its seeds plus one (the
 * median time-to-target is finite up to it; see timeToTarget), diverged seeds never. */
function reachedInHalf(c: SettingCell): number {
  const best = c.trials.map((t) => (t.diverged ? -Infinity : Math.max(-Infinity, ...t.epochs.map((e) => e.valAccuracy ?? -Infinity)))).sort((a, b) => b - a);
  return best[Math.floor(best.length / 2)] ?? -Infinity;
}

/**
 * Per data set, a target every problem of it has an optimizer reach (at its best setting,
 * in half its seeds or more): the highest such accuracy, rounded down to 2 decimals. What to
 * suggest as --target when the profile's problems went unreached. None for a data set where
 * some problem has no validation accuracy at all.
 */
export function reachableTargets(best: SettingCell[]): Record<string, number> {
  const byProblem = new Map<string, { dataset: string; reach: number }>();
  for (const c of best) {
    const key = `${c.dataset}\u0000${c.reg}`;
    const p = byProblem.get(key);
    byProblem.set(key, { dataset: c.dataset, reach: Math.max(p?.reach ?? -Infinity, reachedInHalf(c)) });
  }
  const out: Record<string, number> = {};
  for (const { dataset, reach } of byProblem.values()) out[dataset] = Math.min(out[dataset] ?? Infinity, reach);
  for (const d of Object.keys(out)) {
    const t = Math.floor(out[d] * 100) / 100;
    if (t > 0) out[d] = t;
    else delete out[d];
  }
  return out;
}

/** Problems of the profile on which no optimizer reached the target: ρ is 0 there for all. */
export function unreachedProblems(p: PerformanceProfile): ProfileProblem[] {
  return p.problems.filter((q) => Object.values(q.cost).every((c) => !Number.isFinite(c)));
}

/** A sentence for the profile when some problem went unreached: how many, and a --target
 * that the run's optimizers do reach. Null when every problem was reached. */
export function unreachedHint(a: SweepAnalysis): string | null {
  const missed = unreachedProblems(a.profile);
  if (missed.length === 0) return null;
  const datasets = [...new Set(missed.map((q) => q.dataset))];
  const given = datasets.map((d) => `${d} ${a.targets[d] ?? '?'}`).join(', ');
  const reachable = reachableTargets(a.best);
  const suggestion = datasets.filter((d) => reachable[d] !== undefined).map((d) => `${d}=${reachable[d]}`);
  const n = a.profile.problems.length;
  const what = missed.length === n ? `${n === 1 ? 'in the one problem' : `in any of the ${n} problems`}, so every ρ(τ) is 0` : `in ${missed.length} of the ${n} problems, which ρ(τ) counts as lost for every optimizer`;
  const rerun = suggestion.length ? ` A run with --target ${suggestion.join(',')} (reached by some optimizer in every problem, in half its seeds or more) would compare them there.` : '';
  return `No optimizer reached the target (${given}) ${what}.${rerun}`;
}

/** Targets per data set: the statistics' (what the run measured against), else the config's. */
export function targetsOf(r: ResultsFile): Record<string, number> {
  const out: Record<string, number> = { ...((r.config.target as Record<string, number> | undefined) ?? {}) };
  for (const s of r.statistics) out[s.dataset] = s.timeToTarget.target;
  return out;
}

/** The run seen through each optimizer's best setting: the trials and statistics of the best
 * settings only, so the ordinary per-data-set tables and plots show one column per
 * optimizer x mode. */
export function bestView(r: ResultsFile, best: SettingCell[]): Pick<ResultsFile, 'trials' | 'statistics'> {
  const keep = new Set(best.map((c) => [c.dataset, c.optimizer, c.reg, c.setting].join('\u0000')));
  const kept = (x: { dataset: string; optimizer: string; reg: string; setting?: string }) => keep.has([x.dataset, x.optimizer, x.reg, x.setting ?? ''].join('\u0000'));
  return { trials: r.trials.filter(kept), statistics: r.statistics.filter(kept) };
}

/** Axes by key (`lr` of adam and of sgd is one axis of the plots), in the grid's order. */
export function axisKeys(axes: SweepAxis[]): string[] {
  return [...new Set(axes.map((a) => a.key))];
}

/** Everything the sweep report shows, computed once. */
export interface SweepAnalysis {
  axes: SweepAxis[];
  cells: SettingCell[];
  best: SettingCell[];
  profile: PerformanceProfile;
  targets: Record<string, number>;
}

export function analyzeSweep(r: ResultsFile): SweepAnalysis | null {
  if (!r.sweep) return null;
  const cells = sweepCells(r);
  const best = bestSettings(cells);
  const targets = targetsOf(r);
  return { axes: r.sweep.axes, cells, best, profile: performanceProfile(best, targets), targets };
}
