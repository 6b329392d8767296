// The report at its edges, on results built as a run builds them (plan -> trial records ->
// assemble): one seed, seeds that agree to the bit, batched (amortized) times, a sweep's
// plots and statistics, and a performance profile whose target nobody reached.
import { describe, expect, it } from 'vitest';
import { accuracySpec, REFERENCE_LABEL, timeSpec } from '../src/bench/report/plots.ts';
import { StudyIndex } from '../src/bench/report/study.ts';
import { analyzeSweep, bestView } from '../src/bench/report/sweep.ts';
import { profileSpec } from '../src/bench/report/sweep-plots.ts';
import { profileTable } from '../src/bench/report/sweep-tables.ts';
import { accuracyTable, AMORTIZED, summaryTable, timeTable } from '../src/bench/report/tables.ts';
import type { ResultsFile, TrialRecord } from '../src/bench/results/types.ts';
import { assemble } from '../src/bench/study/assemble.ts';
import { resolveConfig } from '../src/bench/study/config.ts';
import { planTrials, type TrialPlan } from '../src/bench/study/plan.ts';

const MACHINE = {
  environment: { backend: 'opengles', featureLevel: 'compatibility', adapter: 'test', isCpu: true, timing: 'cpu', node: 'v20', platform: 'linux x64', cpus: '2', packages: {}, gitCommit: null },
  peakGpuBytes: 0,
  kernels: null,
} as unknown as Parameters<typeof assemble>[1];

interface Made {
  accuracy: number;
  seconds?: number;
  groupSize?: number;
  /** Validation accuracy per epoch. */
  val?: number[];
}

/** A finished trial of the plan, with the numbers `made` gives it. */
function record(p: TrialPlan, m: Made): TrialRecord {
  const val = m.val ?? [0.5, 0.6];
  return {
    id: p.id, dataset: p.dataset, optimizer: p.optimizer, reg: p.reg, seed: p.seed,
    ...(p.setting ? { setting: p.setting.label, swept: p.setting.values } : {}),
    hyper: p.hyper, l2: p.opt.l2 ?? 0, dropout: p.dropout, resetEveryStep: false,
    epochs: val.map((v, e) => ({ epoch: e, trainLoss: 1 / (e + 1), trainAccuracy: v, valLoss: 1 - v, valAccuracy: v, seconds: 1 })),
    testLoss: 1 - m.accuracy, testAccuracy: m.accuracy, diverged: false, divergedEpoch: null,
    seconds: m.seconds ?? 2, samplesPerSecond: 1000, groupSize: m.groupSize ?? 1, updateMsPerStep: null, profiled: false,
  };
}

/** results.json of a study whose trials `made` describes, as a run assembles it. */
function results(flags: Record<string, string | string[]>, made: (p: TrialPlan, i: number) => Made): ResultsFile {
  const c = resolveConfig({ preset: 'quick', ...flags });
  const plan = planTrials(c);
  const finished = new Map(plan.map((p, i) => [p.id, record(p, made(p, i))]));
  return assemble(c, MACHINE, plan, finished, 10, 1);
}

const row = (t: { rows: string[][] }, name: string) => t.rows.find((r) => r[0] === name)!.slice(1);

describe('one seed', () => {
  const r = results({ optimizers: 'sgd', regs: 'default', seeds: '7' }, () => ({ accuracy: 0.9 }));
  const ix = new StudyIndex(r);

  it('no interval and no std: a single value has neither', () => {
    const acc = accuracyTable(ix, 'mnist');
    expect(row(acc, 'std')).toEqual(['—']);
    expect(row(acc, '95% CI')).toEqual(['—']);
    expect(r.statistics[0].robustness.ci95).toEqual([NaN, NaN]);
  });

  it('the summary shows the mean without ±', () => {
    expect(summaryTable(ix, 'mnist').rows[0][1]).toBe('0.9000 · 2.00 s');
  });
});

