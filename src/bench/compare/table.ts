// The comparison's one table: per reference cell, the reference, each run's mean [95% CI],
// its difference to the reference and its flag, and the change from run 1 to run 2.
import { DASH, fmtAcc, fmtCi, fmtDiff } from '../report/format.ts';
import { ACCURACY_CI_METHOD } from '../results/interval.ts';
import { flagText, OUTSIDE, type RunCell } from '../report/reference.ts';
import type { Table } from '../report/tables.ts';
import type { Comparison } from './cells.ts';

export function fmtMeanCi(c: RunCell | null): string {
  if (!c) return DASH;
  const ci = fmtCi(c.ci);
  return ci === DASH ? fmtAcc(c.mean) : `${fmtAcc(c.mean)} ${ci}`;
}

export function compareTable(c: Comparison): Table {
  const [a, b] = c.runs;
  const header = ['data set', 'optimizer', 'reg', 'reference'];
  for (const r of [a, b]) header.push(`${r.label} mean [95% CI]`, `${r.label} − reference`, `${r.label} flag`);
  header.push(`${b.label} − ${a.label}`);
  return {
    title: 'Mean test accuracy per cell',
    note: `Flag "${OUTSIDE}": the reference mean lies outside that run's 95% CI ("inside" where it lies within; ${DASH} without a CI). CI: ${ACCURACY_CI_METHOD}.`,
    header,
    rows: c.rows.map((row) => [
      row.dataset, row.optimizer, row.reg, fmtAcc(row.reference),
      ...row.runs.flatMap((cell) => [fmtMeanCi(cell), cell ? fmtDiff(cell.diff) : DASH, cell ? flagText(cell.outside) : DASH]),
      fmtDiff(row.change),
    ]),
  };
}
