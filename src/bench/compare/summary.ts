// The comparison's generated summary: counts computed from the two runs and the reference
// (rankings, reference inside each run's CI, largest changes, custom vs adam), then
// sentences built from those counts. Which conclusions of the reference study hold with
// correct optimizers, and which come from how its notebook ran them.
import { REFERENCE_ACCURACY, REFERENCE_DATASETS, REFERENCE_OPTIMIZERS, REFERENCE_REGS } from '../results/reference-study.ts';
import { fmtAcc, fmtDiff, fmtSig, isNum, plural } from '../report/format.ts';
import { cubeWeight, omittedNote, protocolNote, type RunCell } from '../report/reference.ts';
import { getOptimizer } from '../../optim/registry.ts';
import type { Comparison, ComparedRun, CompareRow } from './cells.ts';

/** Mean test accuracy of a cell, NaN where absent. */
type MeanOf = (dataset: string, optimizer: string, reg: string) => number;

/** Over the data set x reg groups where all four reference optimizers have a mean. Ties share a place. */
export interface Ranking {
  groups: number;
  customFirst: number;
  rmspropLast: number;
  /** Groups where every pair of optimizers the reference separates is in the reference's order. */
  sameOrder: number;
}

/** Data set x reg groups in which all four reference optimizers have a mean, as `dataset reg`. */
export function completeGroups(meanOf: MeanOf): Set<string> {
  const out = new Set<string>();
  for (const ds of REFERENCE_DATASETS)
    for (const reg of REFERENCE_REGS) if (REFERENCE_OPTIMIZERS.every((o) => isNum(meanOf(ds, o, reg)))) out.add(`${ds} ${reg}`);
  return out;
}

/** `only`: count just these groups (`dataset reg`), e.g. the reference over the groups a run covers. */
export function ranking(meanOf: MeanOf, only?: ReadonlySet<string>): Ranking {
  const r: Ranking = { groups: 0, customFirst: 0, rmspropLast: 0, sameOrder: 0 };
  const opts = REFERENCE_OPTIMIZERS;
  for (const ds of REFERENCE_DATASETS)
    for (const reg of REFERENCE_REGS) {
      const ms = opts.map((o) => meanOf(ds, o, reg));
      if (!ms.every(isNum) || (only && !only.has(`${ds} ${reg}`))) continue;
      const ref = opts.map((o) => REFERENCE_ACCURACY[ds][o][reg]);
      r.groups++;
      if (ms[opts.indexOf('custom')] >= Math.max(...ms)) r.customFirst++;
      if (ms[opts.indexOf('rmsprop')] <= Math.min(...ms)) r.rmspropLast++;
      let same = true;
      for (let i = 0; i < opts.length; i++)
        for (let j = i + 1; j < opts.length; j++) if (ref[i] !== ref[j] && Math.sign(ms[i] - ms[j]) !== Math.sign(ref[i] - ref[j])) same = false;
      if (same) r.sameOrder++;
    }
  return r;
}

/** custom - adam per data set x reg group where both have a mean. */
export interface CustomVsAdam {
  groups: number;
  min: number;
  max: number;
  mean: number;
  /** Groups where each mean lies inside the other's 95% CI. */
  withinCis: number;
}

function customVsAdam(cell: (ds: string, o: string, reg: string) => { mean: number; ci: [number, number] | null } | null): CustomVsAdam {
  const d: number[] = [];
  let withinCis = 0;
  for (const ds of REFERENCE_DATASETS)
    for (const reg of REFERENCE_REGS) {
      const c = cell(ds, 'custom', reg);
      const a = cell(ds, 'adam', reg);
      if (!c || !a || !isNum(c.mean) || !isNum(a.mean)) continue;
      d.push(c.mean - a.mean);
      const inside = (x: number, ci: [number, number] | null) => ci !== null && x >= ci[0] && x <= ci[1];
      if (inside(c.mean, a.ci) && inside(a.mean, c.ci)) withinCis++;
    }
  return { groups: d.length, min: Math.min(...d), max: Math.max(...d), mean: d.reduce((s, x) => s + x, 0) / d.length, withinCis };
}

export interface RunFindings {
  label: string;
  role: ComparedRun['role'];
  ranking: Ranking;
  /** Cells of the reference the run has. */
  cells: number;
  /** ... of which with a 95% CI, and of those with the reference inside it. */
  withCi: number;
  inside: number;
  /** Mean |run - reference| over the run's cells with a mean. */
  meanAbsDiff: number;
  customVsAdam: CustomVsAdam;
  cubeWeight: number;
}

export interface Findings {
  reference: { ranking: Ranking; customVsAdam: CustomVsAdam };
  runs: [RunFindings, RunFindings];
  /** Up to three cells with the largest |change| between the runs, largest first. */
  largest: CompareRow[];
  /** The summary, one sentence group per entry (plain text). */
  lines: string[];
}

