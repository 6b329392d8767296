// Vega-Lite specs of the report's plots, rendered to SVG headless (vega-lite -> vega -> SVG).
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { isNum, plural } from './format.ts';
import { compareWithReference } from './reference.ts';
import { spread, type Model, type StudyIndex } from './study.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Tableau 10: one hue per optimizer. */
const HUES = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

function mix(hex: string, toward: number, amount: number): string {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `#${c.map((v) => Math.round(v + (toward - v) * amount).toString(16).padStart(2, '0')).join('')}`;
}

/** A color per model: the optimizer's hue, darker to lighter across the reg modes. */
export function modelColors(models: Model[]): { domain: string[]; range: string[] } {
  const optimizers = [...new Set(models.map((m) => m.optimizer))];
  const regs = [...new Set(models.map((m) => m.reg))];
  const range = models.map((m) => {
    const hue = HUES[optimizers.indexOf(m.optimizer) % HUES.length];
    const t = regs.length > 1 ? regs.indexOf(m.reg) / (regs.length - 1) : 0.5;
    return t < 0.5 ? mix(hue, 0, (0.5 - t) * 0.6) : mix(hue, 255, (t - 0.5) * 0.9);
  });
  return { domain: models.map((m) => m.key), range };
}

export interface DatasetPlots {
  loss: string;
  accuracy: string;
  time: string;
}

function divergedText(ix: StudyIndex, ds: string): string {
  const n = ix.datasetDivergences(ds);
  return n ? `${plural(n, 'diverged trial')}: non-finite values left out` : 'no diverged trials';
}

/** Training loss per epoch: mean over seeds as a line, min..max as a band, one color per model. */
export function lossSpec(ix: StudyIndex, ds: string): TopLevelSpec {
  const models = ix.models(ds);
  const epochs = ix.epochs(ds);
  const values: Record<string, unknown>[] = [];
  for (const m of models) {
    const trials = ix.trials(ds, m);
    for (let e = 0; e < epochs; e++) {
      const v = trials.map((t) => t.epochs[e]?.trainLoss).filter(isNum);
      if (v.length) values.push({ model: m.key, epoch: e + 1, mean: spread(v).mean, min: Math.min(...v), max: Math.max(...v) });
    }
  }
  const lo = Math.min(...values.map((v) => v.min as number));
  const hi = Math.max(...values.map((v) => v.max as number));
  const log = values.length > 0 && lo > 0 && hi / lo > 100;
  const y = { type: 'quantitative' as const, title: 'training loss', scale: log ? { type: 'log' as const } : { zero: false } };
  return {
    $schema: SCHEMA,
    title: { text: `Training loss per epoch — ${ds}`, subtitle: `mean over seeds, band = min..max; ${divergedText(ix, ds)}` },
    width: 560,
    height: 320,
    data: { values },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { domain: [1, Math.max(epochs, 2)] }, axis: { tickMinStep: 1, format: 'd' } },
      color: { field: 'model', type: 'nominal', title: 'optimizer_reg', scale: modelColors(models), legend: { labelLimit: 280, symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5 } },
    },
    layer: [
      { mark: { type: 'errorband', opacity: 0.12 }, encoding: { y: { field: 'min', ...y }, y2: { field: 'max' } } },
      { mark: { type: 'line', point: true, strokeWidth: 1.5 }, encoding: { y: { field: 'mean', ...y } } },
    ],
  };
}

/** Legend labels of the accuracy plot's two horizontal marks. */
export const MEAN_LABEL = 'mean of this run';
export const REFERENCE_LABEL = "reference study's published mean";

/** Final test accuracy: one point per seed (spread across the model's slot in seed order), a
 * black rule at the mean, and a red dashed rule at the reference study's published mean in
 * the cells that have one (report/reference.ts decides which). */
