import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompareError, compareDirs, comparisonMarkdown, comparisonReport, compareRuns, findings, loadRun, ranking, writeComparison } from '../src/bench/compare/index.ts';
import { completeGroups } from '../src/bench/compare/summary.ts';
import { escapeHtml } from '../src/bench/report/html.ts';
import { PRESETS, resolveConfig } from '../src/bench/study/config.ts';
import { REFERENCE_ACCURACY, REFERENCE_PROVENANCE, referenceAccuracy } from '../src/bench/results/reference-study.ts';
import type { CellStats, RegMode, ResultsFile, TrialRecord } from '../src/bench/results/types.ts';
import { ACCURACY_CI_METHOD, accuracyCi95 } from '../src/bench/results/interval.ts';
import { ownErrors, runBench } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('compare')();

type Ds = keyof typeof REFERENCE_ACCURACY;
const DATASETS: Ds[] = ['fashion-mnist', 'mnist'];
const OPTS = ['sgd', 'adam', 'rmsprop', 'custom'] as const;
const REGS: RegMode[] = ['default', 'L2', 'dropout'];

/** The corrected study's hand-made means: [default, L2, dropout]. */
const STUDY: Record<Ds, Record<(typeof OPTS)[number], [number, number, number]>> = {
  'fashion-mnist': {
    sgd: [0.88, 0.878, 0.882],
    adam: [0.886, 0.884, 0.888],
    rmsprop: [0.87, 0.88, 0.887],
    custom: [0.8865, 0.883, 0.887],
  },
  mnist: {
    sgd: [0.975, 0.974, 0.976],
    adam: [0.978, 0.977, 0.979],
    rmsprop: [0.977, 0.976, 0.978],
    custom: [0.9783, 0.9768, 0.979],
  },
};

function cellStats(dataset: string, optimizer: string, reg: RegMode, mean: number, half: number): CellStats {
  const summary = { n: 10, mean, std: 0.01, min: mean - 0.02, max: mean + 0.02 };
  return {
    dataset, optimizer, reg, trials: 10,
    speed: { ...summary, mean: 5, samplesPerSecond: 10000, updateMsPerStep: null },
    robustness: { ...summary, ci95: [mean - half, mean + half] },
    stability: { perEpochVariance: [0.01], mean: 0.01 },
    timeToTarget: { target: 0.9, epochs: {} },
    divergences: 0,
  };
}

function resultsFile(preset: 'seed-replica' | 'seed-study', statistics: CellStats[]): ResultsFile {
  const config = { ...structuredClone(PRESETS[preset]), optimizers: [...new Set(statistics.map((s) => s.optimizer))] };
  return {
    schema: 'webgpu-optbench/results@1',
    createdAt: '2025-01-01T00:00:00.000Z',
    complete: true,
    plannedTrials: statistics.length * 10,
    config: config as unknown as ResultsFile['config'],
    environment: { backend: 'vulkan', featureLevel: 'core', adapter: 'Test GPU', isCpu: false, timing: 'timestamp-query', node: 'v20', platform: 'linux x64', cpus: '16 x Test', packages: {}, gitCommit: null },
    mode: { batched: true, trialsAtOnce: 24, peakGpuBytes: 1 },
    wallSeconds: 100,
    results: {},
    statistics,
    kernels: null,
    trials: [],
  };
}

/** Replica: the reference + 0.002 everywhere (CI ± 0.005), except mnist sgd dropout at 0.970. */
function replica(): ResultsFile {
  const stats: CellStats[] = [];
  for (const ds of DATASETS)
    for (const o of OPTS)
      for (const reg of REGS) {
        const mean = ds === 'mnist' && o === 'sgd' && reg === 'dropout' ? 0.97 : REFERENCE_ACCURACY[ds][o][reg] + 0.002;
        stats.push(cellStats(ds, o, reg, mean, 0.005));
      }
  return resultsFile('seed-replica', stats);
}

/** Corrected study: the means above (CI ± 0.004; ± 0.01 for mnist custom dropout), plus adamw (not in the reference). */
function study(): ResultsFile {
  const stats: CellStats[] = [];
  for (const ds of DATASETS)
    for (const o of OPTS)
      REGS.forEach((reg, i) => stats.push(cellStats(ds, o, reg, STUDY[ds][o][i], ds === 'mnist' && o === 'custom' && reg === 'dropout' ? 0.01 : 0.004)));
  stats.push(cellStats('mnist', 'adamw', 'default', 0.978, 0.004));
  return resultsFile('seed-study', stats);
}

function writeRun(name: string, r: ResultsFile | string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), typeof r === 'string' ? r : JSON.stringify(r, null, 1));
  return dir;
}

const REPLICA_DIR = writeRun('replica-run', replica());
const STUDY_DIR = writeRun('study-run', study());