function runFindings(c: Comparison, k: 0 | 1): RunFindings {
  const run = c.runs[k];
  const cellOf = (ds: string, o: string, reg: string): RunCell | null =>
    c.rows.find((r) => r.dataset === ds && r.optimizer === o && r.reg === reg)?.runs[k] ?? null;
  const cells = c.rows.map((r) => r.runs[k]).filter((x): x is RunCell => x !== null);
  const diffs = cells.map((x) => Math.abs(x.diff)).filter(isNum);
  return {
    label: run.label,
    role: run.role,
    ranking: ranking((ds, o, reg) => cellOf(ds, o, reg)?.mean ?? NaN),
    cells: cells.length,
    withCi: cells.filter((x) => x.outside !== null).length,
    inside: cells.filter((x) => x.outside === false).length,
    meanAbsDiff: diffs.length ? diffs.reduce((s, x) => s + x, 0) / diffs.length : NaN,
    customVsAdam: customVsAdam(cellOf),
    cubeWeight: cubeWeight(run.results.config),
  };
}

function of(n: number, total: number): string {
  return `${n} of ${total}`;
}

/** How one conclusion fares in the corrected run against the replica. */
function verdict(name: string, corrected: number, replica: number, r: [RunFindings, RunFindings]): string {
  const [rep, cor] = r;
  const g = cor.ranking.groups;
  const counts = `${of(corrected, g)} cells with correct optimizers (${cor.label}) and ${of(replica, rep.ranking.groups)} under the notebook's behaviour (${rep.label})`;
  if (g === 0) return `"${name}": the corrected run has no complete data set x reg cell to rank.`;
  if (corrected === g) return `"${name}" holds with correct optimizers: ${counts}.`;
  const repShare = rep.ranking.groups ? replica / rep.ranking.groups : 0;
  if (repShare > corrected / g) return `"${name}" holds in ${counts}: it is ${corrected <= g / 2 ? 'largely' : 'partly'} about how the notebook ran the optimizers.`;
  return `"${name}" holds in ${counts}.`;
}