export function accuracySpec(ix: StudyIndex, ds: string): TopLevelSpec {
  const models = ix.models(ds);
  const seeds = ix.seeds(ds);
  const half = (seeds.length - 1) / 2 || 1;
  const points: Record<string, unknown>[] = [];
  const rules: Record<string, unknown>[] = [];
  // A sweep varies the reference's settings: its means are no match for the reference's.
  const references = new Map(ix.results.sweep ? [] : compareWithReference(ix).rows.filter((r) => r.dataset === ds).map((r) => [`${r.optimizer}\u0000${r.reg}`, r.reference]));
  models.forEach((m, i) => {
    for (const t of ix.trials(ds, m).filter((t) => isNum(t.testAccuracy)))
      points.push({ model: m.key, seed: t.seed, accuracy: t.testAccuracy, pos: i + (0.28 * (seeds.indexOf(t.seed) - (seeds.length - 1) / 2)) / half });
    const mean = ix.accuracySpread(ds, m).mean;
    if (isNum(mean)) rules.push({ model: m.key, kind: MEAN_LABEL, accuracy: mean, from: i - 0.36, to: i + 0.36 });
    const reference = references.get(`${m.optimizer}\u0000${m.reg}`);
    if (reference !== undefined) rules.push({ model: m.key, kind: REFERENCE_LABEL, accuracy: reference, from: i - 0.36, to: i + 0.36 });
  });
  // Models sit at x = 0, 1, ...; the axis labels them by name.
  const x = {
    field: 'pos', type: 'quantitative' as const, title: 'optimizer_reg',
    scale: { domain: [-0.5, models.length - 0.5], nice: false, zero: false },
    axis: { values: models.map((_, i) => i), labelExpr: `${JSON.stringify(models.map((m) => m.key))}[datum.value]`, labelAngle: -30, labelLimit: 200, labelOverlap: false, labelFlush: false, grid: false },
  };
  const y = { field: 'accuracy', type: 'quantitative' as const, title: 'final test accuracy', scale: { zero: false } };
  const withReference = references.size > 0;
  // The rules' legend (only where a reference is drawn): black solid mean, red dashed reference.
  const kinds = withReference ? [MEAN_LABEL, REFERENCE_LABEL] : [MEAN_LABEL];
  const legend = withReference ? { title: null, orient: 'bottom' as const, symbolType: 'stroke', symbolSize: 300, symbolStrokeWidth: 2, labelLimit: 300 } : null;
  return {
    $schema: SCHEMA,
    title: { text: `Final test accuracy — ${ds}`, subtitle: `one point per seed${withReference ? '' : ', black line = mean'}; ${divergedText(ix, ds)}` },
    width: Math.max(240, models.length * 48),
    height: 300,
    // The points' colors (one per model) and the rules' (mean, reference) are separate scales.
    resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
    layer: [
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 45, opacity: 0.8 },
        encoding: {
          x, y,
          color: { field: 'model', type: 'nominal', scale: modelColors(models), legend: null },
          tooltip: [{ field: 'model' }, { field: 'seed' }, { field: 'accuracy', format: '.4f' }],
        },
      },
      {
        data: { values: rules },
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: {
          x: { ...x, field: 'from' }, x2: { field: 'to' }, y,
          color: { field: 'kind', type: 'nominal', scale: { domain: kinds, range: ['black', '#d62728'] }, legend },
          strokeDash: { field: 'kind', type: 'nominal', scale: { domain: kinds, range: [[1, 0], [5, 3]] }, legend },
          tooltip: [{ field: 'model' }, { field: 'kind' }, { field: 'accuracy', format: '.4f' }],
        },
      },
    ],
  };
}

/** Time per trial: bar of the mean, error bar of ±1 std. */
export function timeSpec(ix: StudyIndex, ds: string): TopLevelSpec {
  const models = ix.models(ds);
  const values: Record<string, unknown>[] = [];
  for (const m of models) {
    const s = ix.timeSpread(ds, m);
    if (!isNum(s.mean)) continue;
    const sd = isNum(s.std) ? s.std : 0;
    values.push({ model: m.key, mean: s.mean, lo: Math.max(0, s.mean - sd), hi: s.mean + sd });
  }
  const x = { field: 'model', type: 'nominal' as const, title: 'optimizer_reg', scale: { domain: models.map((m) => m.key) }, axis: { labelAngle: -30, labelLimit: 200 } };
  return {
    $schema: SCHEMA,
    title: { text: `Time per trial — ${ds}`, subtitle: [`bar = mean, error bar = ±1 std over seeds; ${divergedText(ix, ds)}`, ...(ix.amortized(ds) ? ['amortized: a batched trial\'s time is its group\'s time / its trials'] : [])] },
    width: Math.max(240, models.length * 36),
    height: 280,
    data: { values },
    encoding: { x },
    layer: [
      { mark: 'bar', encoding: { y: { field: 'mean', type: 'quantitative', title: 'seconds per trial' }, color: { field: 'model', type: 'nominal', scale: modelColors(models), legend: null } } },
      { mark: { type: 'errorbar', color: 'black', ticks: { size: 12, thickness: 1.5, color: 'black', opacity: 1 } }, encoding: { y: { field: 'lo', type: 'quantitative', title: 'seconds per trial' }, y2: { field: 'hi' } } },
    ],
  };
}

/** Renders a Vega-Lite spec to an SVG string without a browser. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function datasetPlots(ix: StudyIndex, ds: string): Promise<DatasetPlots> {
  const [loss, accuracy, time] = await Promise.all([renderSvg(lossSpec(ix, ds)), renderSvg(accuracySpec(ix, ds)), renderSvg(timeSpec(ix, ds))]);
  return { loss, accuracy, time };
}