/** Markdown table rows (cells unescaped) under the `## title` heading. */
function mdRows(md: string, title: string): string[][] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('#') && l.includes(title));
  expect(start, title).toBeGreaterThanOrEqual(0);
  const body: string[] = [];
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('#'); i++) if (lines[i].startsWith('|')) body.push(lines[i]);
  return body.filter((_, i) => i !== 1).map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\(.)/g, '$1')));
}

function row(rows: string[][], ds: string, opt: string, reg: string): Record<string, string> {
  const header = rows[0];
  const r = rows.find((x) => x[0] === ds && x[1] === opt && x[2] === reg);
  expect(r, `${ds} ${opt} ${reg}`).toBeDefined();
  return Object.fromEntries(header.map((h, i) => [h, r![i]]));
}

describe('reference study data and the seed-replica preset', () => {
  it('holds the published table and its provenance', () => {
    expect(REFERENCE_ACCURACY['fashion-mnist'].rmsprop.dropout).toBe(0.314);
    expect(REFERENCE_ACCURACY.mnist.custom.dropout).toBe(0.971);
    expect(referenceAccuracy('mnist', 'adamw', 'default')).toBeUndefined();
    expect(referenceAccuracy('mnist', 'toString', 'default')).toBeUndefined();
    expect(REFERENCE_PROVENANCE).toMatchObject({ seeds: 10, epochs: 10, secondsPerTrial: [76, 111] });
    const r = ranking((ds, o, reg) => referenceAccuracy(ds, o, reg) ?? NaN);
    expect(r).toEqual({ groups: 6, customFirst: 6, rmspropLast: 6, sameOrder: 6 });
  });

  it('seed-replica resets sgd, adam, rmsprop and uses the tf.keras formulations; seed-study stays corrected', () => {
    const rep = resolveConfig({ preset: 'seed-replica' });
    expect(rep.resetStateEveryStep).toEqual(['sgd', 'adam', 'rmsprop']);
    expect(rep.hyper.adam.keras).toBe(1);
    expect(rep.hyper.rmsprop.keras).toBe(1);
    expect(rep.hyper.custom.keras).toBeUndefined();
    const { preset: _a, resetStateEveryStep: _b, hyper: _c, ...repRest } = rep;
    const st = resolveConfig({});
    const { preset: _d, resetStateEveryStep: _e, hyper: _f, ...stRest } = st;
    expect(repRest).toEqual(stRest);
    expect(st.preset).toBe('seed-study');
    expect(st.resetStateEveryStep).toEqual([]);
    expect(st.hyper.adam.keras).toBeUndefined();
    expect(PRESETS['seed-study'].hyper.rmsprop.keras).toBeUndefined();
  });
});

