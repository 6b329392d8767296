import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleSummary, writeReport } from '../src/bench/report/index.ts';
import { trialsCsv } from '../src/bench/report/csv.ts';
import { mdCell, mdText } from '../src/bench/report/markdown.ts';
import { kernelTable } from '../src/bench/report/tables.ts';
import { accuracySpec, MEAN_LABEL, REFERENCE_LABEL } from '../src/bench/report/plots.ts';
import { StudyIndex } from '../src/bench/report/study.ts';
import { writeOutputs } from '../src/bench/study/outputs.ts';
import { cellStats } from '../src/bench/results/stats.ts';
import type { CellLists, CellStats, EpochRecord, RegMode, ResultsFile, TrialRecord } from '../src/bench/results/types.ts';
import { useTempDirs } from './helpers/temp.ts';

const tempDir = useTempDirs('report');

const DATASETS = ['mnist', 'fashion-mnist'];
const OPTIMIZERS = ['sgd', 'my<opt'];
const REGS: RegMode[] = ['default', 'L2'];
const SEEDS = [11, 22, 33];
const EPOCHS = 3;
const MODELS = OPTIMIZERS.flatMap((o) => REGS.map((r) => `${o}_${r}`));
/** The one diverged trial. */
const DIVERGED = { dataset: 'mnist', optimizer: 'my<opt', reg: 'L2' as RegMode, seed: 22 };

/** Hand-picked numbers for mnist / sgd / default, checked against the tables below. */
const SGD_SECONDS = [1.5, 2.5, 3.5]; // mean 2.50, sample std 1.00
const SGD_ACCURACY = [0.91, 0.92, 0.96]; // mean 0.9300, sample std 0.0265

function trial(dataset: string, optimizer: string, reg: RegMode, seed: number, s: number): TrialRecord {
  const o = OPTIMIZERS.indexOf(optimizer);
  const r = REGS.indexOf(reg);
  const k = SEEDS.indexOf(seed);
  const diverged = dataset === DIVERGED.dataset && optimizer === DIVERGED.optimizer && reg === DIVERGED.reg && seed === DIVERGED.seed;
  const sgdDefault = dataset === 'mnist' && optimizer === 'sgd' && reg === 'default';
  const epochs: EpochRecord[] = Array.from({ length: EPOCHS }, (_, e) => {
    const lost = diverged && e >= 1;
    return {
      epoch: e,
      trainLoss: lost ? NaN : 1.5 / (e + 1) + 0.1 * o + 0.05 * r + 0.02 * k + 0.01 * s,
      trainAccuracy: lost ? NaN : 0.7 + 0.08 * e,
      valLoss: lost ? NaN : 1.4 / (e + 1),
      valAccuracy: lost ? NaN : 0.8 + 0.05 * e + 0.01 * k,
      seconds: 0.5,
    };
  });
  return {
    id: `${dataset}/${optimizer}/${reg}/${seed}`,
    dataset, optimizer, reg, seed,
    hyper: { lr: 0.1 },
    l2: reg === 'L2' ? 0.7 : 0,
    dropout: 0,
    resetEveryStep: false,
    epochs,
    testLoss: diverged ? NaN : 0.3,
    testAccuracy: diverged ? NaN : sgdDefault ? SGD_ACCURACY[k] : 0.85 + 0.02 * o + 0.01 * r + 0.005 * k + 0.03 * s,
    diverged,
    divergedEpoch: diverged ? 1 : null,
    seconds: sgdDefault ? SGD_SECONDS[k] : 4 + o + 0.5 * r + 0.1 * k,
    samplesPerSecond: 20000 + 1000 * o,
    groupSize: 4,
    updateMsPerStep: optimizer === 'sgd' ? 0.125 : null,
  };
}

/** The cell statistics as a run computes them (src/bench/results/stats.ts): the tables'
 * hand-computed numbers below then check the statistics too, not a copy made here. */
function stats(trials: TrialRecord[]): CellStats {
  const t0 = trials[0];
  return cellStats(t0.dataset, t0.optimizer, t0.reg, trials, 0.85);
}

function lists(trials: TrialRecord[]): CellLists {
  const bySeed = (f: (e: EpochRecord) => number | null) => Object.fromEntries(trials.map((t) => [String(t.seed), t.epochs.map((e) => f(e) ?? NaN)]));
  return {
    test_cce_list: trials.map((t) => t.testLoss),
    test_acc_list: trials.map((t) => t.testAccuracy),
    cputime_list: trials.map((t) => t.seconds),
    train_acc_list_dict: bySeed((e) => e.trainAccuracy),
    val_acc_list_dict: bySeed((e) => e.valAccuracy),
    train_cce_list_dict: bySeed((e) => e.trainLoss),
  };
}

