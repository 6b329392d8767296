// Two runs set side by side against the reference study: which run replays the notebook
// (read from its config, not from the argument order), their labels, and per reference
// cell the reference mean and each run's mean, CI, difference and flag.
import { basename, resolve } from 'node:path';
import { REFERENCE_DATASETS, REFERENCE_OPTIMIZERS, REFERENCE_REGS, referenceAccuracy } from '../results/reference-study.ts';
import { cellLabel, runCellOf, type CellKey, type RunCell } from '../report/reference.ts';
import type { LoadedRun } from './load.ts';

export interface ComparedRun extends LoadedRun {
  /** Column label: the preset, with the directory's name where the presets agree. */
  label: string;
  /** 'replica': resets state every step (the notebook); 'corrected': keeps state. */
  role: 'replica' | 'corrected';
}

export interface CompareRow extends CellKey {
  reference: number;
  /** Each run's result in the cell, or null where the run lacks it. */
  runs: [RunCell | null, RunCell | null];
  /** Second run's mean - first run's mean (NaN where either lacks it). */
  change: number;
}

export interface Comparison {
  /** The replica first when exactly one run is a replica; else in the order given. */
  runs: [ComparedRun, ComparedRun];
  /** Exactly one run is a replica, so the two can be told apart by what they are. */
  rolesKnown: boolean;
  /** Cells of the reference present in either run, in the reference's order. */
  rows: CompareRow[];
  /** Cells of either run the reference lacks, as `dataset optimizer_reg`. */
  omitted: string[];
}

function labels(a: LoadedRun, b: LoadedRun): [string, string] {
  if (a.preset !== b.preset) return [a.preset, b.preset];
  const [da, db] = [basename(resolve(a.dir)), basename(resolve(b.dir))];
  if (da !== db) return [`${a.preset} (${da})`, `${b.preset} (${db})`];
  return [`${a.preset} (run 1)`, `${b.preset} (run 2)`];
}

function cellOf(run: LoadedRun, c: CellKey, reference: number): RunCell | null {
  const m = run.index.models(c.dataset).find((x) => x.optimizer === c.optimizer && x.reg === c.reg);
  return m ? runCellOf(run.index, c.dataset, m, reference) : null;
}

export function compareRuns(first: LoadedRun, second: LoadedRun): Comparison {
  const rolesKnown = first.replica !== second.replica;
  const [a, b] = rolesKnown && second.replica ? [second, first] : [first, second];
  const [la, lb] = labels(a, b);
  const runs: [ComparedRun, ComparedRun] = [
    { ...a, label: la, role: a.replica ? 'replica' : 'corrected' },
    { ...b, label: lb, role: b.replica ? 'replica' : 'corrected' },
  ];
  const rows: CompareRow[] = [];
  for (const dataset of REFERENCE_DATASETS)
    for (const optimizer of REFERENCE_OPTIMIZERS)
      for (const reg of REFERENCE_REGS) {
        const key = { dataset, optimizer, reg };
        const reference = referenceAccuracy(dataset, optimizer, reg)!;
        const cells: [RunCell | null, RunCell | null] = [cellOf(a, key, reference), cellOf(b, key, reference)];
        if (!cells[0] && !cells[1]) continue;
        rows.push({ ...key, reference, runs: cells, change: (cells[1]?.mean ?? NaN) - (cells[0]?.mean ?? NaN) });
      }
  const omitted: string[] = [];
  for (const run of [a, b])
    for (const dataset of run.index.datasets())
      for (const m of run.index.models(dataset)) {
        const label = cellLabel({ dataset, ...m });
        if (referenceAccuracy(dataset, m.optimizer, m.reg) === undefined && !omitted.includes(label)) omitted.push(label);
      }
  return { runs, rolesKnown, rows, omitted };
}
