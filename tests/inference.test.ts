// The report's inference from trial records (no GPU): which comparisons pair and which fall
// back to the unpaired tests and why, Holm over each metric's family, the conclusions in
// words, the ranking across problems, sweeps compared at their best settings, and the files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cdLayout } from '../src/bench/report/cd-diagram.ts';
import { claim, conclusions, FEW_MARK, seedsNeeded } from '../src/bench/report/conclusions.ts';
import { writeReport, consoleSummary } from '../src/bench/report/index.ts';
import { inferenceOf } from '../src/bench/report/inference.ts';
import { inference, type Inference } from '../src/bench/results/inference.ts';
import { pairedInterval } from '../src/bench/results/intervals.ts';
import { rankOptimizers } from '../src/bench/results/ranking.ts';
import type { RegMode, ResultsFile, TrialRecord } from '../src/bench/results/types.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('inference');

interface Spec {
  dataset?: string;
  reg?: RegMode;
  /** Epoch (from 1) whose validation accuracy first reaches 0.9; null: never. */
  reach?: number | null;
  diverged?: boolean;
  setting?: string;
  trainSeed?: number;
  val?: number;
}

function trial(optimizer: string, seed: number, acc: number, loss: number, s: Spec = {}): TrialRecord {
  const { dataset = 'mnist', reg = 'default', reach = 2, diverged = false } = s;
  return {
    id: `${dataset}/${optimizer}/${reg}/${s.setting ? `${s.setting}/` : ''}${seed}`, dataset, optimizer, reg, seed,
    ...(s.trainSeed !== undefined ? { trainSeed: s.trainSeed } : {}),
    ...(s.setting ? { setting: s.setting, swept: { lr: Number(s.setting.split('=')[1]) } } : {}),
    hyper: {}, l2: 0, dropout: 0, resetEveryStep: false,
    epochs: [1, 2, 3].map((e) => ({ epoch: e - 1, trainLoss: 1 / e, trainAccuracy: 0.8, valLoss: 0.5, valAccuracy: s.val ?? (reach !== null && e >= reach ? 0.95 : 0.5), seconds: 1 })),
    testLoss: diverged ? NaN : loss, testAccuracy: diverged ? NaN : acc, diverged, divergedEpoch: diverged ? 1 : null,
    seconds: 3, samplesPerSecond: 1000, groupSize: 1, updateMsPerStep: null,
  };
}

function infer(trials: TrialRecord[], opts: Partial<Parameters<typeof inference>[0]> = {}): Inference {
  return inference({ trials, datasets: [], optimizers: [], regs: [], targets: { mnist: 0.9, 'fashion-mnist': 0.9 }, basis: 'test trials', ...opts });
}

const SEEDS = [1, 2, 3, 4, 5, 6];