function synthetic(): ResultsFile {
  const trials: TrialRecord[] = [];
  const statistics: CellStats[] = [];
  const results: ResultsFile['results'] = {};
  DATASETS.forEach((ds, s) => {
    results[ds] = {};
    for (const opt of OPTIMIZERS) {
      results[ds][opt] = {};
      for (const reg of REGS) {
        const cell = SEEDS.map((seed) => trial(ds, opt, reg, seed, s));
        trials.push(...cell);
        statistics.push(stats(cell));
        results[ds][opt][reg] = lists(cell);
      }
    }
  });
  return {
    schema: 'webgpu-optbench/results@1',
    createdAt: '2025-01-01T00:00:00.000Z',
    complete: true,
    plannedTrials: trials.length,
    config: { preset: 'tiny<&>"preset', datasets: DATASETS, optimizers: OPTIMIZERS, regs: REGS, seeds: SEEDS, epochs: EPOCHS, batch: 128, note: '<script>alert(1)</script>' },
    environment: {
      backend: 'opengles', featureLevel: 'compatibility', adapter: 'llvmpipe <LLVM 15>', isCpu: true, timing: 'cpu', node: 'v20.0.0',
      platform: 'linux x64', cpus: '2 x Test CPU', packages: { webgpu: '0.6.2' }, gitCommit: 'abc123',
    },
    mode: { batched: true, trialsAtOnce: 4, peakGpuBytes: 48 * 2 ** 20 },
    wallSeconds: 123.4,
    results,
    statistics,
    kernels: {
      source: 'timestamp-query',
      rows: [
        { kernel: 'matmul<4x8>', calls: 1200, totalMs: 300, meanUs: 250, share: 0.75 },
        { kernel: 'softmax_ce', calls: 400, totalMs: 100, meanUs: 250, share: 0.25 },
      ],
    },
    trials,
  };
}

/** The Markdown table under `### <title>`: header and rows as cell arrays. */
function mdTable(md: string, title: string): { header: string[]; rows: string[][] } {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('#') && l.includes(title));
  expect(start, `table "${title}"`).toBeGreaterThanOrEqual(0);
  const body: string[] = [];
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('#'); i++) if (lines[i].startsWith('|')) body.push(lines[i]);
  const cells = (l: string) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\(.)/g, '$1'));
  return { header: cells(body[0]), rows: body.slice(2).map(cells) };
}

function cell(t: { header: string[]; rows: string[][] }, row: string, col: string): string {
  const r = t.rows.find((x) => x[0] === row);
  expect(r, `row ${row}`).toBeDefined();
  const j = t.header.indexOf(col);
  expect(j, `column ${col}`).toBeGreaterThan(0);
  return r![j];
}