describe('seeds that agree to the bit', () => {
  // One group of 24 trials: every trial's time is the group's 7.3 s / 3 (amortized), and
  // two seeds of each cell end at the same accuracy.
  const r = results({}, () => ({ accuracy: 0.9, seconds: 7.3 / 3, groupSize: 24 }));
  const ix = new StudyIndex(r);

  it('a std of exactly 0 prints as 0 (not 1.09e-15, not 0.0000); the interval is the value itself', () => {
    expect(row(timeTable(ix, 'mnist'), 'std')).toEqual(Array(12).fill('0'));
    expect(row(accuracyTable(ix, 'mnist'), 'std')).toEqual(Array(12).fill('0'));
    expect(row(accuracyTable(ix, 'mnist'), '95% CI')).toEqual(Array(12).fill('[0.9000, 0.9000]'));
    expect(summaryTable(ix, 'mnist').rows[0][1]).toBe('0.9000 ± 0 · 2.43 s');
    expect(r.statistics.every((s) => s.speed.std === 0 && s.stability.mean === 0)).toBe(true);
  });

  it('batched times are labelled amortized in the time table and plot', () => {
    expect(timeTable(ix, 'mnist').note).toBe(AMORTIZED);
    expect(JSON.stringify(timeSpec(ix, 'mnist').title)).toMatch(/amortized: a batched trial's time is its group's time \/ its trials/);
  });

  it('...and only batched ones', () => {
    const one = new StudyIndex(results({}, () => ({ accuracy: 0.9, groupSize: 1 })));
    expect(timeTable(one, 'mnist').note).toBeUndefined();
    expect(JSON.stringify(timeSpec(one, 'mnist').title)).not.toMatch(/amortized/);
  });

  it('the interval of accuracies is named in the table', () => {
    expect(accuracyTable(ix, 'mnist').note).toMatch(/95% CI of the mean: Student's t on the logit scale, mapped back \(stays inside \[0, 1\]\)/);
  });
});

/** The reference rules of a data set's accuracy plot. */
function referenceRules(ix: StudyIndex): unknown[] {
  const spec = accuracySpec(ix, 'mnist') as unknown as { layer: Array<{ data: { values: Array<{ kind?: string }> } }> };
  return spec.layer.flatMap((l) => l.data.values).filter((v) => v.kind === REFERENCE_LABEL);
}

describe('a sweep', () => {
  // sgd and adam share every setting label: fixed (default mode), lambda=0.1 and lambda=0.7 (L2).
  const flags = { optimizers: 'sgd,adam', regs: 'default,L2', lambda: '0.1,0.7', seeds: '1,2,3' };
  // sgd's trials score 0.80-0.82, adam's 0.90-0.92: pooled cells would mix them.
  const r = results(flags, (p) => ({ accuracy: (p.optimizer === 'sgd' ? 0.8 : 0.9) + 0.01 * [1, 2, 3].indexOf(p.seed) }));

  it("keeps each optimizer's statistics to its own trials where optimizers share a setting label", () => {
    expect(r.statistics.map((s) => `${s.optimizer} ${s.reg} ${s.setting}`)).toEqual([
      'sgd default fixed', 'sgd L2 lambda=0.1', 'sgd L2 lambda=0.7', 'adam default fixed', 'adam L2 lambda=0.1', 'adam L2 lambda=0.7',
    ]);
    for (const s of r.statistics) {
      expect(s.trials, `${s.optimizer} ${s.setting}`).toBe(3);
      expect(s.robustness.mean, `${s.optimizer} ${s.setting}`).toBeCloseTo(s.optimizer === 'sgd' ? 0.81 : 0.91, 12);
    }
    const lists = r.results.mnist.adam.L2 as unknown as Record<string, { test_acc_list: number[] }>;
    expect(lists['lambda=0.1'].test_acc_list).toEqual([0.9, 0.91, 0.92]);
  });

  it('its accuracy plots draw no marks of the reference study (whose settings it varies); a plain run does', () => {
    const a = analyzeSweep(r)!;
    expect(referenceRules(new StudyIndex(r, bestView(r, a.best)))).toEqual([]);
    const plain = results({ optimizers: 'sgd,adam', regs: 'default,L2', seeds: '1,2' }, () => ({ accuracy: 0.9 }));
    expect(referenceRules(new StudyIndex(plain))).toHaveLength(4);
  });
});

describe('a performance profile whose target nobody reached', () => {
  // Validation accuracy peaks at 0.93 or 0.95 (half the seeds or more), under quick's target 0.97.
  const flags = { optimizers: 'sgd,adam', regs: 'default', hyper: ['adam.lr=1e-3,1e-2'], seeds: '1,2,3' };
  const r = results(flags, (p) => ({ accuracy: 0.9, val: [0.9, p.optimizer === 'sgd' ? 0.935 : p.seed === 3 ? 0.99 : 0.955] }));
  const a = analyzeSweep(r)!;

  it('says so in the table and on the plot, and suggests a --target the optimizers reach', () => {
    const hint = 'No optimizer reached the target (mnist 0.97) in the one problem, so every ρ(τ) is 0. A run with --target mnist=0.95 (reached by some optimizer in every problem, in half its seeds or more) would compare them there.';
    expect(profileTable(a).note).toContain(hint);
    expect((profileSpec(a)!.title as { subtitle: string[] }).subtitle.join(' ')).toContain(hint);
  });

  it('says nothing where the target was reached', () => {
    const reached = results({ ...flags, target: '0.9' }, () => ({ accuracy: 0.9, val: [0.85, 0.95] }));
    expect(profileTable(analyzeSweep(reached)!).note).not.toMatch(/No optimizer reached/);
  });
});