function protocolDiff(a: ComparedRun, b: ComparedRun): string | null {
  const ca = a.results.config;
  const cb = b.results.config;
  const show = (v: unknown) => (Array.isArray(v) ? String(v.length) : v === undefined ? 'unset' : JSON.stringify(v));
  const diffs: string[] = [];
  for (const [name, get] of [
    ['seeds', (c: typeof ca) => (Array.isArray(c.seeds) ? c.seeds.length : undefined)],
    ['epochs', (c: typeof ca) => c.epochs],
    ['training samples', (c: typeof ca) => c.trainSamples],
    ['L2 lambda', (c: typeof ca) => c.l2],
    ['dropout', (c: typeof ca) => c.dropout],
  ] as const) {
    const [x, y] = [get(ca), get(cb)];
    if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${name} ${show(x)} vs ${show(y)}`);
  }
  return diffs.length ? `The two runs differ in more than state and formulation: ${diffs.join(', ')} (${a.label} vs ${b.label}).` : null;
}

export function findings(c: Comparison): Findings {
  const [a, b] = c.runs;
  const refCell = (ds: string, o: string, reg: string) => {
    const v = (REFERENCE_ACCURACY as Record<string, Record<string, Record<string, number>>>)[ds]?.[o]?.[reg];
    return isNum(v) ? { mean: v, ci: null } : null;
  };
  const runs: [RunFindings, RunFindings] = [runFindings(c, 0), runFindings(c, 1)];
  // The reference over the groups either run covers (all of them where neither covers any).
  const covered = new Set([0, 1].flatMap((k) => [...completeGroups((ds, o, reg) => c.rows.find((r) => r.dataset === ds && r.optimizer === o && r.reg === reg)?.runs[k]?.mean ?? NaN)]));
  const refMean = (ds: string, o: string, reg: string) => refCell(ds, o, reg)?.mean ?? NaN;
  const reference = { ranking: ranking(refMean, covered.size ? covered : undefined), customVsAdam: customVsAdam(refCell) };
  const largest = c.rows.filter((r) => isNum(r.change)).sort((x, y) => Math.abs(y.change) - Math.abs(x.change)).slice(0, 3);
  const lines: string[] = [];

  if (!c.rolesKnown) {
    const both = a.replica;
    lines.push(`${both ? 'Both runs reset optimizer state every step' : 'Neither run resets optimizer state every step'} (config resetStateEveryStep), so neither is told apart as the notebook's replica: they are shown in the order given.`);
  }
  for (const run of [a, b]) {
    const p = protocolNote(run.results.config);
    if (p) lines.push(`${run.label}: ${p}`);
  }
  const pd = protocolDiff(a, b);
  if (pd) lines.push(pd);

  // Rankings.
  const rr = reference.ranking;
  const rank = (f: RunFindings) =>
    `${f.label}: custom first in ${of(f.ranking.customFirst, f.ranking.groups)}, rmsprop last in ${of(f.ranking.rmspropLast, f.ranking.groups)}, every pair the reference separates in its order in ${of(f.ranking.sameOrder, f.ranking.groups)}`;
  lines.push(`Ranking per data set x reg cell with all four optimizers (ties share a place): the reference ranks custom first in ${of(rr.customFirst, rr.groups)} and rmsprop last in ${of(rr.rmspropLast, rr.groups)}; ${rank(runs[0])}; ${rank(runs[1])}.`);
  if (c.rolesKnown) {
    const [rep, cor] = runs;
    lines.push(`${verdict('custom first', cor.ranking.customFirst, rep.ranking.customFirst, runs)} ${verdict('rmsprop last', cor.ranking.rmspropLast, rep.ranking.rmspropLast, runs)}`);
  }

  // Reference inside each run's CI.
  const ci = (f: RunFindings) => `${f.label} in ${of(f.inside, f.withCi)} cells with a CI`;
  let ciLine = `The reference mean lies inside the 95% CI of ${ci(runs[0])} and of ${ci(runs[1])}; mean |run − reference|: ${fmtAcc(runs[0].meanAbsDiff)} (${runs[0].label}) and ${fmtAcc(runs[1].meanAbsDiff)} (${runs[1].label}).`;
  if (c.rolesKnown) {
    const [rep, cor] = runs;
    const share = (f: RunFindings) => (f.withCi ? f.inside / f.withCi : 0);
    // Each measure's vote: +1 the replica is closer to the reference, -1 the corrected study, 0 a tie.
    const byCi = Math.sign(share(rep) - share(cor));
    const byDiff = isNum(rep.meanAbsDiff) && isNum(cor.meanAbsDiff) ? Math.sign(cor.meanAbsDiff - rep.meanAbsDiff) : 0;
    if (byCi >= 0 && byDiff >= 0 && byCi + byDiff > 0)
      ciLine += ` So the replica (${rep.label}) reproduces the notebook's numbers more closely than the corrected study (${cor.label})${share(rep) >= 0.5 ? ": where the two part, the reference's numbers follow how the notebook ran the optimizers" : ''}.`;
    else if (byCi <= 0 && byDiff <= 0 && byCi + byDiff < 0) ciLine += ` So the corrected study (${cor.label}) is closer to the notebook's numbers than the replica (${rep.label}).`;
    else ciLine += ` The two measures do not agree on which run is closer to the notebook's numbers.`;
  }
  lines.push(ciLine);

  // Largest changes between the runs.
  if (largest.length) {
    const parts = largest.map((r) => `${r.dataset} ${r.optimizer} ${r.reg} ${fmtAcc(r.runs[0]!.mean)} → ${fmtAcc(r.runs[1]!.mean)} (${fmtDiff(r.change)}; reference ${fmtAcc(r.reference)})`);
    lines.push(`Largest changes from ${a.label} to ${b.label}: ${parts.join('; ')}.`);
  } else lines.push('No reference cell has a mean in both runs, so there are no changes to show.');

  // custom vs adam.
  const rc = reference.customVsAdam;
  const refGap = `in the reference custom − adam averages ${fmtDiff(rc.mean)} (from ${fmtDiff(rc.min)} to ${fmtDiff(rc.max)})`;
  for (const k of c.rolesKnown ? [1] : [0, 1]) {
    const f = runs[k];
    const other = runs[1 - k];
    const cv = f.customVsAdam;
    if (!cv.groups) {
      lines.push(`custom vs adam: ${f.label} lacks custom or adam in every data set x reg cell.`);
      continue;
    }
    let def = NaN;
    try {
      def = getOptimizer('custom').hyper.cube_weight.default;
    } catch {
      /* no custom optimizer registered */
    }
    const isDefault = f.cubeWeight === def;
    let s = `custom vs adam in ${f.label}${c.rolesKnown ? ' (correct optimizers)' : ''}, cube weight ${fmtSig(f.cubeWeight)}${isDefault ? ' (the default)' : ''}: custom − adam from ${fmtDiff(cv.min)} to ${fmtDiff(cv.max)} over ${plural(cv.groups, 'data set x reg cell')} (mean ${fmtDiff(cv.mean)}), each mean inside the other's 95% CI in ${of(cv.withinCis, cv.groups)}; ${refGap}`;
    if (other.customVsAdam.groups) s += `, in ${other.label} ${fmtDiff(other.customVsAdam.mean)}`;
    s += '.';
    if (isDefault) s += ` With the default weight the cube-root term moves custom's denominator by about |g| x ${fmtSig(def)}, so custom is numerically almost Adam`;
    if (isDefault && c.rolesKnown) s += Math.abs(cv.mean) < Math.abs(rc.mean) / 2
      ? `, and the reference's lead of custom over adam shrinks from ${fmtDiff(rc.mean)} to ${fmtDiff(cv.mean)} once adam keeps its state.`
      : `, yet the lead of custom over adam stays at ${fmtDiff(cv.mean)} (reference ${fmtDiff(rc.mean)}).`;
    else if (isDefault) s += '.';
    lines.push(s);
  }

  const left = omittedNote(c.omitted);
  if (left) lines.push(left);
  return { reference, runs, largest, lines };
}