describe('report', () => {
  const results = synthetic();

  it('writes tables.md, three SVGs per data set and index.html', async () => {
    const dir = tempDir();
    const files = await writeReport(dir, results);
    // three SVGs per data set, a critical-difference diagram per metric, tables.md, index.html
    expect(files.all).toHaveLength(DATASETS.length * 3 + 3 + 2);
    for (const f of files.all) expect(existsSync(f), f).toBe(true);
    expect(Object.keys(files.plots)).toEqual(DATASETS);
    expect(basename(files.plots['fashion-mnist'].loss)).toBe('loss-fashion-mnist.svg');

    for (const ds of DATASETS) {
      const titles = { loss: 'Training loss per epoch', accuracy: 'Final test accuracy', time: 'Time per trial' };
      for (const kind of ['loss', 'accuracy', 'time'] as const) {
        const svg = readFileSync(files.plots[ds][kind], 'utf8');
        expect(svg.startsWith('<svg')).toBe(true);
        expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
        expect(svg).toContain(`${titles[kind]} — ${ds}`);
        expect(svg).not.toContain('NaN');
        // one legend entry (loss) or axis label (accuracy, time) per model, its name escaped
        for (const m of MODELS) expect(svg, `${kind} ${m}`).toContain(`>${m.replace('<', '&lt;')}</text>`);
        expect(svg).not.toContain('my<opt');
      }
      const loss = readFileSync(files.plots[ds].loss, 'utf8');
      expect(loss).toContain(ds === 'mnist' ? '1 diverged trial' : 'no diverged trials');
      expect(loss).toContain('training loss');
      expect(loss).toContain('epoch');
    }
  });

  it('the plots draw the numbers: means, bands, points and error bars, checked by hand (mnist)', async () => {
    const files = await writeReport(tempDir(), results);
    // Vega labels every mark with its data (aria-label): read them back.
    const marks = (kind: 'loss' | 'accuracy' | 'time') =>
      [...readFileSync(files.plots.mnist[kind], 'utf8').matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1].replace(/&lt;/g, '<'));
    // Time: sgd_default's bar at the mean of 1.5, 2.5, 3.5 s; its error bar at 2.5 -+ 1 (std).
    const time = marks('time');
    expect(time).toContain('optimizer_reg: sgd_default; seconds per trial: 2.5; model: sgd_default');
    expect(time).toContain('optimizer_reg: sgd_default; seconds per trial: 1.5; upper_lo: 3.5; hi: 3.5; lo: 1.5');
    // Accuracy: one point per seed (0.91, 0.92, 0.96) and the mean 0.93; none for the diverged trial.
    const acc = marks('accuracy');
    for (const [seed, a] of [[11, '0.9100'], [22, '0.9200'], [33, '0.9600']]) expect(acc.some((l) => l.includes(`model: sgd_default; seed: ${seed}; accuracy: ${a}`))).toBe(true);
    expect(acc.some((l) => l.includes('final test accuracy: 0.93; to: 0.36;'))).toBe(true);
    expect(acc.some((l) => l.includes('final test accuracy: 0.885; to: 3.36;'))).toBe(true); // my<opt_L2: (0.88 + 0.89) / 2
    expect(acc.filter((l) => l.includes('model: my<opt_L2; seed:'))).toHaveLength(2);
    expect(acc.some((l) => l.includes('model: my<opt_L2; seed: 22;'))).toBe(false);
    // Loss: sgd_default's epoch-1 losses are 1.50, 1.52, 1.54 (mean 1.52, band 1.50..1.54);
    // epochs 2 and 3: 0.75 and 0.50 + 0.02 on average. my<opt_L2 (+0.15) keeps two seeds
    // after its divergence: epoch 2 mean (0.90 + 0.94) / 2.
    const loss = marks('loss');
    expect(loss).toContain('epoch: 1; training loss: 1.5; upper_min: 1.54; optimizer_reg: sgd_default; max: 1.54; min: 1.5');
    for (const [e, l] of [[1, 1.52], [2, 0.77], [3, 0.52]]) expect(loss).toContain(`epoch: ${e}; training loss: ${l}; optimizer_reg: sgd_default`);
    expect(loss).toContain('epoch: 2; training loss: 0.92; optimizer_reg: my<opt_L2');
  });

  it('tables.md holds the tables, the hand-computed means and no NaN', async () => {
    const dir = tempDir();
    const files = await writeReport(dir, results);
    const md = readFileSync(files.tables, 'utf8');
    expect(md).not.toContain('NaN');

    const time = mdTable(md, 'Time per trial (s) — mnist');
    expect(time.header).toEqual(['seed', ...MODELS]);
    expect(time.rows.map((r) => r[0])).toEqual([...SEEDS.map(String), 'mean', 'std']);
    expect(cell(time, '11', 'sgd_default')).toBe('1.50');
    expect(cell(time, 'mean', 'sgd_default')).toBe('2.50');
    expect(cell(time, 'std', 'sgd_default')).toBe('1.00');

    const acc = mdTable(md, 'Final test accuracy — mnist');
    expect(acc.header).toEqual(['seed', ...MODELS]);
    expect(cell(acc, '33', 'sgd_default')).toBe('0.9600');
    expect(cell(acc, 'mean', 'sgd_default')).toBe('0.9300');
    expect(cell(acc, 'std', 'sgd_default')).toBe('0.0265');
    // Student's t on the logits of 0.91, 0.92, 0.96, mapped back (SciPy: 0.815497, 0.978188);
    // on the accuracies themselves it would be 0.93 -+ 0.0657 = [0.8643, 0.9957].
    expect(cell(acc, '95% CI', 'sgd_default')).toBe('[0.8155, 0.9782]');
    expect(cell(acc, '22', 'my<opt_L2')).toBe('diverged');

    const stab = mdTable(md, 'Stability: variance of the training loss across seeds — mnist');
    expect(stab.rows.map((r) => r[0])).toEqual(['1', '2', '3', 'mean']);
    // losses of seeds 11, 22, 33 differ by 0.02: population variance 0.0008 / 3
    expect(cell(stab, '1', 'sgd_default')).toBe('2.67e-4');

    const tt = mdTable(md, 'Time to target, divergences and speed — mnist');
    expect(tt.header).toEqual(['seed', ...MODELS]);
    // val accuracy 0.80, 0.85, 0.90 (+0.01 per seed index): seed 11 (0.80, 0.85) and seed 33
    // (0.82, 0.87) both reach 0.85 in epoch 2
    expect(cell(tt, '11', 'sgd_default')).toBe('2');
    expect(cell(tt, '33', 'sgd_default')).toBe('2');
    expect(cell(tt, '22', 'my<opt_L2')).toBe('diverged');
    expect(cell(tt, 'diverged', 'my<opt_L2')).toBe('1');
    expect(cell(tt, 'diverged', 'sgd_default')).toBe('0');
    expect(cell(tt, 'samples/s', 'my<opt_default')).toBe('21000');
    expect(cell(tt, 'update ms/step', 'sgd_L2')).toBe('0.125');
    expect(cell(tt, 'update ms/step', 'my<opt_L2')).toBe('—');

    const kernels = mdTable(md, 'Per-kernel GPU time');
    expect(kernels.header).toEqual(['kernel', 'calls', 'total ms', 'mean µs', 'share %', 'first calls ms']);
    expect(cell(kernels, 'matmul<4x8>', 'share %')).toBe('75.0');

    expect(mdTable(md, 'Final test accuracy — fashion-mnist').header).toEqual(['seed', ...MODELS]);
  });

  it('tables.md opens with the run line and the summary tables, line for line (values by hand)', async () => {
    const md = readFileSync((await writeReport(tempDir(), results)).tables, 'utf8');
    // 24 trials (2 data sets x 2 optimizers x 2 modes x 3 seeds); 123.4 s. mnist my<opt L2:
    // accuracy from seeds 11 and 33 (0.88, 0.89: mean 0.885, std 0.0071), time from all three
    // (5.5, 5.6, 5.7 s).
    const summary = (ds: string, rows: string[]) => [`### Summary — ${ds}`, '', 'Final test accuracy, mean ± std over seeds · mean time per trial.', '', '| optimizer | default | L2 |', '|:---|---:|---:|', ...rows, ''];
    expect(md.split('\n').slice(0, 26)).toEqual([
      '# Optimizer benchmark: tiny\\<&>"preset',
      '',
      'Created 2025-01-01T00:00:00.000Z; 24 of 24 planned trials; wall time 2 min 3 s; adapter llvmpipe \\<LLVM 15> (opengles); batched, 4 trials at once.',
      '',
      '## Summary',
      '',
      ...summary('mnist', ['| sgd | 0.9300 ± 0.0265 · 2.50 s | 0.8650 ± 0.0050 · 4.60 s |', '| my\\<opt | 0.8750 ± 0.0050 · 5.10 s | 0.8850 ± 0.0071 · 5.60 s · 1 diverged |']),
      ...summary('fashion-mnist', ['| sgd | 0.8850 ± 0.0050 · 4.10 s | 0.8950 ± 0.0050 · 4.60 s |', '| my\\<opt | 0.9050 ± 0.0050 · 5.10 s | 0.9150 ± 0.0050 · 5.60 s |']),
      '### Conclusions',
      '',
    ]);
    expect(md.indexOf('## Against the reference study')).toBeGreaterThan(md.indexOf('### Conclusions'));
    expect(md).toContain('\n\nThis run (tiny\\<&>"preset) keeps every optimizer\'s state across steps (correct optimizers).\n\n');
  });

  it('tables.md: the stability, time-to-target and kernel tables whole (mnist; values by hand)', async () => {
    const md = readFileSync((await writeReport(tempDir(), results)).tables, 'utf8');
    const block = (title: string, n: number) => {
      const ls = md.split('\n');
      const at = ls.findIndex((l) => l === title);
      expect(at, title).toBeGreaterThanOrEqual(0);
      return ls.slice(at, at + n);
    };
    const head = '| epoch | sgd_default | sgd_L2 | my\\<opt_default | my\\<opt_L2 |';
    // Population variance of 3 losses 0.02 apart: 2.67e-4; of 2 losses 0.04 apart (my<opt L2
    // after its divergence): 4.00e-4; its mean over epochs (2.67 + 4 + 4) / 3 = 3.56e-4.
    expect(block('### Stability: variance of the training loss across seeds — mnist', 10)).toEqual([
      '### Stability: variance of the training loss across seeds — mnist', '', 'One row per epoch (counted from 1), then the mean over epochs; lower is more stable.', '',
      head, '|:---|---:|---:|---:|---:|',
      '| 1 | 2.67e-4 | 2.67e-4 | 2.67e-4 | 2.67e-4 |', '| 2 | 2.67e-4 | 2.67e-4 | 2.67e-4 | 4.00e-4 |', '| 3 | 2.67e-4 | 2.67e-4 | 2.67e-4 | 4.00e-4 |', '| mean | 2.67e-4 | 2.67e-4 | 2.67e-4 | 3.56e-4 |',
    ]);
    // Validation accuracy 0.80 + 0.05 e + 0.01 k: every seed reaches 0.85 in epoch 2.
    expect(block('### Time to target, divergences and speed — mnist', 14)).toEqual([
      '### Time to target, divergences and speed — mnist', '',
      "Per seed: the first epoch (counted from 1) whose validation accuracy reached 0.85; — when never. Speed: training samples per second, and the optimizer update's GPU time per step where profiled.", '',
      head.replace('epoch', 'seed'), '|:---|---:|---:|---:|---:|',
      '| 11 | 2 | 2 | 2 | 2 |', '| 22 | 2 | 2 | 2 | diverged |', '| 33 | 2 | 2 | 2 | 2 |',
      '| reached target | 3/3 | 3/3 | 3/3 | 2/3 |', '| diverged | 0 | 0 | 0 | 1 |', '| samples/s | 20000 | 20000 | 21000 | 21000 |', '| update ms/step | 0.125 | 0.125 | — | — |', '',
    ]);
    // 300 ms over 1200 calls: 250 us; shares 0.75 and 0.25 shown in percent.
    expect(block('## Per-kernel GPU time', 8)).toEqual([
      '## Per-kernel GPU time', '', 'Source: timestamp-query. Each pipeline\'s first call, where the driver compiles it, is counted apart ("first calls ms").', '',
      '| kernel | calls | total ms | mean µs | share % | first calls ms |', '|:---|---:|---:|---:|---:|---:|',
      '| matmul\\<4x8> | 1200 | 300.0 | 250 | 75.0 | — |', '| softmax_ce | 400 | 100.0 | 250 | 25.0 | — |',
    ]);
  });

  it('computes means from the trials where the statistics lack a cell', async () => {
    const partial: ResultsFile = { ...results, statistics: results.statistics.filter((s) => !(s.dataset === 'mnist' && s.optimizer === 'sgd' && s.reg === 'default')) };
    const md = readFileSync((await writeReport(tempDir(), partial)).tables, 'utf8');
    const time = mdTable(md, 'Time per trial (s) — mnist');
    expect(cell(time, 'mean', 'sgd_default')).toBe('2.50');
    expect(cell(time, 'std', 'sgd_default')).toBe('1.00');
    const acc = mdTable(md, 'Final test accuracy — mnist');
    expect(cell(acc, 'mean', 'sgd_default')).toBe('0.9300');
    expect(cell(acc, '95% CI', 'sgd_default')).toBe('—');
    // Speed from the trials too: 20000 samples/s each, 0.125 ms per update.
    const tt = mdTable(md, 'Time to target, divergences and speed — mnist');
    expect([cell(tt, 'samples/s', 'sgd_default'), cell(tt, 'update ms/step', 'sgd_default'), cell(tt, 'reached target', 'sgd_default')]).toEqual(['20000', '0.125', '—']);
    expect(cell(mdTable(md, 'Stability: variance of the training loss across seeds — mnist'), '1', 'sgd_default')).toBe('2.67e-4');
    expect(md).not.toContain('NaN');
  });

  it('index.html is self-contained, inlines the SVGs and escapes text', async () => {
    const files = await writeReport(tempDir(), results);
    const html = readFileSync(files.html, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|\ssrc=/i);
    expect(html).not.toContain('NaN');
    // escaped: optimizer name, preset, adapter, kernel name, a config field
    expect(html).not.toContain('my<opt');
    expect(html).toContain('my&lt;opt_L2');
    expect(html).toContain('tiny&lt;&amp;&gt;&quot;preset');
    expect(html).toContain('llvmpipe &lt;LLVM 15&gt;');
    expect(html).toContain('matmul&lt;4x8&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // run summary, environment, mode
    for (const s of ['batched', 'opengles', 'v20.0.0', '48.0 MiB', '2 min 3 s', '11, 22, 33', '128']) expect(html).toContain(s);
    // tables and plots of both data sets
    for (const ds of DATASETS) {
      expect(html).toContain(`<h3>Time per trial (s) — ${ds}</h3>`);
      expect(html).toContain(`<h3>Final test accuracy — ${ds}</h3>`);
      expect(html).toContain(`Training loss per epoch — ${ds}`);
    }
    expect((html.match(/<svg/g) ?? []).length).toBe(DATASETS.length * 3 + 3); // and a critical-difference diagram per metric
    expect(html).toContain('<td>0.9300</td>');
    expect(html).toContain('<td>diverged</td>');
    expect(html).toContain('<th>share %</th>');
    // ids of the inlined SVGs are unique in the page
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('results.json writes NaN as null; trials.csv holds one row per trial and epoch, NaN as an empty cell', async () => {
    const dir = tempDir();
    await writeOutputs(dir, results);
    const text = readFileSync(join(dir, 'results.json'), 'utf8');
    expect(text).not.toContain('NaN');
    const json = JSON.parse(text) as { trials: Array<Record<string, unknown> & { epochs: Array<Record<string, unknown>> }> };
    const lost = json.trials.find((t) => t.id === 'mnist/my<opt/L2/22')!;
    expect([lost.testLoss, lost.testAccuracy, lost.diverged, lost.divergedEpoch]).toEqual([null, null, true, 1]);
    expect(lost.epochs[1]).toEqual({ epoch: 1, trainLoss: null, trainAccuracy: null, valLoss: null, valAccuracy: null, seconds: 0.5 });
    expect(lost.epochs[0].trainLoss).toBeCloseTo(1.5 + 0.1 + 0.05 + 0.02, 12);

    const [header, ...rows] = readFileSync(join(dir, 'trials.csv'), 'utf8').trimEnd().split('\n');
    expect(header).toBe('dataset,optimizer,reg,seed,epoch,train_loss,train_acc,val_loss,val_acc,epoch_seconds,test_loss,test_acc,trial_seconds,samples_per_second,diverged,diverged_epoch,group_size,reset_every_step');
    expect(rows).toHaveLength(DATASETS.length * MODELS.length * SEEDS.length * EPOCHS);
    // mnist / sgd / default / seed 11, epoch 1: the values trial() gives it, written out.
    expect(rows[0]).toBe('mnist,sgd,default,11,1,1.5,0.7,1.4,0.8,0.5,0.3,0.91,1.5,20000,false,,4,false');
    // The diverged trial: epochs 2 and 3 empty, test empty, diverged in epoch 2 (counted from 1).
    const mine = rows.filter((r) => r.startsWith('mnist,my<opt,L2,22,'));
    expect(mine).toHaveLength(3);
    expect(mine[1]).toBe('mnist,my<opt,L2,22,2,,,,,0.5,,,5.6,21000,true,2,4,false');
    expect(rows.filter((r) => r.includes(',true,')).length).toBe(3);
  });

  it('leaves no temp files behind and keeps other files', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'results.json'), '{}');
    const first = await writeReport(dir, results);
    const second = await writeReport(dir, results);
    expect(second.all).toEqual(first.all);
    expect(readdirSync(dir).sort()).toEqual(['results.json', ...first.all.map((f) => basename(f))].sort());
  });

  it('writes into a directory it creates', async () => {
    const dir = join(tempDir(), 'nested', 'report');
    const files = await writeReport(dir, results);
    for (const f of files.all) expect(existsSync(f)).toBe(true);
  });

  it('survives a cell whose every trial diverged and a data set without statistics', async () => {
    const lost = (t: TrialRecord): TrialRecord => ({
      ...t, diverged: true, divergedEpoch: 0, testLoss: NaN, testAccuracy: NaN,
      epochs: t.epochs.map((e) => ({ ...e, trainLoss: NaN, trainAccuracy: NaN, valLoss: NaN, valAccuracy: NaN })),
    });
    const isLostCell = (x: { dataset: string; optimizer: string; reg: string }) => x.dataset === 'mnist' && x.optimizer === 'sgd' && x.reg === 'L2';
    const broken: ResultsFile = {
      ...results,
      trials: results.trials.map((t) => (isLostCell(t) ? lost(t) : t)),
      statistics: results.statistics
        .filter((s) => s.dataset === 'mnist')
        .map((s) => (isLostCell(s) ? stats(results.trials.filter(isLostCell).map(lost)) : s)),
      kernels: null,
    };
    const files = await writeReport(tempDir(), broken);
    const md = readFileSync(files.tables, 'utf8');
    const html = readFileSync(files.html, 'utf8');
    for (const text of [md, html]) expect(text).not.toContain('NaN');
    expect(md).not.toContain('Per-kernel GPU time');
    const acc = mdTable(md, 'Final test accuracy — mnist');
    expect(cell(acc, 'mean', 'sgd_L2')).toBe('—');
    expect(cell(acc, '11', 'sgd_L2')).toBe('diverged');
    expect(cell(mdTable(md, 'Time to target, divergences and speed — mnist'), 'diverged', 'sgd_L2')).toBe('3');
    // fashion-mnist has no statistics: means come from the trials
    expect(cell(mdTable(md, 'Final test accuracy — fashion-mnist'), 'mean', 'sgd_default')).toBe('0.8850');
    for (const kind of ['loss', 'accuracy', 'time'] as const) {
      const svg = readFileSync(files.plots.mnist[kind], 'utf8');
      expect(svg).not.toContain('NaN');
      expect(svg).toContain('>sgd_L2</text>');
    }
    expect(readFileSync(files.plots.mnist.loss, 'utf8')).toContain('4 diverged trials');
  });

  it('compares the run with the reference study in tables.md, index.html and the console', async () => {
    // The four sgd cells' means and CIs, given here; fashion-mnist / sgd / L2 sits next to
    // the reference (0.859): the one cell whose CI holds it.
    const given: Record<string, [number, [number, number]]> = {
      'mnist/default': [0.93, [0.92, 0.94]], 'mnist/L2': [0.865, [0.855, 0.875]],
      'fashion-mnist/default': [0.885, [0.875, 0.895]], 'fashion-mnist/L2': [0.86, [0.85, 0.87]],
    };
    const near: ResultsFile = {
      ...results,
      statistics: results.statistics.map((s) => {
        const g = s.optimizer === 'sgd' ? given[`${s.dataset}/${s.reg}`] : undefined;
        return g ? { ...s, robustness: { ...s.robustness, mean: g[0], ci95: g[1] } } : s;
      }),
    };
    const files = await writeReport(tempDir(), near);
    const md = readFileSync(files.tables, 'utf8');
    expect(md).toContain('## Against the reference study');
    const t = mdTable(md, 'Mean test accuracy: this run vs the reference study');
    expect(t.header).toEqual(['data set', 'optimizer', 'reg', 'reference', 'this run', '95% CI', 'n', 'run − reference', 'reference vs CI']);
    // only sgd is a reference optimizer; data sets in the run's order
    expect(t.rows).toEqual([
      ['mnist', 'sgd', 'default', '0.9560', '0.9300', '[0.9200, 0.9400]', '3', '-0.0260', 'outside'],
      ['mnist', 'sgd', 'L2', '0.9560', '0.8650', '[0.8550, 0.8750]', '3', '-0.0910', 'outside'],
      ['fashion-mnist', 'sgd', 'default', '0.8580', '0.8850', '[0.8750, 0.8950]', '3', '+0.0270', 'outside'],
      ['fashion-mnist', 'sgd', 'L2', '0.8590', '0.8600', '[0.8500, 0.8700]', '3', '+0.0010', 'inside'],
    ]);
    expect(md).toContain("The reference mean lies outside this run's 95% CI in 3 of 4 cells with a CI.");
    expect(md).toContain('Not in the reference study, so left out: mnist my\\<opt_default, mnist my\\<opt_L2, fashion-mnist my\\<opt_default, fashion-mnist my\\<opt_L2.');
    expect(md).toContain("Not the reference's protocol: 3 seeds (reference 10), 3 epochs (reference 10)");
    expect(md).toContain("keeps every optimizer's state across steps");

    const html = readFileSync(files.html, 'utf8');
    expect(html).toContain('<h2 id="reference">Against the reference study</h2>');
    expect(html).toContain('<td>-0.0260</td><td class="flag">outside</td></tr>');
    expect(html).toContain('<td>+0.0010</td><td>inside</td></tr>');
    expect(html).toContain('left out: mnist my&lt;opt_default');
    expect(html).not.toContain('my<opt');

    const con = consoleSummary(near);
    expect(con).toContain("run − reference; * = reference outside the run's 95% CI (3 of 4 cells). 4 cells not in the reference left out.");
    expect(con).toContain('### Run − reference — mnist');
    expect(con).toContain('| sgd | -0.0260 * | -0.0910 * |');
    expect(con).toContain('| sgd | +0.0270 * | +0.0010 |');
  });

  it("accuracy plots mark the reference study's mean in the cells that have one, for seed-study and seed-replica runs", async () => {
    // The published means (DESIGN.md): only sgd of this run's optimizers is in the reference.
    const published: Record<string, Record<string, number>> = { mnist: { sgd_default: 0.956, sgd_L2: 0.956 }, 'fashion-mnist': { sgd_default: 0.858, sgd_L2: 0.859 } };
    const replica: ResultsFile = { ...results, config: { ...results.config, preset: 'seed-replica', resetStateEveryStep: ['sgd'] } };
    for (const run of [results, replica]) {
      const ix = new StudyIndex(run);
      for (const ds of DATASETS) {
        const spec = accuracySpec(ix, ds) as { layer: Array<{ data: { values: Array<{ model: string; kind?: string; accuracy: number }> } }> };
        const rules = spec.layer.flatMap((l) => l.data.values).filter((v) => v.kind !== undefined);
        const refs = Object.fromEntries(rules.filter((r) => r.kind === REFERENCE_LABEL).map((r) => [r.model, r.accuracy]));
        expect(refs, `${run.config.preset} ${ds}`).toEqual(published[ds]);
        // every model keeps its mean rule; none of my<opt's cells has a reference
        expect(rules.filter((r) => r.kind === MEAN_LABEL).map((r) => r.model)).toEqual(MODELS);
      }
    }
    const files = await writeReport(tempDir(), replica);
    const svg = readFileSync(files.plots.mnist.accuracy, 'utf8');
    expect(svg.split(`>${REFERENCE_LABEL}</text>`)).toHaveLength(2); // one legend entry
    expect(svg.split(`>${MEAN_LABEL}</text>`)).toHaveLength(2);
  });

  it('accuracy plots of a run without reference cells draw no reference and no legend', () => {
    const none: ResultsFile = { ...results, trials: results.trials.filter((t) => t.optimizer !== 'sgd'), statistics: results.statistics.filter((s) => s.optimizer !== 'sgd') };
    const spec = accuracySpec(new StudyIndex(none), 'mnist') as { layer: Array<{ data: { values: Array<{ kind?: string }> }; encoding: { color: { legend: unknown } } }> };
    expect(spec.layer.flatMap((l) => l.data.values).filter((v) => v.kind === REFERENCE_LABEL)).toEqual([]);
    expect(spec.layer[1].encoding.color.legend).toBeNull();
  });

  it('says when no cell of a run is in the reference study', async () => {
    const none: ResultsFile = {
      ...results,
      trials: results.trials.filter((t) => t.optimizer !== 'sgd'),
      statistics: results.statistics.filter((s) => s.optimizer !== 'sgd'),
    };
    const files = await writeReport(tempDir(), none);
    const md = readFileSync(files.tables, 'utf8');
    expect(md).toContain('No cell of this run is in the reference study.');
    expect(md).not.toContain('Mean test accuracy: this run vs the reference study');
    expect(consoleSummary(none)).not.toContain('Run − reference');
  });

  it('consoleSummary gives one table per data set in the reference layout', () => {
    const s = consoleSummary(results);
    expect(s).not.toContain('NaN');
    for (const ds of DATASETS) expect(s).toContain(`### Summary — ${ds}`);
    expect(s).toContain('| optimizer | default | L2 |');
    expect(s).toContain('| sgd | 0.9300 ± 0.0265 · 2.50 s |');
    expect(s).toMatch(/\| my\\<opt \|.*· 1 diverged \|/);
  });
});