describe('paired comparisons', () => {
  it('same seeds, every value: paired t interval of the per-seed differences, Wilcoxon, who did better on how many seeds', () => {
    const d = [0.01, 0.02, 0.03, 0.04, 0.05, -0.005];
    const trials = SEEDS.flatMap((s, i) => [trial('adam', s, 0.9 + d[i], 0.3 - d[i]), trial('sgd', s, 0.9, 0.3)]);
    const c = infer(trials).comparisons.find((x) => x.metric === 'testAccuracy')!;
    expect([c.a, c.b, c.paired, c.nA, c.test.name, c.test.method, c.difference.kind, c.note]).toEqual(['adam', 'sgd', true, 6, 'Wilcoxon signed-rank', 'exact', 'paired t', null]);
    expect(c.difference.mean).toBeCloseTo(0.145 / 6, 12);
    expect(c.difference.ci95).toEqual(pairedInterval(trials.filter((t) => t.optimizer === 'adam').map((t, i) => t.testAccuracy - trials[2 * i + 1].testAccuracy)).ci95);
    expect(c.test.p).toBeCloseTo(4 / 64, 12); // W+ = 20 of 21, W- = 1: P(W- <= 1) = 2/64, two-sided 4/64
    expect(c.wins).toEqual({ a: 5, b: 1, ties: 0 });
    // Loss: lower is better, so "a better" counts the seeds where adam's loss is lower.
    const l = infer(trials).comparisons.find((x) => x.metric === 'testLoss')!;
    expect(l.wins).toEqual({ a: 5, b: 1, ties: 0 });
    expect(l.difference.mean).toBeCloseTo(-0.145 / 6, 12);
  });

  it('falls back to Welch and Mann-Whitney, saying why: a diverged run, a missing trial, a target not reached, different seed lists, independent seeds', () => {
    const base = (o: string, skip: number[] = [], s: (seed: number) => Spec = () => ({})) => SEEDS.filter((x) => !skip.includes(x)).map((x) => trial(o, x, 0.9 + 0.001 * x + (o === 'adam' ? 0.01 : 0), 0.3, s(x)));
    const get = (trials: TrialRecord[], metric = 'testAccuracy') => infer(trials).comparisons.find((x) => x.metric === metric)!;

    const diverged = get([...base('adam'), ...base('sgd', [], (x) => ({ diverged: x === 3 }))]);
    expect([diverged.paired, diverged.test.name, diverged.difference.kind, diverged.nA, diverged.nB, diverged.wins]).toEqual([false, 'Mann-Whitney U', 'Welch t', 6, 5, null]);
    expect(diverged.note).toBe('unpaired: seeds do not line up (sgd lacks 3 (diverged))');

    const missing = get([...base('adam', [6]), ...base('sgd')]);
    expect(missing.note).toBe('unpaired: seeds do not line up (adam lacks 6 (no trial))');

    const target = get([...base('adam'), ...base('sgd', [], (x) => ({ reach: x < 3 ? null : 2 }))], 'epochsToTarget');
    expect(target.note).toBe('unpaired: seeds do not line up (sgd lacks 1 (target not reached), 2 (target not reached))');

    const lists = get([...SEEDS.map((x) => trial('adam', x, 0.91, 0.3)), ...[7, 8, 9, 10, 11, 12].map((x) => trial('sgd', x, 0.9, 0.3))]);
    expect(lists.note).toBe('unpaired: seeds do not line up (adam lacks 7 (no trial), 8 (no trial), 9 (no trial), 10 (no trial) and 2 more; sgd lacks 1 (no trial), 2 (no trial), 3 (no trial), 4 (no trial) and 2 more)');

    const independent = get([...base('adam', [], (x) => ({ trainSeed: 1000 + x })), ...base('sgd', [], (x) => ({ trainSeed: 2000 + x }))]);
    expect(independent.note).toBe('unpaired: trained with independent seeds per optimizer (--independent-seeds)');

    // A seed that both lack pairs nothing and breaks nothing: the other five still pair.
    const bothDiverged = get([...base('adam', [], (x) => ({ diverged: x === 4 })), ...base('sgd', [], (x) => ({ diverged: x === 4 }))]);
    expect([bothDiverged.paired, bothDiverged.nA]).toEqual([true, 5]);

    // Every trial of one side diverged: no test, and no p-value to adjust.
    const none = get([...base('adam'), ...base('sgd', [], () => ({ diverged: true }))]);
    expect([none.test.method, none.pHolm]).toEqual(['none', null]);
    expect(none.note).toBe('no test: sgd has no value (6 trials: diverged)');
  });

  it('Holm over each metric\'s family: every pair on every data set and mode', () => {
    const trials: TrialRecord[] = [];
    for (const dataset of ['mnist', 'fashion-mnist'])
      for (const reg of ['default', 'dropout'] as RegMode[])
        for (const [k, o] of ['sgd', 'adam', 'rmsprop'].entries())
          for (const s of SEEDS) trial(o, s, 0, 0) && trials.push(trial(o, s, 0.9 + 0.01 * k * (s % 3) + 0.001 * s * k, 0.3 + 0.01 * s * k, { dataset, reg }));
    const inf = infer(trials, { datasets: ['mnist', 'fashion-mnist'], optimizers: ['sgd', 'adam', 'rmsprop'], regs: ['default', 'dropout'] });
    const acc = inf.comparisons.filter((c) => c.metric === 'testAccuracy');
    expect(acc.length).toBe(12); // 2 data sets x 2 modes x 3 pairs
    expect(acc.slice(0, 3).map((c) => `${c.dataset}/${c.reg} ${c.a}-${c.b}`)).toEqual(['mnist/default sgd-adam', 'mnist/default sgd-rmsprop', 'mnist/default adam-rmsprop']);
    expect(inf.families.find((f) => f.metric === 'testAccuracy')!.size).toBe(12);
    // Holm by hand: the i-th smallest p times (m - i), running maximum, capped at 1.
    const order = acc.map((c, i) => [c.test.p, i] as const).sort((x, y) => x[0] - y[0]);
    let running = 0;
    for (const [rank, [p, i]] of order.entries()) {
      running = Math.max(running, Math.min(1, (12 - rank) * p));
      expect(acc[i].pHolm).toBeCloseTo(running, 12);
    }
    // Six seeds, twelve comparisons: 12 x 2/2^6 = 0.375 is the smallest possible p_holm.
    expect(inf.families.find((f) => f.metric === 'testAccuracy')!.floor).toBeCloseTo(0.375, 12);
  });
});

