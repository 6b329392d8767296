// Critical-difference diagram (Demsar 2006, figure 1) of a ranking, as a Vega-Lite spec
// rendered to SVG like the report's other plots: an axis of average ranks (1 = best, on the
// left), each optimizer's rank marked and labelled (the better half to the left, the rest to
// the right), the Nemenyi critical difference as a bar above the axis, and a thick bar under
// each group of optimizers whose average ranks lie within less than the critical difference.
import type { TopLevelSpec } from 'vega-lite';
import { metricSpec } from '../results/metrics.ts';
import type { Ranking } from '../results/ranking.ts';
import { fmtP } from './inference-format.ts';
import { renderSvg } from './plots.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Pixels between rank 1 and rank k, and for the labels on each side. */
const AXIS_PX = 300;
const LABEL_PX = 170;
const ROW_PX = 24;

interface Segment {
  x: number;
  x2: number;
  y: number;
  y2: number;
}

interface Label {
  x: number;
  y: number;
  text: string;
  align: 'left' | 'right' | 'center';
}

/** Everything the diagram draws, in rank (x) and row (y, growing downwards) units. */
export interface CdLayout {
  /** x domain: ranks 1..k plus room for the labels. */
  domain: [number, number];
  rows: [number, number];
  axis: Segment[];
  ticks: Label[];
  cdBar: Segment[];
  lines: Segment[];
  labels: Label[];
  cliques: Segment[];
}

export function cdLayout(r: Ranking): CdLayout | null {
  if (!r.nemenyi) return null;
  const k = r.optimizers.length;
  const perRank = AXIS_PX / (k - 1);
  const room = LABEL_PX / perRank;
  const edge = 12 / perRank;
  const cd = r.nemenyi.cd;
  const order = r.optimizers.map((o, i) => ({ o, rank: r.averageRanks[i] })).sort((a, b) => a.rank - b.rank);
  const cliqueRow = (j: number) => 0.45 + 0.3 * j;
  const first = cliqueRow(r.nemenyi.cliques.length) + 0.4;
  const left = order.slice(0, Math.ceil(k / 2));
  const right = order.slice(Math.ceil(k / 2)).reverse();
  const lines: Segment[] = [];
  const labels: Label[] = [];
  left.forEach(({ o, rank }, i) => {
    const y = first + i;
    lines.push({ x: rank, x2: rank, y: 0, y2: y }, { x: 1 - edge, x2: rank, y, y2: y });
    labels.push({ x: 1 - edge - 4 / perRank, y, text: `${o} ${rank.toFixed(2)}`, align: 'right' });
  });
  right.forEach(({ o, rank }, i) => {
    const y = first + i;
    lines.push({ x: rank, x2: rank, y: 0, y2: y }, { x: rank, x2: k + edge, y, y2: y });
    labels.push({ x: k + edge + 4 / perRank, y, text: `${rank.toFixed(2)} ${o}`, align: 'left' });
  });
  const rankOf = (o: string) => r.averageRanks[r.optimizers.indexOf(o)];
  const cliques = r.nemenyi.cliques.map((c, j) => ({ x: rankOf(c[0]) - 0.04, x2: rankOf(c[c.length - 1]) + 0.04, y: cliqueRow(j), y2: cliqueRow(j) }));
  const ticks: Label[] = Array.from({ length: k }, (_, i) => ({ x: i + 1, y: -0.35, text: String(i + 1), align: 'center' }));
  const tickMarks: Segment[] = Array.from({ length: 2 * k - 1 }, (_, i) => ({ x: 1 + i / 2, x2: 1 + i / 2, y: i % 2 ? -0.1 : -0.2, y2: 0 }));
  const cdY = -1.3;
  const cdBar = [{ x: 1, x2: 1 + cd, y: cdY, y2: cdY }, { x: 1, x2: 1, y: cdY - 0.15, y2: cdY + 0.15 }, { x: 1 + cd, x2: 1 + cd, y: cdY - 0.15, y2: cdY + 0.15 }];
  return {
    domain: [1 - room, k + room],
    rows: [-2.2, first + Math.max(left.length, right.length) - 0.4],
    axis: [{ x: 1, x2: k, y: 0, y2: 0 }, ...tickMarks],
    ticks: [...ticks, { x: 1 + cd / 2, y: cdY - 0.35, text: `CD = ${cd.toFixed(2)}`, align: 'center' }],
    cdBar,
    lines,
    labels,
    cliques,
  };
}

export function cdSpec(r: Ranking, problems: number): TopLevelSpec | null {
  const layout = cdLayout(r);
  if (!layout || !r.friedman || !r.nemenyi) return null;
  const k = r.optimizers.length;
  const x = { field: 'x', type: 'quantitative' as const, scale: { domain: layout.domain, nice: false, zero: false }, axis: null };
  const y = { field: 'y', type: 'quantitative' as const, scale: { domain: layout.rows, nice: false, zero: false, reverse: true }, axis: null };
  const rule = (values: Segment[], strokeWidth: number, color = '#333') => ({
    data: { values },
    mark: { type: 'rule' as const, strokeWidth, color },
    encoding: { x, x2: { field: 'x2' }, y, y2: { field: 'y2' } },
  });
  const text = (values: Label[], align: Label['align'], baseline: 'middle' | 'bottom') => ({
    data: { values: values.filter((l) => l.align === align) },
    mark: { type: 'text' as const, align, baseline, fontSize: 12, color: '#222' },
    encoding: { x, y, text: { field: 'text', type: 'nominal' as const } },
  });
  const spec = metricSpec(r.metric);
  return {
    $schema: SCHEMA,
    title: {
      text: `Critical difference diagram — ${spec.label}`,
      subtitle: [
        `average rank over ${problems} problems (data set x mode; 1 = best); bars join optimizers within the critical difference`,
        `(Nemenyi, α = ${r.nemenyi.alpha}); Friedman p = ${fmtP(r.friedman.p)}, Iman-Davenport p = ${fmtP(r.friedman.imanDavenport.p)}`,
      ],
    },
    width: AXIS_PX + 2 * LABEL_PX,
    height: Math.round((layout.rows[1] - layout.rows[0]) * ROW_PX),
    layer: [
      rule(layout.axis, 1.2),
      rule(layout.cdBar, 1.5, '#a40000'),
      rule(layout.lines, 1),
      rule(layout.cliques, 4, '#222'),
      text(layout.ticks, 'center', 'bottom'),
      text(layout.labels, 'right', 'middle'),
      text(layout.labels, 'left', 'middle'),
    ],
    config: { view: { stroke: null } },
  } as TopLevelSpec;
}

/** The diagram as SVG, or null where the ranking has no test (fewer than 2 problems or optimizers). */
export async function cdDiagram(r: Ranking): Promise<string | null> {
  const spec = cdSpec(r, r.problems.length);
  return spec ? renderSvg(spec) : null;
}