describe('report pieces, by hand', () => {
  it('trials.csv in a sweep: the setting and one column per swept key after reg, empty where a key does not apply', () => {
    const base = trial('mnist', 'sgd', 'default', 11, 0);
    const one = { ...base, setting: 'lr=0.1', swept: { lr: 0.1 }, epochs: base.epochs.slice(0, 1) };
    const two = { ...base, reg: 'L2' as RegMode, setting: 'lambda=0.5', swept: { lambda: 0.5 }, epochs: base.epochs.slice(0, 1) };
    const [header, r1, r2] = trialsCsv([one, two]).trimEnd().split('\n');
    expect(header.split(',').slice(0, 7)).toEqual(['dataset', 'optimizer', 'reg', 'setting', 'lr', 'lambda', 'seed']);
    expect(r1.split(',').slice(0, 7)).toEqual(['mnist', 'sgd', 'default', 'lr=0.1', '0.1', '', '11']);
    expect(r2.split(',').slice(0, 7)).toEqual(['mnist', 'sgd', 'L2', 'lambda=0.5', '', '0.5', '11']);
    // Without a sweep: the plain columns; a field with a comma or a quote is quoted.
    const plain = trialsCsv([{ ...base, optimizer: 'my,"opt"', epochs: base.epochs.slice(0, 1) }]).trimEnd().split('\n');
    expect(plain[0].split(',').slice(0, 4)).toEqual(['dataset', 'optimizer', 'reg', 'seed']);
    expect(plain[1].startsWith('mnist,"my,""opt""",default,11,1,')).toBe(true);
  });

  it('the kernel table shows shares as percentages whether stored as fractions or as percentages; a missing first call is a dash', () => {
    const row = (kernel: string, share: number, firstCallsMs?: number) => ({ kernel, calls: 10, totalMs: 5, meanUs: 500, share, ...(firstCallsMs === undefined ? {} : { firstCallsMs }) });
    const shares = (rows: ReturnType<typeof row>[]) => kernelTable({ source: 'timestamp-query', rows })!.rows.map((r) => r[4]);
    expect(shares([row('a', 0.75), row('b', 0.25)])).toEqual(['75.0', '25.0']); // fractions
    expect(shares([row('a', 75), row('b', 25)])).toEqual(['75.0', '25.0']); // already percentages
    expect(shares([row('a', 0.6), row('b', 0.6)])).toEqual(['0.6', '0.6']); // sum over 1: percentages
    expect(shares([row('a', 1), row('b', NaN)])).toEqual(['100.0', '—']);
    const t = kernelTable({ source: 'timestamp-query', rows: [row('a', 0.5, 12.5), row('b', 0.5)] })!;
    expect(t.rows.map((r) => r[5])).toEqual(['12.5', '—']);
    expect(kernelTable(null)).toBeNull();
  });

  it('Markdown cells and text keep to one line (\\n and \\r\\n) and escape what Markdown reads', () => {
    expect(mdCell('a|b<c\\d\ne\r\nf')).toBe('a\\|b\\<c\\\\d e f');
    expect(mdText('a|b<c\ne\r\nf')).toBe('a|b\\<c e f');
  });
});
