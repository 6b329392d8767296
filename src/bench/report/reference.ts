// A run set against the reference study's published means (reference-study.ts): per data
// set x optimizer x regularization cell present in both, the reference, the run's mean
// test accuracy and 95% CI, the difference and a flag where the reference lies outside the
// CI. Used by the run report (tables.md, index.html, console) and by `--compare`.
import { getOptimizer } from '../../optim/registry.ts';
import { REFERENCE_PROVENANCE, referenceAccuracy, referenceDescription } from '../results/reference-study.ts';
import type { ResultsFile } from '../results/types.ts';
import { DASH, fmtAcc, fmtCi, fmtDiff, isNum, modelKey, plural } from './format.ts';
import type { Model, StudyIndex } from './study.ts';
import type { Table } from './tables.ts';

/** Flag texts: the reference mean inside / outside the run's 95% CI. */
export const INSIDE = 'inside';
export const OUTSIDE = 'outside';

export interface CellKey {
  dataset: string;
  optimizer: string;
  reg: string;
}

/** One run's result in a reference cell. */
export interface RunCell {
  /** Mean final test accuracy (NaN when no trial finished). */
  mean: number;
  /** 95% CI of the mean, or null where there is none (fewer than 2 finite trials). */
  ci: [number, number] | null;
  /** Finite accuracies behind the mean. */
  n: number;
  /** mean - reference */
  diff: number;
  /** The reference lies outside the CI; null without a CI. */
  outside: boolean | null;
}

export interface ReferenceRow extends CellKey {
  reference: number;
  run: RunCell;
}

export interface ReferenceComparison {
  rows: ReferenceRow[];
  /** Cells of the run the reference study has no number for, as `dataset optimizer_reg`. */
  omitted: string[];
}

export function cellLabel(c: CellKey): string {
  return `${c.dataset} ${modelKey(c.optimizer, c.reg)}`;
}

export function runCell(mean: number, ci: readonly [number, number] | null | undefined, n: number, reference: number): RunCell {
  const m = isNum(mean) ? mean : NaN;
  const c: [number, number] | null = ci && isNum(ci[0]) && isNum(ci[1]) ? [ci[0], ci[1]] : null;
  return { mean: m, ci: c, n, diff: m - reference, outside: c ? reference < c[0] || reference > c[1] : null };
}

/** A cell of a run (statistics first, else its trials) against a reference value. */
export function runCellOf(ix: StudyIndex, dataset: string, m: Model, reference: number): RunCell {
  const a = ix.accuracySpread(dataset, m);
  return runCell(a.mean, ix.stats(dataset, m)?.robustness.ci95, a.n, reference);
}

/** Every cell of the run that the reference has, in the run's order; the rest as `omitted`. */
export function compareWithReference(ix: StudyIndex): ReferenceComparison {
  const rows: ReferenceRow[] = [];
  const omitted: string[] = [];
  for (const dataset of ix.datasets())
    for (const m of ix.models(dataset)) {
      const reference = referenceAccuracy(dataset, m.optimizer, m.reg);
      if (reference === undefined) omitted.push(cellLabel({ dataset, ...m }));
      else rows.push({ dataset, optimizer: m.optimizer, reg: m.reg, reference, run: runCellOf(ix, dataset, m, reference) });
    }
  return { rows, omitted };
}

export function flagText(outside: boolean | null): string {
  return outside === null ? DASH : outside ? OUTSIDE : INSIDE;
}

/** Optimizers a run reset every step (config.resetStateEveryStep). */
export function resetOptimizers(config: ResultsFile['config']): string[] {
  const r = config.resetStateEveryStep;
  return Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : [];
}

/** A run replays the notebook when its config resets some optimizer's state every step. */
export function isReplica(config: ResultsFile['config']): boolean {
  return resetOptimizers(config).length > 0;
}

function hyperOf(config: ResultsFile['config'], optimizer: string): Record<string, unknown> {
  const h = config.hyper;
  if (typeof h !== 'object' || h === null) return {};
  const o = (h as Record<string, unknown>)[optimizer];
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>) : {};
}

/** Optimizers of the run set to a tf.keras formulation (hyperparameter keras = 1). */
export function kerasOptimizers(config: ResultsFile['config']): string[] {
  const opts = Array.isArray(config.optimizers) ? config.optimizers : [];
  return opts.filter((o) => hyperOf(config, o).keras === 1);
}

/** The weight on custom's cube-root term in a run (its default where not set). */
export function cubeWeight(config: ResultsFile['config']): number {
  const w = hyperOf(config, 'custom').cube_weight;
  if (isNum(w)) return w;
  try {
    return getOptimizer('custom').hyper.cube_weight.default;
  } catch {
    return NaN;
  }
}

