// The sweep analysis and report on a tiny synthetic sweep whose best settings, times to
// target and performance profile are worked out by hand below.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trialsCsv } from '../src/bench/report/csv.ts';
import { consoleSummary, writeReport } from '../src/bench/report/index.ts';
import { analyzeSweep, profileSteps, rho, timeToTarget, type SettingCell } from '../src/bench/report/sweep.ts';
import { cellStats } from '../src/bench/results/stats.ts';
import type { RegMode, ResultsFile, TrialRecord } from '../src/bench/results/types.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('sweep-report');
const SEEDS = [1, 2, 3];
const TARGETS = { mnist: 0.9, 'fashion-mnist': 0.85 };

/** A trial of optimizer `opt` at learning rate `lr`: validation accuracy per epoch (NaN from
 * the epoch it diverged in), final test accuracy. */
function trial(dataset: string, opt: string, reg: RegMode, lr: number, seed: number, val: number[], test: number): TrialRecord {
  const divergedEpoch = val.findIndex(Number.isNaN);
  const setting = `lr=${lr}`;
  return {
    id: `${dataset}/${opt}/${reg}/${setting}/${seed}`, dataset, optimizer: opt, reg, seed, setting, swept: { lr },
    hyper: { lr }, l2: reg === 'L2' ? 0.7 : 0, dropout: 0, resetEveryStep: false,
    epochs: val.map((v, epoch) => ({ epoch, trainLoss: Number.isNaN(v) ? NaN : 1 - v, trainAccuracy: v, valLoss: 1 - v, valAccuracy: v, seconds: 1 })),
    testLoss: 1 - test, testAccuracy: divergedEpoch >= 0 ? NaN : test, diverged: divergedEpoch >= 0, divergedEpoch: divergedEpoch >= 0 ? divergedEpoch : null,
    seconds: 3, samplesPerSecond: 1000, groupSize: 1, updateMsPerStep: null,
  };
}

/** Three seeds: per seed its validation curve and test accuracy. */
function cell(dataset: string, opt: string, reg: RegMode, lr: number, curves: number[][], tests: number[]): TrialRecord[] {
  return SEEDS.map((seed, k) => trial(dataset, opt, reg, lr, seed, curves[k], tests[k]));
}

// mnist, target 0.9. Epochs to target per seed and their median in the comments.
const CELLS: TrialRecord[][] = [
  // a default lr=0.1: last validation mean 0.92; epochs 3, 2, 1 -> median 2. BEST (no divergence).
  cell('mnist', 'a', 'default', 0.1, [[0.8, 0.85, 0.9], [0.85, 0.91, 0.92], [0.9, 0.93, 0.94]], [0.91, 0.92, 0.93]),
  // a default lr=0.01: higher validation (0.965 over the finite seeds) but one seed diverged.
  cell('mnist', 'a', 'default', 0.01, [[0.9, 0.95, 0.96], [0.92, 0.96, 0.97], [0.5, NaN, NaN]], [0.96, 0.97, 0]),
  // a L2 lr=0.1: validation 0.82, test 0.96 (the best test: must not be chosen).
  cell('mnist', 'a', 'L2', 0.1, [[0.7, 0.75, 0.8], [0.7, 0.75, 0.82], [0.7, 0.75, 0.84]], [0.95, 0.96, 0.97]),
  // a L2 lr=0.01: validation 0.88 -> BEST; epochs inf, inf, 3 -> median inf.
  cell('mnist', 'a', 'L2', 0.01, [[0.8, 0.85, 0.86], [0.8, 0.85, 0.88], [0.8, 0.85, 0.9]], [0.85, 0.86, 0.87]),
  // b default lr=1: validation 0.93 -> BEST; epochs 1, 1, 1 -> 1.
  cell('mnist', 'b', 'default', 1, [[0.91, 0.92, 0.93], [0.91, 0.92, 0.93], [0.91, 0.92, 0.93]], [0.9, 0.9, 0.9]),
  // b default lr=0.5: validation 0.91.
  cell('mnist', 'b', 'default', 0.5, [[0.89, 0.9, 0.91], [0.89, 0.9, 0.91], [0.89, 0.9, 0.91]], [0.9, 0.9, 0.9]),
  // b L2 lr=1: validation 0.9 -> BEST; epochs 3, 3, inf -> median 3.
  cell('mnist', 'b', 'L2', 1, [[0.8, 0.85, 0.91], [0.8, 0.85, 0.9], [0.8, 0.85, 0.89]], [0.88, 0.88, 0.88]),
  // b L2 lr=0.5: validation 0.89.
  cell('mnist', 'b', 'L2', 0.5, [[0.8, 0.85, 0.89], [0.8, 0.85, 0.89], [0.8, 0.85, 0.89]], [0.88, 0.88, 0.88]),
  // fashion-mnist, target 0.85, default only: nobody reaches it. a: two settings with the same
  // validation, the earlier (lr=0.1) is BEST; b: one setting.
  cell('fashion-mnist', 'a', 'default', 0.1, [[0.5, 0.6, 0.7], [0.5, 0.6, 0.7], [0.5, 0.6, 0.7]], [0.7, 0.7, 0.7]),
  cell('fashion-mnist', 'a', 'default', 0.01, [[0.5, 0.6, 0.7], [0.5, 0.6, 0.7], [0.5, 0.6, 0.7]], [0.8, 0.8, 0.8]),
  cell('fashion-mnist', 'b', 'default', 1, [[0.6, 0.7, 0.8], [0.6, 0.7, 0.8], [0.6, 0.7, 0.8]], [0.75, 0.75, 0.75]),
];