describe('--compare', () => {
  it('puts the replica first, whatever the argument order', () => {
    const a = compareDirs(REPLICA_DIR, STUDY_DIR);
    const b = compareDirs(STUDY_DIR, REPLICA_DIR);
    for (const r of [a, b]) {
      expect(r.comparison.rolesKnown).toBe(true);
      expect(r.comparison.runs.map((x) => x.label)).toEqual(['seed-replica', 'seed-study']);
      expect(r.comparison.runs.map((x) => x.role)).toEqual(['replica', 'corrected']);
      expect(r.comparison.runs[0].dir).toBe(REPLICA_DIR);
    }
    expect(comparisonMarkdown(b)).toBe(comparisonMarkdown(a));
  });

  it('tabulates the reference, each run, the differences and the flags', () => {
    const md = comparisonMarkdown(compareDirs(STUDY_DIR, REPLICA_DIR));
    const rows = mdRows(md, 'Mean test accuracy per cell');
    expect(rows[0]).toEqual([
      'data set', 'optimizer', 'reg', 'reference',
      'seed-replica mean [95% CI]', 'seed-replica − reference', 'seed-replica flag',
      'seed-study mean [95% CI]', 'seed-study − reference', 'seed-study flag',
      'seed-study − seed-replica',
    ]);
    expect(rows).toHaveLength(1 + 24);
    expect(row(rows, 'fashion-mnist', 'rmsprop', 'dropout')).toEqual({
      'data set': 'fashion-mnist', optimizer: 'rmsprop', reg: 'dropout', reference: '0.3140',
      'seed-replica mean [95% CI]': '0.3160 [0.3110, 0.3210]', 'seed-replica − reference': '+0.0020', 'seed-replica flag': 'inside',
      'seed-study mean [95% CI]': '0.8870 [0.8830, 0.8910]', 'seed-study − reference': '+0.5730', 'seed-study flag': 'outside',
      'seed-study − seed-replica': '+0.5710',
    });
    const sgd = row(rows, 'mnist', 'sgd', 'dropout');
    expect(sgd['seed-replica mean [95% CI]']).toBe('0.9700 [0.9650, 0.9750]');
    expect(sgd['seed-replica − reference']).toBe('+0.0130');
    expect(sgd['seed-replica flag']).toBe('outside');
    expect(sgd['seed-study − seed-replica']).toBe('+0.0060');
    const custom = row(rows, 'mnist', 'custom', 'dropout');
    expect(custom['seed-study flag']).toBe('inside');
    expect(custom['seed-study − reference']).toBe('+0.0080');
    // adamw is no reference cell: left out, and said so
    expect(rows.some((r) => r[1] === 'adamw')).toBe(false);
    expect(md).toContain('Not in the reference study, so left out: mnist adamw_default.');
  });

  it('a cell only one run has gets dashes on the other side and no change; a cell neither has is no row', () => {
    // The replica without mnist rmsprop; the study without any rmsprop and without mnist sgd L2.
    const rep = replica();
    rep.statistics = rep.statistics.filter((c) => !(c.dataset === 'mnist' && c.optimizer === 'rmsprop'));
    const cor = study();
    cor.statistics = cor.statistics.filter((c) => c.optimizer !== 'rmsprop' && !(c.dataset === 'mnist' && c.optimizer === 'sgd' && c.reg === 'L2'));
    const c = compareRuns(loadRun(writeRun('gaps-rep', rep)), loadRun(writeRun('gaps-cor', cor)));
    // 24 reference cells less the 3 mnist rmsprop cells that neither run has.
    expect(c.rows).toHaveLength(21);
    expect(c.rows.some((r) => r.dataset === 'mnist' && r.optimizer === 'rmsprop')).toBe(false);
    const only = c.rows.find((r) => r.dataset === 'fashion-mnist' && r.optimizer === 'rmsprop' && r.reg === 'L2')!;
    expect(only.runs[0]?.mean).toBeCloseTo(REFERENCE_ACCURACY['fashion-mnist'].rmsprop.L2 + 0.002, 12);
    expect(only.runs[1]).toBeNull();
    expect(only.change).toBeNaN();
    const rows = mdRows(comparisonMarkdown(comparisonReport(c)), 'Mean test accuracy per cell');
    const r = row(rows, 'mnist', 'sgd', 'L2');
    expect([r['seed-study mean [95% CI]'], r['seed-study − reference'], r['seed-study flag'], r['seed-study − seed-replica']]).toEqual(['—', '—', '—', '—']);
    expect(r['seed-replica flag']).toBe('inside');
  });

  it('generates the summary from the numbers', () => {
    const c = compareRuns(loadRun(STUDY_DIR), loadRun(REPLICA_DIR));
    const f = findings(c);
    const [rep, cor] = f.runs;
    expect(rep.ranking).toEqual({ groups: 6, customFirst: 6, rmspropLast: 6, sameOrder: 5 });
    expect(cor.ranking).toEqual({ groups: 6, customFirst: 3, rmspropLast: 1, sameOrder: 0 });
    expect([rep.inside, rep.withCi, cor.inside, cor.withCi]).toEqual([23, 24, 1, 24]);
    expect(f.largest.map((r) => `${r.dataset} ${r.optimizer} ${r.reg}`)).toEqual(['fashion-mnist rmsprop dropout', 'fashion-mnist rmsprop default', 'fashion-mnist rmsprop L2']);
    expect(cor.customVsAdam.groups).toBe(6);
    expect(cor.customVsAdam.withinCis).toBe(6);
    expect(cor.customVsAdam.min).toBeCloseTo(-0.001, 9);
    expect(cor.customVsAdam.max).toBeCloseTo(0.0005, 9);
    expect(f.reference.customVsAdam.mean).toBeCloseTo(0.133 / 6, 9);

    const text = f.lines.join('\n');
    expect(text).toContain('the reference ranks custom first in 6 of 6 and rmsprop last in 6 of 6');
    expect(text).toContain('seed-replica: custom first in 6 of 6, rmsprop last in 6 of 6, every pair the reference separates in its order in 5 of 6');
    expect(text).toContain('seed-study: custom first in 3 of 6, rmsprop last in 1 of 6, every pair the reference separates in its order in 0 of 6');
    expect(text).toContain('"custom first" holds in 3 of 6 cells with correct optimizers (seed-study) and 6 of 6 under the notebook\'s behaviour (seed-replica): it is largely about how the notebook ran the optimizers.');
    expect(text).toContain('"rmsprop last" holds in 1 of 6 cells');
    expect(text).toContain('inside the 95% CI of seed-replica in 23 of 24 cells with a CI and of seed-study in 1 of 24 cells with a CI');
    expect(text).toContain('reproduces the notebook\'s numbers more closely');
    expect(text).toContain('Largest changes from seed-replica to seed-study: fashion-mnist rmsprop dropout 0.3160 → 0.8870 (+0.5710; reference 0.3140); fashion-mnist rmsprop default 0.7160 → 0.8700 (+0.1540');
    expect(text).toContain('custom vs adam in seed-study (correct optimizers), cube weight 1.00e-8 (the default): custom − adam from -0.0010 to +0.0005 over 6 data set x reg cells (mean -0.0002), each mean inside the other\'s 95% CI in 6 of 6; in the reference custom − adam averages +0.0222 (from +0.0060 to +0.0400), in seed-replica +0.0222.');
    expect(text).toContain('shrinks from +0.0222 to -0.0002');
    // same protocol as the reference: no protocol note
    expect(text).not.toContain('protocol');
  });

  it('compare.md: title, one line per run (role, directory, trials, date), the reference note, the table, the findings', () => {
    const report = compareDirs(STUDY_DIR, REPLICA_DIR);
    expect(report.title).toBe('Reference study: seed-replica vs seed-study');
    expect(report.runLines).toEqual([
      `seed-replica (replays the notebook): ${REPLICA_DIR}; resets the state of sgd, adam, rmsprop before every step (the notebook's behaviour); tf.keras formulation (keras=1) for adam, rmsprop; 0 of 240 trials, created 2025-01-01T00:00:00.000Z.`,
      `seed-study (corrected study): ${STUDY_DIR}; keeps every optimizer's state across steps (correct optimizers); 0 of 250 trials, created 2025-01-01T00:00:00.000Z.`,
    ]);
    const md = comparisonMarkdown(report);
    const lines = md.split('\n');
    expect(lines.slice(0, 5)).toEqual(['# Reference study: seed-replica vs seed-study', '', `- ${report.runLines[0].replace(/[<>_*]/g, '\\$&')}`, `- ${report.runLines[1].replace(/[<>_*]/g, '\\$&')}`, '']);
    expect(lines[6]).toBe('');
    expect(md).toContain('\n## Which conclusions hold with correct optimizers\n\n- ');
    expect(lines.filter((l) => l.startsWith('- ')).length).toBe(2 + report.findings.lines.length);
    // Written into a directory it creates.
    const files = writeComparison(join(tmp, 'nested', 'deeper'), report);
    expect(readFileSync(files.markdown, 'utf8')).toBe(md);
  });

  it('says so when neither run is a replica, and keeps the given order', () => {
    const other = writeRun('study-2', study());
    const c = compareRuns(loadRun(other), loadRun(STUDY_DIR));
    expect(c.rolesKnown).toBe(false);
    expect(c.runs.map((r) => r.label)).toEqual(['seed-study (study-2)', 'seed-study (study-run)']);
    const text = findings(c).lines.join('\n');
    expect(text).toContain('Neither run resets optimizer state every step');
    expect(text).toContain('custom vs adam in seed-study (study-2)');
    expect(text).toContain('custom vs adam in seed-study (study-run)');
    // Same preset, same directory name under two parents: told apart by their order.
    const [x, y] = ['x', 'y'].map((p) => writeRun(join(p, 'results-dir'), study()));
    expect(compareRuns(loadRun(x), loadRun(y)).runs.map((r) => r.label)).toEqual(['seed-study (run 1)', 'seed-study (run 2)']);
    // Different presets: the preset alone.
    expect(compareRuns(loadRun(REPLICA_DIR), loadRun(STUDY_DIR)).runs.map((r) => r.label)).toEqual(['seed-replica', 'seed-study']);
  });

  it('rejects bad run directories with one-line errors', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(() => loadRun(empty)).toThrow(CompareError);
    expect(() => loadRun(empty)).toThrow(/holds no results\.json/);
    expect(() => loadRun(join(tmp, 'nowhere'))).toThrow(/does not exist/);
    expect(() => loadRun(writeRun('bad-json', '{"schema": '))).toThrow(/is not valid JSON/);
    expect(() => loadRun(writeRun('other-schema', JSON.stringify({ schema: 'something@2', config: {} })))).toThrow(/not a results file of this tool \(schema "something@2"/);
    for (const [name, body] of [['array', '[1, 2]'], ['null', 'null'], ['number', '42']]) {
      const dir = writeRun(name, body);
      expect(() => loadRun(dir), name).toThrow(new CompareError(`${join(dir, 'results.json')} is not a results file of this tool (not a JSON object)`));
    }
    const noStats = { ...replica(), statistics: 'none' };
    expect(() => loadRun(writeRun('no-stats', JSON.stringify(noStats)))).toThrow(/"statistics" is missing/);
    // Every other shape it refuses, each with the file named.
    const file = (name: string) => join(tmp, name, 'results.json');
    const refused = (name: string, body: unknown) => {
      const dir = writeRun(name, JSON.stringify(body));
      let message = '';
      try {
        loadRun(dir);
      } catch (e) {
        expect(e).toBeInstanceOf(CompareError);
        message = (e as Error).message;
      }
      return message;
    };
    const r = replica();
    expect(refused('no-config', { ...r, config: 'x' })).toBe(`${file('no-config')}: "config" with its "preset" is missing`);
    expect(refused('no-preset', { ...r, config: { ...r.config, preset: 3 } })).toBe(`${file('no-preset')}: "config" with its "preset" is missing`);
    expect(refused('config-list', { ...r, config: [r.config] })).toBe(`${file('config-list')}: "config" with its "preset" is missing`);
    expect(refused('a-sweep', { ...r, sweep: { axes: [] } })).toMatch(/holds a sweep \(several settings per optimizer and mode\); --compare takes runs without one/);
    const s0 = r.statistics[0];
    for (const [name, entry] of [['stat-list', [s0]], ['stat-null', null], ['stat-no-reg', { ...s0, reg: 1 }], ['stat-no-opt', { ...s0, optimizer: null }], ['stat-no-ds', { ...s0, dataset: 0 }]] as const) {
      expect(refused(name, { ...r, statistics: [s0, entry] }), name).toBe(`${file(name)}: statistics[1] lacks dataset, optimizer or reg`);
    }
    expect(refused('stat-no-rob', { ...r, statistics: [{ ...s0, robustness: [] }] })).toBe(`${file('stat-no-rob')}: statistics[0] (${s0.dataset} ${s0.optimizer} ${s0.reg}) lacks "robustness"`);
    const dirFile = writeRun('a-file-not-dir', '{}');
    expect(() => loadRun(join(dirFile, 'results.json'))).toThrow(`${join(dirFile, 'results.json')} is not a directory (give a run directory holding results.json)`);
  });

  it('reads NaN written as null (a cell whose every trial diverged)', () => {
    const r = replica();
    const lost = r.statistics.find((s) => s.dataset === 'mnist' && s.optimizer === 'adam' && s.reg === 'L2')!;
    lost.robustness = { ...lost.robustness, n: 0, mean: NaN, std: NaN, ci95: [NaN, NaN] };
    const dir = writeRun('with-nan', JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
    const report = compareDirs(dir, STUDY_DIR);
    const md = comparisonMarkdown(report);
    expect(md).not.toContain('NaN');
    const cellRow = row(mdRows(md, 'Mean test accuracy per cell'), 'mnist', 'adam', 'L2');
    expect(cellRow['seed-replica mean [95% CI]']).toBe('—');
    expect(cellRow['seed-replica flag']).toBe('—');
    expect(cellRow['seed-study − seed-replica']).toBe('—');
    // that group is no longer complete for the replica
    expect(report.findings.runs[0].ranking.groups).toBe(5);
  });

  it('writes compare.md and compare.html, escaped and self-contained', () => {
    const weird = replica();
    weird.config.preset = 'seed<replica>&"';
    const dir = writeRun('weird', weird);
    const out = join(tmp, 'out-weird');
    const files = writeComparison(out, compareDirs(STUDY_DIR, dir));
    const html = readFileSync(files.html, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|\ssrc=/i);
    expect(html).not.toContain('seed<replica>');
    expect(html).toContain('seed&lt;replica&gt;&amp;&quot;');
    expect(html).toContain('<td class="flag">outside</td>');
    expect(html).toContain('<td>+0.5710</td>');
    const md = readFileSync(files.markdown, 'utf8');
    expect(md).toContain('seed\\<replica>&"');
    // The page holds the title, one item per run, the reference note and every finding.
    const report = compareDirs(STUDY_DIR, dir);
    const esc = escapeHtml; // tested with the report (report.test.ts)
    expect(html).toContain(`<h1>${esc(report.title)}</h1>`);
    expect(html).toContain(`<ul>${report.runLines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`);
    expect(html).toContain(`<p class="note">${esc(report.referenceLine)}</p>`);
    expect(html).toContain('<h2>Which conclusions hold with correct optimizers</h2>');
    expect(report.findings.lines.length).toBeGreaterThan(2);
    expect(html).toContain(`<ul class="findings">${report.findings.lines.map((l) => `<li>${esc(l)}</li>`).join('\n')}</ul>`);
  });
});

describe('the summary\'s other verdicts', () => {
  /** A run whose every reference cell is the reference + `shift`, CI +- `half`. */
  const shifted = (preset: 'seed-replica' | 'seed-study', shift: number, half: number, over: Record<string, unknown> = {}, cells: Record<string, [number, number]> = {}): ResultsFile => {
    const stats = DATASETS.flatMap((ds) => OPTS.flatMap((o) => REGS.map((reg) => {
      const [mean, h] = cells[`${ds} ${o} ${reg}`] ?? cells[o] ?? [REFERENCE_ACCURACY[ds][o][reg] + shift, half];
      return cellStats(ds, o, reg, mean, h);
    })));
    const r = resultsFile(preset, stats);
    r.config = { ...r.config, ...over };
    return r;
  };
  const summary = (rep: ResultsFile, cor: ResultsFile, name: string) =>
    findings(compareRuns(loadRun(writeRun(`${name}-rep`, rep)), loadRun(writeRun(`${name}-cor`, cor)))).lines.join('\n');

  it('the corrected study closer to the reference; conclusions that hold with correct optimizers', () => {
    const text = summary(shifted('seed-replica', -0.05, 0.005), shifted('seed-study', 0.001, 0.005), 'closer');
    expect(text).toContain('inside the 95% CI of seed-replica in 0 of 24 cells with a CI and of seed-study in 24 of 24 cells with a CI; mean |run − reference|: 0.0500 (seed-replica) and 0.0010 (seed-study).');
    expect(text).toContain('So the corrected study (seed-study) is closer to the notebook\'s numbers than the replica (seed-replica).');
    expect(text).toContain('"custom first" holds with correct optimizers: 6 of 6 cells with correct optimizers (seed-study) and 6 of 6 under the notebook\'s behaviour (seed-replica).');
    expect(text).toContain('"rmsprop last" holds with correct optimizers: 6 of 6');
    expect(text).not.toContain('The two runs differ in more than state and formulation');
  });

  it('a conclusion that holds in most cells only partly comes from the notebook; CI edges count as inside', () => {
    // custom below adam in two of six groups of the corrected run.
    const low = { 'mnist custom default': [0.9, 0.005], 'mnist custom L2': [0.9, 0.005] } as Record<string, [number, number]>;
    const text = summary(shifted('seed-replica', 0.002, 0.005), shifted('seed-study', 0.001, 0.005, {}, low), 'partly');
    expect(text).toContain('"custom first" holds in 4 of 6 cells with correct optimizers (seed-study) and 6 of 6 under the notebook\'s behaviour (seed-replica): it is partly about how the notebook ran the optimizers.');
    // custom 0.75 +- 0.25 and adam 0.5 +- 0.25 everywhere: each mean sits on the other's CI edge.
    const edges = { custom: [0.75, 0.25], adam: [0.5, 0.25] } as Record<string, [number, number]>;
    const c = compareRuns(loadRun(writeRun('edges-rep', shifted('seed-replica', 0.002, 0.005))), loadRun(writeRun('edges-cor', shifted('seed-study', 0, 0.005, {}, edges))));
    expect(findings(c).runs[1].customVsAdam).toEqual({ groups: 6, min: 0.25, max: 0.25, mean: 0.25, withinCis: 6 });
  });

  it('the reference is ranked over the groups the runs cover (all six where they cover none)', () => {
    const nan = (r: ResultsFile) => JSON.stringify(r, (_k, v) => (Number.isNaN(v) ? null : v)); // as results.json holds it
    const gap = { 'mnist adam dropout': [NaN, 0.005] } as Record<string, [number, number]>;
    const c = compareRuns(loadRun(writeRun('cover-rep', nan(shifted('seed-replica', 0.002, 0.005, {}, gap)))), loadRun(writeRun('cover-cor', nan(shifted('seed-study', 0.001, 0.005, {}, gap)))));
    expect(findings(c).reference.ranking.groups).toBe(5);
    const none = { adam: [NaN, 0.005] } as Record<string, [number, number]>;
    const c0 = compareRuns(loadRun(writeRun('none-rep', nan(shifted('seed-replica', 0, 0.005, {}, none)))), loadRun(writeRun('none-cor', nan(shifted('seed-study', 0, 0.005, {}, none)))));
    expect(findings(c0).reference.ranking.groups).toBe(6);
    expect(findings(c0).runs[1].ranking.groups).toBe(0);
    expect(findings(c0).lines.join('\n')).toContain('"custom first": the corrected run has no complete data set x reg cell to rank.');
  });

  it('which run is closer when one measure ties: the other decides; when both tie, they do not agree', () => {
    const line = (rep: ResultsFile, cor: ResultsFile, name: string) => summary(rep, cor, name).split('\n').find((l) => l.startsWith('The reference mean lies inside'))!;
    // Both inside everywhere (tie), the replica nearer on average.
    expect(line(shifted('seed-replica', 0.001, 0.005), shifted('seed-study', 0.003, 0.005), 'tie-ci')).toMatch(
      /So the replica \(seed-replica\) reproduces the notebook's numbers more closely than the corrected study \(seed-study\): where the two part, the reference's numbers follow how the notebook ran the optimizers\.$/,
    );
    // Both outside everywhere (tie at 0): the replica nearer, but it holds no reference inside its CIs.
    expect(line(shifted('seed-replica', 0.01, 0.005), shifted('seed-study', 0.02, 0.005), 'tie-out')).toMatch(/more closely than the corrected study \(seed-study\)\.$/);
    expect(line(shifted('seed-replica', 0.02, 0.005), shifted('seed-study', 0.01, 0.005), 'tie-out-2')).toMatch(/So the corrected study \(seed-study\) is closer to the notebook's numbers than the replica \(seed-replica\)\.$/);
    // Same distance and same CI share: no verdict.
    expect(line(shifted('seed-replica', 0.002, 0.005), shifted('seed-study', 0.002, 0.005), 'tie-both')).toMatch(/The two measures do not agree on which run is closer to the notebook's numbers\.$/);
  });

  it('custom vs adam: a lead that stays, and a cube weight that is not the default', () => {
    const gap = { adam: [0.8, 0.005], custom: [0.85, 0.005] } as Record<string, [number, number]>;
    const stays = summary(shifted('seed-replica', 0.002, 0.005), shifted('seed-study', 0, 0.005, {}, gap), 'stays');
    expect(stays).toContain('custom − adam from +0.0500 to +0.0500 over 6 data set x reg cells (mean +0.0500), each mean inside the other\'s 95% CI in 0 of 6');
    expect(stays).toContain(', yet the lead of custom over adam stays at +0.0500 (reference +0.0222).');
    const weighted = summary(shifted('seed-replica', 0.002, 0.005), shifted('seed-study', 0.001, 0.005, { hyper: { ...PRESETS['seed-study'].hyper, custom: { lr: 1e-3, cube_weight: 0.5 } } }), 'weighted');
    expect(weighted).toContain('custom vs adam in seed-study (correct optimizers), cube weight 0.500: custom − adam');
    expect(weighted).not.toContain('numerically almost Adam');
    expect(weighted).not.toContain('(the default)');
  });

  it('a setting a config lacks, in the protocol note', () => {
    const text = summary(shifted('seed-replica', 0.002, 0.005, { trainSamples: undefined }), shifted('seed-study', 0.001, 0.005, { trainSamples: 1000, dropout: 0.5 }), 'unset');
    expect(text).toContain('The two runs differ in more than state and formulation: training samples unset vs 1000, dropout 0.3 vs 0.5 (seed-replica vs seed-study).');
  });

  it('two measures that disagree, and runs that differ in protocol', () => {
    const text = summary(shifted('seed-replica', 0.004, 0.005), shifted('seed-study', 0.001, 0.0005, { epochs: 5, seeds: [1, 2, 3] }), 'disagree');
    expect(text).toContain('The two measures do not agree on which run is closer to the notebook\'s numbers.');
    expect(text).toContain('The two runs differ in more than state and formulation: seeds 10 vs 3, epochs 10 vs 5 (seed-replica vs seed-study).');
  });
});

describe('rankings per data set x reg group, by hand', () => {
  const ref = (ds: string, o: string, reg: string) => (REFERENCE_ACCURACY as Record<string, Record<string, Record<string, number>>>)[ds][o][reg];
  const except = (changes: Record<string, number>) => (ds: string, o: string, reg: string) => changes[`${ds} ${o} ${reg}`] ?? ref(ds, o, reg);

  it('the reference against itself: custom first and rmsprop last everywhere (mnist L2 ties rmsprop with sgd at 0.956)', () => {
    expect(ranking(ref)).toEqual({ groups: 6, customFirst: 6, rmspropLast: 6, sameOrder: 6 });
    expect([...completeGroups(ref)].sort()).toEqual(['fashion-mnist L2', 'fashion-mnist default', 'fashion-mnist dropout', 'mnist L2', 'mnist default', 'mnist dropout']);
  });

  it('ties share a place; a pair the reference separates must keep its order, a pair it ties may not', () => {
    // custom tied with adam (0.963): still first, but the pair the reference separates is now tied.
    expect(ranking(except({ 'mnist custom default': 0.963 }))).toEqual({ groups: 6, customFirst: 6, rmspropLast: 6, sameOrder: 5 });
    // rmsprop best in one group: neither custom first nor rmsprop last there.
    expect(ranking(except({ 'fashion-mnist rmsprop default': 0.99 }))).toEqual({ groups: 6, customFirst: 5, rmspropLast: 5, sameOrder: 5 });
    // sgd below rmsprop in mnist L2, where the reference ties them: the order still agrees.
    expect(ranking(except({ 'mnist sgd L2': 0.95, 'mnist rmsprop L2': 0.955 }))).toEqual({ groups: 6, customFirst: 6, rmspropLast: 5, sameOrder: 6 });
  });

  it('a group lacking a mean is left out; `only` restricts the groups', () => {
    const gap = except({ 'mnist adam L2': NaN });
    expect(ranking(gap).groups).toBe(5);
    expect(completeGroups(gap).has('mnist L2')).toBe(false);
    expect(completeGroups(gap).size).toBe(5);
    expect(ranking(ref, new Set(['mnist L2', 'fashion-mnist dropout']))).toEqual({ groups: 2, customFirst: 2, rmspropLast: 2, sameOrder: 2 });
    expect(ranking(() => NaN)).toEqual({ groups: 0, customFirst: 0, rmspropLast: 0, sameOrder: 0 });
  });
});

// Runs the CLI in a child process: left out of mutation testing (vitest.mutation.config.ts
// sets OPTBENCH_MUTATION), where a child would not see the mutant.
describe.skipIf(process.env.OPTBENCH_MUTATION === '1')('npm run bench -- --compare', () => {
  it('writes both files and prints the Markdown', async () => {
    const out = join(tmp, 'cli-out');
    const r = await runBench(['--compare', STUDY_DIR, REPLICA_DIR, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, 'compare.md'))).toBe(true);
    expect(existsSync(join(out, 'compare.html'))).toBe(true);
    expect(r.stdout).toBe(readFileSync(join(out, 'compare.md'), 'utf8'));
    expect(r.stdout).toContain('| fashion-mnist | rmsprop | dropout | 0.3140 | 0.3160 [0.3110, 0.3210] | +0.0020 | inside | 0.8870 [0.8830, 0.8910] | +0.5730 | outside | +0.5710 |');
    expect(r.stdout).toContain('- seed-replica (replays the notebook): ');
    // the output directory must be new or empty
    const again = await runBench(['--compare', STUDY_DIR, REPLICA_DIR, '--out', out]);
    expect(again.code).toBe(2);
    expect(ownErrors(again.stderr)).toEqual([`bench: ${out} is not empty; choose another --out`]);
  });

  it('exits 2 with one line on a directory without results.json or with invalid JSON', async () => {
    const empty = join(tmp, 'cli-empty');
    mkdirSync(empty, { recursive: true });
    const missing = await runBench(['--compare', empty, REPLICA_DIR, '--out', join(tmp, 'cli-x')]);
    expect(missing.code).toBe(2);
    expect(ownErrors(missing.stderr)).toEqual([`bench: ${empty} holds no results.json (not a finished run directory)`]);
    expect(missing.stdout).toBe('');
    const bad = writeRun('cli-bad', 'not json');
    const invalid = await runBench(['--compare', REPLICA_DIR, bad]);
    expect(invalid.code).toBe(2);
    const lines = ownErrors(invalid.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^bench: ${join(bad, 'results.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON: `));
    expect(existsSync(join(tmp, 'cli-x'))).toBe(false);
  });

  it('takes positionals only with --compare, and exactly two', async () => {
    const stray = await runBench(['somewhere']);
    expect(stray.code).toBe(2);
    expect(ownErrors(stray.stderr)).toEqual(["bench: Unexpected argument 'somewhere'. This command does not take positional arguments (see --help)"]);
    const one = await runBench(['--compare', REPLICA_DIR]);
    expect(one.code).toBe(2);
    expect(ownErrors(one.stderr)).toEqual(['bench: --compare needs exactly two run directories (--compare DIR1 DIR2), got 1']);
    const flag = await runBench(['--compare', REPLICA_DIR, STUDY_DIR, '--epochs', '3']);
    expect(flag.code).toBe(2);
    expect(ownErrors(flag.stderr)).toEqual(['bench: --compare takes only two run directories and --out, not --epochs']);
  });
});

describe('intervals of runs written before the method was named', () => {
  it('are computed afresh from their trials by interval.ts, so both runs are compared by one method; named ones are kept', () => {
    const old = study();
    const accs = [0.97, 0.99, 1];
    old.trials = accs.map((a, k) => ({ id: `mnist/sgd/default/${k}`, dataset: 'mnist', optimizer: 'sgd', reg: 'default', seed: k, testAccuracy: a, diverged: false }) as unknown as TrialRecord);
    const run = loadRun(writeRun('old-intervals', old));
    const sgd = run.results.statistics.find((s) => s.dataset === 'mnist' && s.optimizer === 'sgd' && s.reg === 'default')!;
    expect(sgd.robustness.ci95).toEqual(accuracyCi95(accs));
    expect(sgd.robustness.ciMethod).toBe(ACCURACY_CI_METHOD);
    // A cell without trials in the file keeps the interval it holds.
    const adam = run.results.statistics.find((s) => s.dataset === 'mnist' && s.optimizer === 'adam' && s.reg === 'default')!;
    expect(adam.robustness.ci95).toEqual([0.978 - 0.004, 0.978 + 0.004]);
    const named = study();
    named.statistics[0].robustness = { ...named.statistics[0].robustness, ci95: [0.1, 0.2], ciMethod: 'x' };
    named.trials = old.trials;
    expect(loadRun(writeRun('named-intervals', named)).results.statistics[0].robustness.ci95).toEqual([0.1, 0.2]);
  });
});
