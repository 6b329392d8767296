// Grids over hyperparameters: parsing (flags and config file), the trial plan, ids, and
// bad input. No GPU needed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, STUDY_SEEDS, type Flags } from '../src/bench/study/config.ts';
import { planTrials, sweepAxes } from '../src/bench/study/plan.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('sweep-plan');

function plan(flags: Flags) {
  return planTrials(resolveConfig(flags));
}

describe('trial plan', () => {
  it('without a sweep keeps the reference study ids and settings', () => {
    const p = plan({});
    expect(p).toHaveLength(2 * 4 * 3 * 10);
    expect(p.every((t) => t.setting === null)).toBe(true);
    expect(p[0].id).toBe(`fashion-mnist/sgd/default/${STUDY_SEEDS[0]}`);
    expect(new Set(p.map((t) => t.id)).size).toBe(p.length);
    const l2 = p.find((t) => t.id === 'mnist/adam/L2/13790')!;
    expect(l2.opt.l2).toBe(0.7);
    expect(l2.hyper.lr).toBe(1e-3);
    expect(p.find((t) => t.id === 'mnist/adam/dropout/13790')!.dropout).toBe(0.3);
  });

  it('comma lists are grid axes that multiply, each applying to its optimizer or mode', () => {
    const flags: Flags = { datasets: 'mnist', optimizers: 'adam,sgd', regs: 'default,L2,dropout', seeds: '1,2', hyper: ['adam.lr=1e-4,3e-4', 'adam.beta1=0.8'], lambda: '0.01,0.1', dropout: '0.2' };
    const p = plan(flags);
    // adam: default 2 lr, L2 2 lr x 2 lambda, dropout 2 lr; sgd: default 1, L2 2 lambda, dropout 1; x 2 seeds.
    expect(p).toHaveLength((2 + 4 + 2 + 1 + 2 + 1) * 2);
    expect(new Set(p.map((t) => t.id)).size).toBe(p.length);
    expect(p.slice(0, 4).map((t) => t.id)).toEqual(['mnist/adam/default/lr=0.0001/1', 'mnist/adam/default/lr=0.0001/2', 'mnist/adam/default/lr=0.0003/1', 'mnist/adam/default/lr=0.0003/2']);
    const t = p.find((x) => x.id === 'mnist/adam/L2/lr=0.0003,lambda=0.1/2')!;
    expect(t.hyper).toMatchObject({ lr: 3e-4, beta1: 0.8, beta2: 0.999 });
    expect(t.opt.l2).toBe(0.1);
    expect(t.dropout).toBe(0);
    expect(t.setting).toEqual({ label: 'lr=0.0003,lambda=0.1', values: { lr: 3e-4, lambda: 0.1 }, hyper: { lr: 3e-4 }, l2: 0.1 });
    const d = p.find((x) => x.id === 'mnist/adam/dropout/lr=0.0001/1')!;
    expect(d.dropout).toBe(0.2);
    expect(d.opt.l2).toBe(0);
    // sgd: nothing of its own is swept; its default and dropout cells have the one setting "fixed".
    const s = p.find((x) => x.id === 'mnist/sgd/default/fixed/1')!;
    expect(s.hyper.lr).toBe(0.1);
    expect(p.filter((x) => x.optimizer === 'sgd' && x.reg === 'L2').map((x) => x.id)).toEqual(['mnist/sgd/L2/lambda=0.01/1', 'mnist/sgd/L2/lambda=0.01/2', 'mnist/sgd/L2/lambda=0.1/1', 'mnist/sgd/L2/lambda=0.1/2']);
    // Deterministic: the same configuration plans the same trials in the same order.
    expect(plan(flags).map((x) => x.id)).toEqual(p.map((x) => x.id));
    expect(sweepAxes(resolveConfig(flags)).map((a) => a.name)).toEqual(['adam.lr', 'lambda']);
  });

  it('a list for a mode the study does not train is no sweep', () => {
    const p = plan({ datasets: 'mnist', optimizers: 'adam', regs: 'default', seeds: '1', lambda: '0.1,0.7' });
    expect(p.map((t) => t.id)).toEqual(['mnist/adam/default/1']);
  });

  it('a config file gives axes as JSON arrays', () => {
    const file = join(tmp(), 'sweep.json');
    writeFileSync(file, JSON.stringify({ datasets: ['mnist'], optimizers: ['sgd'], regs: ['dropout'], seeds: [5], hyper: { sgd: { lr: [0.01, 0.1], momentum: 0.5 } }, dropout: [0.1, 0.3] }));
    const p = plan({ config: file });
    expect(p.map((t) => t.id)).toEqual(['mnist/sgd/dropout/lr=0.01,dropout=0.1/5', 'mnist/sgd/dropout/lr=0.01,dropout=0.3/5', 'mnist/sgd/dropout/lr=0.1,dropout=0.1/5', 'mnist/sgd/dropout/lr=0.1,dropout=0.3/5']);
    expect(p[3].hyper).toMatchObject({ lr: 0.1, momentum: 0.5 });
    expect(p[3].dropout).toBe(0.3);
  });
});

describe('bad sweep input', () => {
  const bad = (flags: Flags, message: RegExp) => {
    expect(() => resolveConfig(flags)).toThrow(ConfigError);
    expect(() => resolveConfig(flags)).toThrow(message);
  };

  it('an empty entry or an empty list is refused', () => {
    bad({ lambda: '0.1,,0.7' }, /--lambda has an empty entry in '0.1,,0.7'/);
    bad({ hyper: ['adam.lr=1e-3,'] }, /--hyper adam.lr has an empty entry/);
    bad({ dropout: ',' }, /--dropout has an empty entry/);
    const file = join(tmp(), 'empty.json');
    writeFileSync(file, JSON.stringify({ l2: [] }));
    bad({ config: file }, /L2 lambda is an empty list/);
    writeFileSync(file, JSON.stringify({ hyper: { adam: { lr: [] } } }));
    bad({ config: file }, /hyper adam.lr is an empty list/);
  });

  it('repeated or out-of-range values are refused', () => {
    bad({ lambda: '0.1,0.1' }, /repeats a value/);
    bad({ dropout: '0.1,1' }, /dropout must be in \[0, 1\), got 1/);
    bad({ hyper: ['adam.lr=1e-3,0'] }, /adam: lr = 0 is outside its valid range/);
    bad({ hyper: ['adam.lr=1e-3,x'] }, /--hyper adam.lr must be a number, got "x"/);
  });
});

describe('lr-sweep preset', () => {
  it('plans 5 optimizers x 8 learning rates x 3 modes x 20 seeds on both data sets, each id once', () => {
    const p = plan({ preset: 'lr-sweep' });
    expect(p).toHaveLength(2 * 5 * 8 * 3 * 20);
    expect(new Set(p.map((t) => t.id)).size).toBe(4800);
    expect(p.filter((t) => t.dataset === 'fashion-mnist')).toHaveLength(2400);
    expect(new Set(p.map((t) => t.seed)).size).toBe(20);
    const adamLrs = [...new Set(p.filter((t) => t.optimizer === 'adam').map((t) => t.hyper.lr))].sort((a, b) => a - b);
    expect(adamLrs).toEqual([1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]);
    // The study's default rates are on the grid, so the sweep contains the seed study's cells.
    expect(p.some((t) => t.optimizer === 'sgd' && t.hyper.lr === 0.1 && t.hyper.momentum === 0.9)).toBe(true);
    expect(p.find((t) => t.optimizer === 'rmsprop')!.hyper.eps).toBe(1e-7);
  });
});