function synthetic(): ResultsFile {
  const trials = CELLS.flat();
  const results: ResultsFile['results'] = {};
  for (const c of CELLS) {
    const t = c[0];
    ((results[t.dataset] ??= {})[t.optimizer] ??= {})[t.reg] ??= {};
  }
  return {
    schema: 'webgpu-optbench/results@1', createdAt: '2026-01-01T00:00:00.000Z', complete: true, plannedTrials: trials.length,
    config: { preset: 'tiny-sweep', datasets: ['mnist', 'fashion-mnist'], optimizers: ['a', 'b'], regs: ['default', 'L2'], seeds: SEEDS, epochs: 3, target: TARGETS },
    sweep: { axes: [{ name: 'a.lr', key: 'lr', optimizer: 'a', values: [0.1, 0.01] }, { name: 'b.lr', key: 'lr', optimizer: 'b', values: [1, 0.5] }] },
    environment: { backend: 'opengles', featureLevel: 'compatibility', adapter: 'test', isCpu: true, timing: 'cpu', node: 'v20', platform: 'linux', cpus: '2', packages: {}, gitCommit: null },
    mode: { batched: false, trialsAtOnce: 1, peakGpuBytes: 0 },
    wallSeconds: 10,
    results,
    statistics: CELLS.map((c) => cellStats(c[0].dataset, c[0].optimizer, c[0].reg, c, TARGETS[c[0].dataset as keyof typeof TARGETS], { label: c[0].setting!, values: c[0].swept! })),
    kernels: null,
    trials,
  };
}

const label = (c: SettingCell) => `${c.dataset} ${c.optimizer} ${c.reg} ${c.setting}`;

describe('sweep analysis', () => {
  const a = analyzeSweep(synthetic())!;

  it('estimates each setting over its seeds (diverged seeds left out) with the CI of interval.ts', () => {
    const c = a.cells.find((x) => label(x) === 'mnist a default lr=0.1')!;
    expect(c.validation.mean).toBeCloseTo(0.92, 12);
    expect(c.test.mean).toBeCloseTo(0.92, 12);
    // 0.91, 0.92, 0.93: Student's t on their logits, mapped back (SciPy: 0.8916995128, 0.9419635135).
    expect(c.test.ci95[0]).toBeCloseTo(0.8916995128, 8);
    expect(c.test.ci95[1]).toBeCloseTo(0.9419635135, 8);
    const d = a.cells.find((x) => label(x) === 'mnist a default lr=0.01')!;
    expect(d.divergences).toBe(1);
    expect(d.validation.n).toBe(2);
    expect(d.validation.mean).toBeCloseTo(0.965, 12);
  });

  it('chooses the best setting on validation accuracy, fewer divergences first, ties to the earlier setting', () => {
    expect(a.best.map(label)).toEqual([
      'mnist a default lr=0.1', 'mnist a L2 lr=0.01', 'mnist b default lr=1', 'mnist b L2 lr=1', 'fashion-mnist a default lr=0.1', 'fashion-mnist b default lr=1',
    ]);
  });

  it('time to target is the median over seeds of the first epoch reaching it, infinity when not reached', () => {
    const t = (l: string) => timeToTarget(a.cells.find((x) => label(x) === l)!, 0.9);
    expect(t('mnist a default lr=0.1')).toBe(2);
    expect(t('mnist a L2 lr=0.01')).toBe(Infinity);
    expect(t('mnist b default lr=1')).toBe(1);
    expect(t('mnist b L2 lr=1')).toBe(3);
    // The diverged seed reached 0.5 only; the other two reached 0.9 in epoch 1: median of 1, 1, inf.
    expect(t('mnist a default lr=0.01')).toBe(1);
    // Four seeds: the mean of the two middle ones.
    const four = (curves: number[][]) => timeToTarget({ trials: curves.map((v, k) => trial('mnist', 'a', 'default', 1, k, v, 0.9)) } as SettingCell, 0.9);
    expect(four([[0.9], [0.1, 0.9], [0.1, 0.1, 0.9], [0.1]])).toBe(2.5);
    expect(four([[0.9], [0.1, 0.9], [0.1], [0.1]])).toBe(Infinity);
  });

  it('performance profile: ratios to the fastest per problem and rho(tau)', () => {
    const p = a.profile;
    expect(p.optimizers).toEqual(['a', 'b']);
    expect(p.problems.map((q) => [q.dataset, q.reg, q.cost, q.ratio])).toEqual([
      ['mnist', 'default', { a: 2, b: 1 }, { a: 2, b: 1 }],
      ['mnist', 'L2', { a: Infinity, b: 3 }, { a: Infinity, b: 1 }],
      ['fashion-mnist', 'default', { a: Infinity, b: Infinity }, { a: Infinity, b: Infinity }],
    ]);
    expect([1, 1.99, 2, 10].map((tau) => rho(p, 'a', tau))).toEqual([0, 0, 1 / 3, 1 / 3]);
    expect([1, 10].map((tau) => rho(p, 'b', tau))).toEqual([2 / 3, 2 / 3]);
    expect(profileSteps(p, 'a')).toEqual([{ tau: 1, rho: 0 }, { tau: 2, rho: 1 / 3 }, { tau: 10, rho: 1 / 3 }]);
  });
});