describe('conclusions in words', () => {
  const D = [0.031, 0.035, 0.042, 0.039, 0.045, 0.051, 0.038, 0.044, 0.047, 0.036, 0.05, 0.043];
  const twelve = D.map((_, i) => i + 1);
  const trials = twelve.flatMap((s, i) => [
    trial('adam', s, 0.85 + D[i], 0.4 - D[i] / 2, { dataset: 'fashion-mnist', reg: 'dropout', reach: 2 }),
    trial('rmsprop', s, 0.85, 0.4, { dataset: 'fashion-mnist', reg: 'dropout', reach: i < 10 ? 3 : 2 }),
  ]);
  const inf = infer(trials);

  it('a significant difference: the better optimizer first, the difference in points with its interval, p_holm, the seeds it won', () => {
    const acc = inf.comparisons.find((c) => c.metric === 'testAccuracy')!;
    const ci = acc.difference.ci95.map((x) => (x * 100).toFixed(2));
    expect(acc.pHolm).toBeCloseTo(2 / 4096, 12); // all 12 positive: exact p = 2/2^12, a family of one
    expect(claim(acc)).toBe(`adam > rmsprop on fashion-mnist/dropout: +4.18 points [${ci[0]}, ${ci[1]}], p_holm = 4.9e-4, ahead on 12 of 12 seeds`);
    const loss = inf.comparisons.find((c) => c.metric === 'testLoss')!;
    expect(claim(loss)).toMatch(/^adam < rmsprop on fashion-mnist\/dropout: -0\.0209 \[-0\.0\d+, -0\.0\d+\], p_holm = 4\.9e-4, lower on 12 of 12 seeds$/);
    const time = inf.comparisons.find((c) => c.metric === 'epochsToTarget')!;
    // adam reached the target at epoch 2 everywhere, rmsprop at 3 on ten seeds and 2 on two.
    expect(claim(time)).toBe('adam < rmsprop on fashion-mnist/dropout: -0.833 epochs [-1.08, -0.586], p_holm = 0.002, sooner on 10 of 12 seeds');
    const c = conclusions(inf);
    expect(c.metrics[0].heading).toBe('Test accuracy (higher is better): 1 comparisons, p-values adjusted by Holm over them, α = 0.05');
    expect(c.metrics[0].lines[0]).toBe(claim(acc));
  });

  it('the same claim in the reverse order of the pair, and a claim on fewer than 5 seeds is marked', () => {
    const reversed = infer(trials.map((t) => ({ ...t, optimizer: t.optimizer === 'adam' ? 'zeta' : 'alpha' })), { optimizers: ['alpha', 'zeta'] });
    const acc = reversed.comparisons.find((c) => c.metric === 'testAccuracy')!;
    expect([acc.a, acc.b]).toEqual(['alpha', 'zeta']);
    expect(claim(acc)).toMatch(/^zeta > alpha on fashion-mnist\/dropout: \+4\.18 points \[/);
    // Unpaired (sgd has a fifth seed adam lacks), four against five seeds, all of adam above.
    const few = infer([...[1, 2, 3, 4].map((s) => trial('adam', s, 0.95, 0.2)), ...[1, 2, 3, 4, 5].map((s) => trial('sgd', s, 0.9 - 0.001 * s, 0.3))]);
    const f = few.comparisons.find((c) => c.metric === 'testAccuracy')!;
    expect(f.test.p).toBeCloseTo(2 / 126, 12); // exact Mann-Whitney: 2 / C(9, 4)
    expect(claim(f)).toBe(`adam > sgd on mnist/default: +5.30 points [${(f.difference.ci95[0] * 100).toFixed(2)}, ${(f.difference.ci95[1] * 100).toFixed(2)}], p_holm = 0.016, unpaired (seeds do not line up (adam lacks 5 (no trial)); Welch interval, Mann-Whitney U), 4 and 5 seeds; ${FEW_MARK}`);
  });

  it('nothing significant: says so, lists the lowest p-values, and says when the seeds are too few for any comparison to be', () => {
    const six = [1, 2, 3, 4, 5, 6];
    const t: TrialRecord[] = [];
    for (const o of ['a', 'b', 'c', 'd']) for (const s of six) t.push(trial(o, s, 0.9 + 0.01 * s * 'abcd'.indexOf(o), 0.3));
    const c = conclusions(infer(t));
    const lines = c.metrics[0].lines;
    expect(lines[0]).toBe("No difference in test accuracy is significant after Holm's correction (6 comparisons). The lowest p-values:");
    expect(lines[1]).toMatch(/^b vs a on mnist\/default: \+\d+\.\d\d points \[.*\], p = 0\.031, p_holm = 0\.19, ahead on 6 of 6 seeds$/);
    // 6 comparisons x 2/2^6 = 0.1875 >= 0.05: 8 seeds would do (6 x 2/2^8 = 0.047).
    expect(lines.at(-1)).toBe('With these seeds no comparison can be significant, however large the difference: over 6 comparisons the smallest p_holm the exact tests can give is 0.19; paired comparisons need at least 8 seeds per cell.');
    expect(seedsNeeded(36, 0.05)).toBe(11); // the seed study: 2 data sets x 3 modes x 6 pairs
    expect(seedsNeeded(60, 0.05)).toBe(12);
  });

  it('a metric without any testable comparison (no trial reached the target) is one line, no table rows, no ranking', () => {
    const t = SEEDS.flatMap((s) => [trial('adam', s, 0.9, 0.3, { reach: null }), trial('sgd', s, 0.9, 0.3, { reach: null })]);
    const inf2 = infer(t);
    expect(inf2.comparisons.some((c) => c.metric === 'epochsToTarget')).toBe(false);
    expect(inf2.rankings.map((r) => r.metric)).toEqual(['testAccuracy', 'testLoss']);
    expect(conclusions(inf2).metrics[2].heading).toBe('Epochs to target (lower is better): no comparison has a test: no trial has a value (target not reached)');
  });
});

describe('ranking across problems', () => {
  it('ranks per problem (NaN last, ties averaged), Friedman and Nemenyi, problems left out, what 2 problems cannot say', () => {
    const r = rankOptimizers('testAccuracy', ['a', 'b', 'c'], [
      { dataset: 'mnist', reg: 'default', scores: [0.9, 0.95, NaN] },
      { dataset: 'mnist', reg: 'L2', scores: [0.9, 0.9, 0.8] },
    ], [{ dataset: 'mnist', reg: 'dropout', why: 'no trials of c' }]);
    expect(r.problems.map((p) => p.ranks)).toEqual([[2, 1, 3], [1.5, 1.5, 3]]);
    expect(r.averageRanks).toEqual([1.75, 1.25, 3]);
    expect(r.friedman).not.toBeNull();
    expect(r.caveats.join(' ')).toContain('With 2 problems the critical difference (2.34) exceeds the largest possible difference of average ranks (2)');
    expect(r.leftOut).toEqual([{ dataset: 'mnist', reg: 'dropout', why: 'no trials of c' }]);
    const one = rankOptimizers('testLoss', ['a', 'b'], [{ dataset: 'mnist', reg: 'default', scores: [0.3, 0.2] }], []);
    expect([one.friedman, one.nemenyi]).toEqual([null, null]);
    expect(one.caveats).toEqual(['No ranking test: it needs at least 2 problems and 2 optimizers (here 1 and 2).']);
  });

  it('time to target is scored by the median with "never reached" as infinity', () => {
    const t = [1, 2, 3].flatMap((s) => [trial('a', s, 0.9, 0.3, { reach: s === 1 ? null : 2 }), trial('b', s, 0.9, 0.3, { reach: s === 1 ? 3 : null }), trial('c', s, 0.9, 0.3, { reach: 1 })]);
    const two = [...t, ...t.map((x) => ({ ...x, reg: 'L2' as RegMode }))];
    const r = infer(two).rankings.find((x) => x.metric === 'epochsToTarget')!;
    expect(r.problems[0].scores).toEqual([2, Infinity, 1]); // a: 2, 2, inf -> 2; b: 3, inf, inf -> inf
    expect(r.problems[0].ranks).toEqual([2, 3, 1]);
  });

  it('the critical-difference diagram: labels at their average ranks, the better half left, bars over the cliques', () => {
    const r = rankOptimizers('testAccuracy', ['sgd', 'adam', 'rmsprop', 'custom'], [
      [0.858, 0.833, 0.714, 0.873], [0.859, 0.84, 0.747, 0.874], [0.858, 0.836, 0.314, 0.876],
      [0.956, 0.963, 0.951, 0.969], [0.956, 0.963, 0.956, 0.969], [0.957, 0.964, 0.95, 0.971],
    ].map((scores, i) => ({ dataset: i < 3 ? 'fashion-mnist' : 'mnist', reg: ['default', 'L2', 'dropout'][i % 3], scores })), []);
    const l = cdLayout(r)!;
    expect(l.labels.map((x) => [x.text, x.align])).toEqual([['custom 1.00', 'right'], ['adam 2.50', 'right'], ['3.92 rmsprop', 'left'], ['2.58 sgd', 'left']]);
    // Vertical lines start on the axis at each average rank.
    expect(l.lines.filter((s) => s.y === 0).map((s) => s.x)).toEqual([1, 2.5, 3.9166666666666665, 2.5833333333333335]);
    expect(l.cliques.map((c) => [c.x + 0.04, c.x2 - 0.04].map((x) => Number(x.toFixed(4))))).toEqual([[1, 2.5833], [2.5, 3.9167]]);
    expect(l.cdBar[0].x2 - l.cdBar[0].x).toBeCloseTo(r.nemenyi!.cd, 12);
  });
});

/** A ResultsFile around trials, as a run would write it (statistics are not needed here). */
function results(trials: TrialRecord[], extra: Partial<ResultsFile> = {}): ResultsFile {
  return {
    schema: 'webgpu-optbench/results@1', createdAt: '2026-12-04T00:00:00Z', complete: true, plannedTrials: trials.length,
    config: { preset: 'test', datasets: ['mnist'], optimizers: ['sgd', 'adam'], regs: ['default', 'dropout'], seeds: SEEDS, epochs: 3, target: { mnist: 0.9 } },
    environment: { backend: 'opengles', featureLevel: 'compatibility', adapter: 'llvmpipe', isCpu: true, timing: 'wall', node: 'v20', platform: 'linux', cpus: '2', packages: {}, gitCommit: null },
    mode: { batched: true, trialsAtOnce: 4, peakGpuBytes: 0 }, wallSeconds: 10, results: {}, statistics: [], kernels: null, trials, ...extra,
  };
}

describe('the report', () => {
  it('a sweep compares each optimizer at its best setting, chosen on validation accuracy', () => {
    const trials: TrialRecord[] = [];
    for (const [o, lrs] of [['sgd', [0.01, 0.1]], ['adam', [0.001, 0.01]]] as const)
      for (const lr of lrs) for (const s of SEEDS) trials.push(trial(o, s, 0.9 + lr, 0.3, { setting: `lr=${lr}`, val: lr === lrs[1] ? 0.97 : 0.95 }));
    const r = results(trials, { sweep: { axes: [{ name: 'sgd.lr', key: 'lr', optimizer: 'sgd', values: [0.01, 0.1] }, { name: 'adam.lr', key: 'lr', optimizer: 'adam', values: [0.001, 0.01] }] }, config: { ...results([]).config, regs: ['default'] } });
    const c = inferenceOf(r).comparisons.find((x) => x.metric === 'testAccuracy')!;
    expect([c.a, c.settingA, c.b, c.settingB, c.paired]).toEqual(['sgd', 'lr=0.1', 'adam', 'lr=0.01', true]);
    expect(claim(c)).toMatch(/^sgd \(lr=0\.1\) > adam \(lr=0\.01\) on mnist\/default: \+9\.00 points/);
    expect(inferenceOf(r).basis).toMatch(/^each optimizer at its best setting per data set and mode \(chosen on the mean validation accuracy/);
  });

  it('tables.md, index.html and the console state the conclusions; the paired tables, the ranking and a CD diagram per metric are written', async () => {
    // Eight seeds: over a family of 2 comparisons, 2 x 2/2^8 = 0.016 can be significant.
    const eight = [1, 2, 3, 4, 5, 6, 7, 8];
    const trials = (['default', 'dropout'] as RegMode[]).flatMap((reg) => eight.flatMap((s) => [trial('sgd', s, 0.9 + 0.001 * s, 0.3, { reg }), trial('adam', s, 0.91 + 0.001 * s + (s === 2 ? 0.008 : 0), 0.29, { reg, reach: 1 })]));
    const dir = tmp();
    const files = await writeReport(dir, results(trials));
    for (const f of ['cd-test-accuracy.svg', 'cd-test-loss.svg', 'cd-epochs-to-target.svg']) {
      expect(files.all).toContain(join(dir, f));
      expect(readFileSync(join(dir, f), 'utf8')).toMatch(/<svg[\s\S]*adam[\s\S]*sgd/);
    }
    const md = readFileSync(join(dir, 'tables.md'), 'utf8');
    expect(md.indexOf('### Conclusions')).toBeGreaterThan(md.indexOf('## Summary'));
    expect(md).toContain('- adam > sgd on mnist/default: +1.10 points');
    expect(md).toContain('## Paired comparisons');
    expect(md).toContain('| default | sgd − adam | -1.10 points |');
    expect(md).toContain('## Ranking across problems');
    expect(md).toContain('Critical-difference diagram: cd-test-accuracy.svg');
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<h3 id="conclusions">Conclusions</h3>');
    expect(html).toContain('adam &gt; sgd on mnist/default');
    expect((html.match(/<figure><svg/g) ?? []).length).toBeGreaterThanOrEqual(3 + 3); // three plots per data set, three CD diagrams
    expect(consoleSummary(results(trials))).toContain('### Conclusions');
    expect(existsSync(join(dir, 'cd-test-accuracy.svg'))).toBe(true);
  });
});
