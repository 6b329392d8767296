// The sweep report's tables (tables.md and index.html render them): accuracy per setting,
// the best setting per optimizer and mode, the optimizers compared at their best settings,
// and the performance profile.
import { ACCURACY_CI_METHOD } from '../results/interval.ts';
import { DASH, fmtAcc, fmtCi } from './format.ts';
import { rho, SELECTION, unreachedHint, type SettingCell, type SweepAnalysis } from './sweep.ts';
import type { Table } from './tables.ts';

/** The factors tau of the profile table (the plot draws every step from 1 to 10). */
export const PROFILE_TAUS = [1, 1.5, 2, 3, 5, 10];

const BEST = 'best';

/** Said above the summary of a sweep's report. */
export const AT_BEST = 'A sweep: the summary and the per-data-set tables and plots show each optimizer and mode at its best setting (see "Sweep").';

function same(a: SettingCell, b: SettingCell): boolean {
  return a.dataset === b.dataset && a.optimizer === b.optimizer && a.reg === b.reg && a.setting === b.setting;
}

function datasetsOf(a: SweepAnalysis): string[] {
  return [...new Set(a.cells.map((c) => c.dataset))];
}

export function settingsTable(a: SweepAnalysis, ds: string): Table {
  const cells = a.cells.filter((c) => c.dataset === ds);
  return {
    title: `Accuracy per setting — ${ds}`,
    note: `Mean over seeds and its 95% CI (${ACCURACY_CI_METHOD}; none from a single seed); validation accuracy after the last epoch; diverged seeds left out of the means. "${BEST}": the setting ${SELECTION}.`,
    header: ['optimizer', 'mode', 'setting', 'validation', '95% CI', 'test', '95% CI', 'seeds', 'diverged', 'chosen'],
    rows: cells.map((c) => [
      c.optimizer, c.reg, c.setting, fmtAcc(c.validation.mean), fmtCi(c.validation.ci95), fmtAcc(c.test.mean), fmtCi(c.test.ci95),
      String(c.trials.length), String(c.divergences), a.best.some((b) => same(b, c)) ? BEST : '',
    ]),
  };
}

export function bestTable(a: SweepAnalysis, ds: string): Table {
  const best = a.best.filter((c) => c.dataset === ds);
  return {
    title: `Best setting per optimizer and mode — ${ds}`,
    note: `The best setting is ${SELECTION}. Its test accuracy: mean and 95% CI over seeds.`,
    header: ['optimizer', 'mode', 'best setting', 'validation', 'test', '95% CI', 'seeds'],
    rows: best.map((c) => [c.optimizer, c.reg, c.setting, fmtAcc(c.validation.mean), fmtAcc(c.test.mean), fmtCi(c.test.ci95), String(c.test.n)]),
  };
}

/** The optimizers compared, each at its best setting: rows optimizers, columns modes. */
export function atBestTable(a: SweepAnalysis, ds: string): Table {
  const best = a.best.filter((c) => c.dataset === ds);
  const optimizers = [...new Set(best.map((c) => c.optimizer))];
  const regs = [...new Set(a.cells.filter((c) => c.dataset === ds).map((c) => c.reg))];
  return {
    title: `Optimizers at their best setting: test accuracy — ${ds}`,
    note: 'Mean final test accuracy over seeds [95% CI], each optimizer at the best setting of each mode (chosen on validation accuracy).',
    header: ['optimizer', ...regs],
    rows: optimizers.map((o) => [o, ...regs.map((r) => {
      const c = best.find((x) => x.optimizer === o && x.reg === r);
      return c ? `${fmtAcc(c.test.mean)} ${fmtCi(c.test.ci95)}` : DASH;
    })]),
  };
}

/** Epochs and ratios: up to 3 significant digits, no trailing zeros; ∞ where not reached. */
function fmtCost(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(3))) : '∞';
}

function fmtFraction(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toFixed(3))) : DASH;
}

export function profileCostTable(a: SweepAnalysis): Table {
  const { optimizers, problems } = a.profile;
  const targets = [...new Set(problems.map((q) => q.dataset))].map((d) => `${d} ${a.targets[d] ?? DASH}`).join(', ');
  return {
    title: 'Performance profile: time to target at the best setting',
    note: `Problems: data set x mode. Cost: epochs until the validation accuracy first reaches the target (${targets || DASH}), median over seeds; ∞ when half the seeds or more never reach it (a diverged seed never does). In brackets: the ratio to the fastest optimizer of the problem.`,
    header: ['data set', 'mode', ...optimizers],
    rows: problems.map((q) => [q.dataset, q.reg, ...optimizers.map((o) => `${fmtCost(q.cost[o])} (${fmtCost(q.ratio[o])})`)]),
  };
}

export function profileTable(a: SweepAnalysis): Table {
  const { optimizers, problems } = a.profile;
  return {
    title: 'Performance profile ρ(τ)',
    note: [`ρ(τ): the fraction of the ${problems.length} problems on which the optimizer's time to target is within a factor τ of the fastest optimizer's (Dolan and Moré); ρ(1) is the share of problems on which it is the fastest (ties count for each).`, unreachedHint(a)].filter(Boolean).join(' '),
    header: ['optimizer', ...PROFILE_TAUS.map((t) => `τ = ${t}`)],
    rows: optimizers.map((o) => [o, ...PROFILE_TAUS.map((t) => fmtFraction(rho(a.profile, o, t)))]),
  };
}

/** Per data set its setting, best and comparison tables; then the profile's two tables. */
export function sweepTables(a: SweepAnalysis): { perDataset: Array<{ dataset: string; tables: Table[] }>; profile: Table[] } {
  return {
    perDataset: datasetsOf(a).map((ds) => ({ dataset: ds, tables: [atBestTable(a, ds), bestTable(a, ds), settingsTable(a, ds)] })),
    profile: a.profile.problems.length ? [profileTable(a), profileCostTable(a)] : [],
  };
}

/** A sentence on what the sweep covered. */
export function sweepLine(a: SweepAnalysis): string {
  const axes = a.axes.map((x) => `${x.name} ∈ {${x.values.join(', ')}}`).join('; ');
  const none = a.best.length === 0 ? ' No setting has a validation accuracy (a run without a validation split): no best setting is chosen.' : '';
  return `A sweep over ${axes}: ${a.cells.length} settings of data set x optimizer x mode.${none}`;
}