describe('sweep report', () => {
  it('tables.md, index.html and the plots have the sweep sections; the other tables show the best settings', async () => {
    const dir = join(tmp(), 'report');
    const files = await writeReport(dir, synthetic());
    const md = readFileSync(files.tables, 'utf8');
    expect(md).toContain('## Sweep');
    expect(md).toContain('| a | default | lr=0.1 | 0.9200 | 0.9200 | [0.8917, 0.9420] | 3 |'); // interval.ts: see the analysis test above
    expect(md).toContain('| a | L2 | lr=0.1 | 0.8200 |');
    expect(md).toMatch(/\| a \| 0 \| 0 \| 0\.333 \| 0\.333 \| 0\.333 \| 0\.333 \|/);
    expect(md).toMatch(/\| b \| 0\.667 \| 0\.667 \|/);
    expect(md).toContain('| mnist | L2 | ∞ (∞) | 3 (1) |');
    expect(md).not.toContain('Against the reference study');
    // The ordinary summary shows the best settings: mnist a L2 at lr=0.01 has test mean 0.86.
    expect(md).toMatch(/\| a \| 0\.9200 ± 0\.0100 · 3\.00 s \| 0\.8600 ± 0\.0100 · 3\.00 s \|/);
    for (const f of ['sweep-mnist-lr.svg', 'sweep-fashion-mnist-lr.svg', 'profile.svg']) expect(readFileSync(join(dir, f), 'utf8')).toMatch(/^<svg/);
    expect(files.all).toContain(join(dir, 'profile.svg'));
    const html = readFileSync(files.html, 'utf8');
    expect(html).toContain('<h2 id="sweep">Sweep</h2>');
    expect(html).toContain('Performance profile ρ(τ)');
    const console = consoleSummary(synthetic());
    expect(console).toContain('Optimizers at their best setting: test accuracy — mnist');
    expect(console).toContain('| a | 0.9200 [0.8917, 0.9420] | 0.8600 [0.8335, 0.8833] |'); // SciPy, logit-t: (0.83345, 0.88325) for 0.85, 0.86, 0.87
  });

  it('a run without a validation split chooses no best setting and says so', async () => {
    const r = synthetic();
    for (const t of r.trials) for (const e of t.epochs) e.valAccuracy = null;
    const a = analyzeSweep(r)!;
    expect(a.best).toEqual([]);
    const dir = join(tmp(), 'noval');
    const md = readFileSync((await writeReport(dir, r)).tables, 'utf8');
    expect(md).toContain('no best setting is chosen');
    expect(existsSync(join(dir, 'profile.svg'))).toBe(false);
  });

  it('trials.csv gains the setting and one column per swept key', () => {
    const csv = trialsCsv(synthetic().trials).split('\n');
    expect(csv[0]).toMatch(/^dataset,optimizer,reg,setting,lr,seed,epoch,/);
    expect(csv[1]).toMatch(/^mnist,a,default,lr=0\.1,0\.1,1,1,/);
  });
});
