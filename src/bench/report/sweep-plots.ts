// Vega-Lite specs of the sweep report: accuracy against each swept value (one chart per data
// set and axis key, a panel per mode and metric) and the performance profile.
import type { TopLevelSpec } from 'vega-lite';
import { isNum } from './format.ts';
import { renderSvg } from './plots.ts';
import { axisKeys, profileSteps, SELECTION, unreachedHint, type SweepAnalysis } from './sweep.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Lines of at most `width` characters, broken at spaces (a plot's subtitle does not wrap). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Log scale for values spanning a factor 10 or more (learning rates, L2 lambdas). */
function logScale(values: number[]): boolean {
  return values.length > 1 && values.every((v) => v > 0) && Math.max(...values) / Math.min(...values) >= 10;
}

/** Validation and test accuracy (mean, 95% CI over seeds) against the values of `key`:
 * a line per optimizer and setting of the other axes, a panel per mode (columns) and metric (rows). */
export function sweepAxisSpec(a: SweepAnalysis, ds: string, key: string): TopLevelSpec | null {
  const cells = a.cells.filter((c) => c.dataset === ds && key in c.swept);
  if (!cells.length) return null;
  const optimizers = [...new Set(cells.map((c) => c.optimizer))];
  const values: Record<string, unknown>[] = [];
  for (const c of cells) {
    const others = Object.entries(c.swept).filter(([k]) => k !== key).map(([k, v]) => `${k}=${v}`).join(',');
    for (const [metric, e] of [['validation', c.validation], ['test', c.test]] as const) {
      if (!isNum(e.mean)) continue;
      const [lo, hi] = isNum(e.ci95[0]) ? e.ci95 : [e.mean, e.mean];
      values.push({ optimizer: c.optimizer, mode: c.reg, series: `${c.optimizer} ${others}`, value: c.swept[key], metric, mean: e.mean, lo, hi, seeds: e.n });
    }
  }
  const xs = cells.map((c) => c.swept[key]);
  const x = { field: 'value', type: 'quantitative' as const, title: key, scale: logScale(xs) ? { type: 'log' as const } : { zero: false } };
  const y = { type: 'quantitative' as const, title: 'accuracy', scale: { zero: false } };
  return {
    $schema: SCHEMA,
    title: { text: `Accuracy against ${key} — ${ds}`, subtitle: ['mean over seeds, bars = 95% CI; validation after the last epoch, test at the end;', 'one line per optimizer (and setting of the other swept axes)'] },
    data: { values },
    facet: {
      row: { field: 'metric', type: 'nominal', title: null, sort: ['validation', 'test'] },
      column: { field: 'mode', type: 'nominal', title: 'mode', sort: [...new Set(cells.map((c) => c.reg))] },
    },
    spec: {
      width: 260,
      height: 180,
      encoding: {
        x,
        color: { field: 'optimizer', type: 'nominal', scale: { domain: optimizers, scheme: 'tableau10' } },
        detail: { field: 'series', type: 'nominal' },
      },
      layer: [
        { mark: { type: 'line', point: true, strokeWidth: 1.5 }, encoding: { y: { field: 'mean', ...y }, tooltip: [{ field: 'series' }, { field: 'value' }, { field: 'mean', format: '.4f' }, { field: 'seeds' }] } },
        { mark: { type: 'errorbar', ticks: true }, encoding: { y: { field: 'lo', ...y }, y2: { field: 'hi' } } },
      ],
    },
  };
}

/** rho_s(tau) for tau from 1 to 10 as a step function, one line per optimizer. */
export function profileSpec(a: SweepAnalysis): TopLevelSpec | null {
  const { optimizers, problems } = a.profile;
  if (!problems.length) return null;
  const values = optimizers.flatMap((o) => profileSteps(a.profile, o).map((s) => ({ optimizer: o, ...s })));
  // Where no optimizer reached the target the lines lie flat at 0: say so, and what target would do.
  const hint = unreachedHint(a);
  return {
    $schema: SCHEMA,
    title: { text: 'Performance profile: time to target', subtitle: [`${problems.length} problems (data set x mode), each optimizer at its best setting`, `(${SELECTION.split(';')[0]})`, ...(hint ? wrap(hint, 90) : [])] },
    width: 480,
    height: 260,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2, point: true },
    encoding: {
      x: { field: 'tau', type: 'quantitative', title: 'τ (time to target / fastest optimizer\'s)', scale: { domain: [1, 10], nice: false } },
      y: { field: 'rho', type: 'quantitative', title: 'ρ(τ): fraction of problems', scale: { domain: [0, 1] } },
      color: { field: 'optimizer', type: 'nominal', scale: { domain: optimizers, scheme: 'tableau10' } },
      tooltip: [{ field: 'optimizer' }, { field: 'tau', format: '.3g' }, { field: 'rho', format: '.3f' }],
    },
  };
}

export interface SweepPlots {
  /** data set -> axis key -> SVG */
  axes: Map<string, Map<string, string>>;
  profile: string | null;
}

export async function sweepPlots(a: SweepAnalysis): Promise<SweepPlots> {
  const axes = new Map<string, Map<string, string>>();
  for (const ds of new Set(a.cells.map((c) => c.dataset))) {
    const byKey = new Map<string, string>();
    for (const key of axisKeys(a.axes)) {
      const spec = sweepAxisSpec(a, ds, key);
      if (spec) byKey.set(key, await renderSvg(spec));
    }
    axes.set(ds, byKey);
  }
  const spec = profileSpec(a);
  return { axes, profile: spec ? await renderSvg(spec) : null };
}
