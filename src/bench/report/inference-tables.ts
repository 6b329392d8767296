// The inference section's tables: per data set and metric every pair of optimizers on
// every mode (difference, interval, test, p, p_holm, seeds, who did better), and per metric
// the ranks of the optimizers on each problem with their average.
import type { Inference } from '../results/inference.ts';
import { metricSpec, type MetricKey } from '../results/metrics.ts';
import type { Ranking } from '../results/ranking.ts';
import { DASH, fmtAcc, fmtSig, isNum } from './format.ts';
import { fmtDifference, fmtInterval, fmtP, fmtTest, side } from './inference-format.ts';
import type { Table } from './tables.ts';

/** Marks a p_holm below alpha in the tables. */
export const SIGNIFICANT = '*';

export function comparisonTable(inf: Inference, dataset: string, metric: MetricKey): Table | null {
  const spec = metricSpec(metric);
  const rows = inf.comparisons.filter((c) => c.dataset === dataset && c.metric === metric);
  if (!rows.length) return null;
  const family = inf.families.find((f) => f.metric === metric);
  return {
    title: `Paired comparisons: ${spec.label} — ${dataset}`,
    note: `Difference a − b of the mean over seeds${spec.unit ? ` (${spec.unit})` : ''}, ${spec.higherIsBetter ? 'positive' : 'negative'} when a is better; 95% t interval of the paired per-seed differences, or Welch's where unpaired. p: the rank test's; p_holm: adjusted by Holm over the ${family?.size ?? 0} comparisons of ${spec.label} in this report, ${SIGNIFICANT} below α = ${inf.alpha}. better a / b / tie: seeds on which each did better (paired only).`,
    header: ['mode', 'a − b', 'difference', '95% CI', 'interval', 'test', 'p', 'p_holm', 'seeds', 'better a / b / tie', 'note'],
    rows: rows.map((c) => [
      c.reg,
      `${side(c.a, c.settingA)} − ${side(c.b, c.settingB)}`,
      fmtDifference(spec, c.difference.mean),
      fmtInterval(spec, c.difference.ci95),
      isNum(c.difference.mean) ? c.difference.kind : DASH,
      fmtTest(c),
      fmtP(c.test.p),
      c.pHolm === null ? DASH : `${fmtP(c.pHolm)}${c.pHolm < inf.alpha ? ` ${SIGNIFICANT}` : ''}`,
      c.paired ? `${c.nA} paired` : `${c.nA} / ${c.nB}`,
      c.wins ? `${c.wins.a} / ${c.wins.b} / ${c.wins.ties}` : DASH,
      c.note ?? '',
    ]),
  };
}

function fmtScore(metric: MetricKey, x: number): string {
  if (Number.isNaN(x)) return DASH;
  if (x === Infinity) return '∞';
  return metric === 'testAccuracy' ? fmtAcc(x) : fmtSig(x, 4);
}

/** Optimizers (best average rank first) by problems: rank (score), then the average rank. */
export function rankingTable(r: Ranking): Table {
  const spec = metricSpec(r.metric);
  const order = r.optimizers.map((o, i) => i).sort((a, b) => r.averageRanks[a] - r.averageRanks[b] || a - b);
  return {
    title: `Ranks across problems: ${spec.label}`,
    note: `Each cell: the optimizer's rank on the problem (${r.score}) and, in brackets, its score.`,
    header: ['optimizer', ...r.problems.map((p) => `${p.dataset}/${p.reg}`), 'average rank'],
    rows: order.map((i) => [
      r.optimizers[i],
      ...r.problems.map((p) => `${isNum(p.ranks[i]) ? String(Number(p.ranks[i].toFixed(1))) : DASH} (${fmtScore(r.metric, p.scores[i])})`),
      isNum(r.averageRanks[i]) ? r.averageRanks[i].toFixed(2) : DASH,
    ]),
  };
}

/** Data sets of the comparisons, in their order. */
export function inferenceDatasets(inf: Inference): string[] {
  return [...new Set(inf.comparisons.map((c) => c.dataset))];
}