/** How the run treated optimizer state and formulations, from its config. */
export function runBehaviour(config: ResultsFile['config']): string {
  const reset = resetOptimizers(config);
  const keras = kerasOptimizers(config);
  const state = reset.length
    ? `resets the state of ${reset.join(', ')} before every step (the notebook's behaviour)`
    : "keeps every optimizer's state across steps (correct optimizers)";
  return keras.length ? `${state}; tf.keras formulation (keras=1) for ${keras.join(', ')}` : state;
}

/** A sentence where the run's protocol differs from the reference's (seeds, epochs, training samples), else null. */
export function protocolNote(config: ResultsFile['config']): string | null {
  const p = REFERENCE_PROVENANCE;
  const seeds = Array.isArray(config.seeds) ? config.seeds.length : NaN;
  const diffs: string[] = [];
  if (seeds !== p.seeds) diffs.push(`${isNum(seeds) ? plural(seeds, 'seed') : 'unknown seeds'} (reference ${p.seeds})`);
  if (config.epochs !== p.epochs) diffs.push(`${isNum(config.epochs) ? plural(config.epochs, 'epoch') : 'unknown epochs'} (reference ${p.epochs})`);
  if (isNum(config.trainSamples)) diffs.push(`${config.trainSamples} training samples (reference: all but the validation split)`);
  return diffs.length ? `Not the reference's protocol: ${diffs.join(', ')}; differences partly reflect that.` : null;
}

/** The one line naming the cells left out, or null. */
export function omittedNote(omitted: readonly string[]): string | null {
  return omitted.length ? `Not in the reference study, so left out: ${omitted.join(', ')}.` : null;
}

export interface ReferenceSection {
  title: string;
  paragraphs: string[];
  table: Table | null;
}

/** The report's section comparing the run with the reference study. */
export function referenceSection(ix: StudyIndex): ReferenceSection {
  const c = ix.results.config;
  const { rows, omitted } = compareWithReference(ix);
  const withCi = rows.filter((r) => r.run.outside !== null);
  const outside = withCi.filter((r) => r.run.outside);
  const paragraphs = [referenceDescription(), `This run (${c.preset}) ${runBehaviour(c)}.`];
  const proto = protocolNote(c);
  if (proto) paragraphs.push(proto);
  if (rows.length)
    paragraphs.push(`The reference mean lies outside this run's 95% CI in ${outside.length} of ${plural(withCi.length, 'cell')} with a CI${withCi.length < rows.length ? ` (${rows.length - withCi.length} without one)` : ''}.`);
  else paragraphs.push('No cell of this run is in the reference study.');
  const left = omittedNote(omitted);
  if (left) paragraphs.push(left);
  const table: Table | null = rows.length
    ? {
        title: 'Mean test accuracy: this run vs the reference study',
        note: `"${OUTSIDE}": the reference mean lies outside this run's 95% CI (${ix.ciMethod()}).`,
        header: ['data set', 'optimizer', 'reg', 'reference', 'this run', '95% CI', 'n', 'run − reference', 'reference vs CI'],
        rows: rows.map((r) => [r.dataset, r.optimizer, r.reg, fmtAcc(r.reference), fmtAcc(r.run.mean), fmtCi(r.run.ci), String(r.run.n), fmtDiff(r.run.diff), flagText(r.run.outside)]),
      }
    : null;
  return { title: 'Against the reference study', paragraphs, table };
}

/** The console's short version: per data set, run − reference in the reference's layout, `*` where flagged. */
export function referenceConsoleTables(ix: StudyIndex): { line: string; tables: Table[] } | null {
  const { rows, omitted } = compareWithReference(ix);
  if (!rows.length) return null;
  const flagged = rows.filter((r) => r.run.outside).length;
  const tables: Table[] = [];
  for (const ds of [...new Set(rows.map((r) => r.dataset))]) {
    const cells = rows.filter((r) => r.dataset === ds);
    const optimizers = [...new Set(cells.map((r) => r.optimizer))];
    const regs = [...new Set(cells.map((r) => r.reg))];
    tables.push({
      title: `Run − reference — ${ds}`,
      header: ['optimizer', ...regs],
      rows: optimizers.map((o) => [o, ...regs.map((g) => {
        const r = cells.find((x) => x.optimizer === o && x.reg === g);
        return r ? `${fmtDiff(r.run.diff)}${r.run.outside ? ' *' : ''}` : DASH;
      })]),
    });
  }
  const left = omitted.length ? ` ${plural(omitted.length, 'cell')} not in the reference left out.` : '';
  return { line: `Against the reference study: mean test accuracy, run − reference; * = reference outside the run's 95% CI (${flagged} of ${plural(rows.length, 'cell')}).${left}`, tables };
}
