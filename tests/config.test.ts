// Study configuration (preset < config file < flags) and the trial plan built from it.
// Host only: no GPU. Expected values are written out here, not read from the presets.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseShard, PRESETS, resolveConfig, trainCount, validate, type StudyConfig } from '../src/bench/study/config.ts';
import { implausibleSize, plannedTrialCount } from '../src/bench/study/implausible.ts';
import { planTrials, sweepAxes } from '../src/bench/study/plan.ts';
import { listOptimizers } from '../src/optim/registry.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('config');

function configFile(body: unknown): string {
  const path = join(tmp(), 'study.json');
  writeFileSync(path, JSON.stringify(body));
  return path;
}

/** The ConfigError a resolution throws (fails when it does not throw one). */
function refusal(flags: Record<string, string | string[] | boolean>, base?: StudyConfig): string {
  try {
    resolveConfig(flags, base);
  } catch (e) {
    expect(e, JSON.stringify(flags)).toBeInstanceOf(ConfigError);
    expect((e as Error).name).toBe('ConfigError');
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(flags)}`);
}

describe('resolveConfig', () => {
  it('the default is the reference study: 2 data sets x 4 optimizers x 3 modes x 10 seeds, 10 epochs of 50,000 images', () => {
    const c = resolveConfig({});
    expect(c.preset).toBe('seed-study');
    expect(c.datasets).toEqual(['fashion-mnist', 'mnist']);
    expect(c.optimizers).toEqual(['sgd', 'adam', 'rmsprop', 'custom']);
    expect(c.regs).toEqual(['default', 'L2', 'dropout']);
    expect(c.seeds).toEqual([36549, 13790, 41463, 52126, 1272, 60548, 14578, 86558, 96271, 57229]);
    expect([c.epochs, c.batch, c.validation, c.l2, c.dropout]).toEqual([10, 128, 10_000, 0.7, 0.3]);
    expect(c.sizes).toEqual([784, 128, 128, 10]);
    expect(c.target).toEqual({ mnist: 0.97, 'fashion-mnist': 0.85 });
    expect(c.resetStateEveryStep).toEqual([]);
    expect(trainCount(c)).toBe(50_000);
    expect(trainCount({ ...c, trainSamples: 1234 })).toBe(1234);
  });

  it('seed-replica resets sgd, adam and rmsprop every step and uses the tf.keras forms of adam and rmsprop', () => {
    const c = resolveConfig({ preset: 'seed-replica' });
    expect(c.resetStateEveryStep).toEqual(['sgd', 'adam', 'rmsprop']);
    expect(c.hyper.adam.keras).toBe(1);
    expect(c.hyper.rmsprop.keras).toBe(1);
    expect(c.hyper.sgd.keras).toBeUndefined();
  });

  it('does not modify the preset it starts from', () => {
    const before = JSON.stringify(PRESETS.quick);
    resolveConfig({ preset: 'quick', epochs: '5', hyper: ['adam.lr=0.5'], target: 'mnist=0.5' });
    expect(JSON.stringify(PRESETS.quick)).toBe(before);
  });

  it('precedence: preset < config file < flags', () => {
    const file = configFile({ epochs: 5, batch: 64, l2: 0.25, dropout: 0.1, seeds: [1, 2, 3], hyper: { adam: { lr: 0.01 } } });
    const c = resolveConfig({ preset: 'quick', config: file, epochs: '3', dropout: '0.4' });
    expect(c.preset).toBe('quick');
    expect(c.datasets).toEqual(['mnist']); // preset (the file does not say)
    expect(c.trainSamples).toBe(10_000); // preset
    expect(c.batch).toBe(64); // file over preset
    expect(c.l2).toBe(0.25); // file over preset
    expect(c.seeds).toEqual([1, 2, 3]); // file over preset
    expect(c.epochs).toBe(3); // flag over file
    expect(c.dropout).toBe(0.4); // flag over file
    expect(c.hyper.adam).toEqual({ lr: 0.01 }); // the file's adam entry replaces the preset's
    expect(c.hyper.sgd).toEqual({ lr: 0.1, momentum: 0.9 }); // other optimizers keep theirs
  });

  it('a config file may name its own preset label, and flags beat it too', () => {
    const file = configFile({ preset: 'mine', epochs: 4 });
    expect(resolveConfig({ config: file }).preset).toBe('mine');
    expect(resolveConfig({ config: file }).epochs).toBe(4);
    expect(resolveConfig({ config: file, epochs: '1' }).epochs).toBe(1);
  });

  it('--hyper sets one hyperparameter of one optimizer and keeps the others; repeated, the last wins', () => {
    const c = resolveConfig({ hyper: ['adam.lr=0.002', 'sgd.momentum=0.5', 'adam.lr=0.003', 'rmsprop.eps=1e-6'] });
    expect(c.hyper.adam).toEqual({ lr: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    expect(c.hyper.sgd).toEqual({ lr: 0.1, momentum: 0.5 });
    expect(c.hyper.rmsprop.eps).toBe(1e-6);
    // An optimizer without preset entries gets one.
    expect(resolveConfig({ optimizers: 'adamw', hyper: ['adamw.weight_decay=0.02'] }).hyper.adamw).toEqual({ weight_decay: 0.02 });
  });

  it('--target: one value for every data set, or per data set over the preset', () => {
    expect(resolveConfig({ target: '0.9' }).target).toEqual({ mnist: 0.9, 'fashion-mnist': 0.9 });
    expect(resolveConfig({ target: 'mnist=0.95' }).target).toEqual({ mnist: 0.95, 'fashion-mnist': 0.85 });
    expect(resolveConfig({ target: 'mnist=0.5, fashion-mnist=0.6' }).target).toEqual({ mnist: 0.5, 'fashion-mnist': 0.6 });
    expect(() => resolveConfig({ target: 'mnist=1.5' })).toThrow(/target accuracy for mnist must be in \(0, 1\], got 1.5/);
    expect(() => resolveConfig({ target: 'mnist=x' })).toThrow(/--target must be a number/);
  });

  it('--lambda, --dropout, --reset-state-every-step, --seeds, --seed-count, --sizes, --init, --profile', () => {
    const c = resolveConfig({ lambda: '0', dropout: '0.55', 'reset-state-every-step': 'adam, sgd', seeds: '5,6', sizes: '784,32,10', init: 'he-uniform', profile: true });
    expect(c.l2).toBe(0);
    expect(c.dropout).toBe(0.55);
    expect(c.resetStateEveryStep).toEqual(['adam', 'sgd']);
    expect(c.seeds).toEqual([5, 6]);
    expect(c.sizes).toEqual([784, 32, 10]);
    expect(c.init).toBe('he-uniform');
    expect(c.profile).toBe(true);
    // An empty list switches the reset off (seed-replica turns it on).
    expect(resolveConfig({ preset: 'seed-replica', 'reset-state-every-step': '' }).resetStateEveryStep).toEqual([]);
    // Seeds past the ten study seeds continue from 100000 + index.
    expect(resolveConfig({ 'seed-count': '12' }).seeds.slice(8)).toEqual([96271, 57229, 100_010, 100_011]);
    expect(resolveConfig({ 'seed-count': '1' }).seeds).toEqual([36549]);
    expect(resolveConfig({ validation: '0', 'train-samples': '60000' }).validation).toBe(0);
  });

  it('a resumed run starts from its own configuration, not a preset', () => {
    const base: StudyConfig = { ...structuredClone(PRESETS.quick), epochs: 7, preset: 'quick' };
    expect(resolveConfig({ preset: 'seed-study' }, base).epochs).toBe(7);
    expect(resolveConfig({ epochs: '2' }, base).epochs).toBe(2);
  });

  it('refuses what it cannot run, with a ConfigError that names the problem', () => {
    const bad: Array<[Record<string, string | string[]>, RegExp]> = [
      [{ epochs: '0' }, /--epochs must be an integer >= 1, got "0"/],
      [{ epochs: '1.5' }, /--epochs must be an integer/],
      [{ lambda: '-1' }, /L2 lambda must be a finite number >= 0, got -1/],
      [{ lambda: 'abc' }, /--lambda must be a number/],
      [{ lambda: '' }, /--lambda must be a number/],
      [{ dropout: '-0.1' }, /dropout must be in \[0, 1\), got -0.1/],
      [{ dropout: '1' }, /dropout must be in \[0, 1\)/],
      [{ seeds: '1,1' }, /seeds: \[1,1\] repeats an entry/],
      [{ seeds: '4294967296' }, /seed 4294967296 must be an integer in \[0, 2\^32\)/],
      [{ optimizers: 'sgd,sgd' }, /optimizers: .* repeats an entry/],
      [{ datasets: 'mnist,cifar' }, /unknown data set 'cifar'/],
      [{ regs: 'L1' }, /unknown regularization mode 'L1'/],
      [{ sizes: '784,10,9' }, /sizes must start with 784 inputs and end with 10 classes, got 784,10,9/],
      [{ sizes: '784' }, /sizes must start with 784/],
      [{ init: 'zeros' }, /unknown initializer 'zeros'/],
      [{ backend: 'cuda' }, /unknown backend 'cuda'/],
      [{ validation: '10000', 'train-samples': '50001' }, /50001 training \+ 10000 validation samples exceed the 60000/],
      [{ hyper: ['adam.lr'] }, /--hyper expects optimizer.name=value/],
      [{ hyper: ['adam.lr=fast'] }, /--hyper adam.lr must be a number/],
      [{ hyper: ['adagrad.lr=1'] }, /unknown optimizer 'adagrad'/],
      [{ hyper: ['adam.gamma=1'] }, /adam: unknown hyperparameter 'gamma'/],
      [{ 'reset-state-every-step': 'nadam' }, /unknown optimizer 'nadam'/],
      [{ 'trials-at-once': '-1' }, /--trials-at-once must be an integer >= 1/],
      [{ preset: 'huge' }, /unknown preset 'huge' \(known: seed-study, seed-replica, lr-sweep, modern-sweep, quick\)/],
    ];
    for (const [flags, message] of bad) expect(refusal(flags), JSON.stringify(flags)).toMatch(message);
    // The config file's fields are checked the same way.
    expect(() => resolveConfig({ config: configFile({ datasets: [] }) })).toThrow(/data sets: at least one is needed/);
    expect(() => resolveConfig({ config: configFile({ epochs: 2, dropuot: 0.1 }) })).toThrow(/unknown field 'dropuot'/);
    expect(() => resolveConfig({ config: configFile([1, 2]) })).toThrow(/not valid JSON: not a JSON object/);
    expect(() => validate({ ...structuredClone(PRESETS.quick), target: { mnist: 0 } })).toThrow(/must be in \(0, 1\], got 0/);
  });
});

describe('resolveConfig, every message and edge', () => {
  it('the presets, written out', () => {
    const c = resolveConfig({});
    expect(c.hyper).toEqual({
      sgd: { lr: 0.1, momentum: 0.9 },
      adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      rmsprop: { lr: 1e-3, rho: 0.9, eps: 1e-7, momentum: 0 },
      custom: { lr: 1e-3 },
    });
    expect([c.profile, c.dataDir, c.trainSamples, c.init, c.backend, c.trialsAtOnce]).toEqual([false, null, null, 'glorot-uniform', 'auto', 0]);
    const q = resolveConfig({ preset: 'quick' });
    expect([q.seeds, q.epochs, q.trainSamples, q.validation, q.datasets]).toEqual([[36549, 13790], 2, 10_000, 5_000, ['mnist']]);
    expect(resolveConfig({ 'data-dir': '/data/idx' }).dataDir).toBe('/data/idx');
    for (const name of Object.keys(PRESETS)) expect(resolveConfig({ preset: name }).preset).toBe(name);
    expect(resolveConfig({ 'reset-state-every-step': ' ' }).resetStateEveryStep).toEqual([]); // blank is none
  });

  it('list flags: trimmed entries, an empty entry refused with the flag named', () => {
    expect(resolveConfig({ optimizers: ' adam , sgd ' }).optimizers).toEqual(['adam', 'sgd']);
    for (const flag of ['datasets', 'optimizers', 'regs', 'seeds', 'sizes', 'reset-state-every-step', 'target']) {
      expect(refusal({ [flag]: 'a,,b' })).toBe(`--${flag} 'a,,b' has an empty entry; separate entries with single commas`);
    }
    expect(refusal({ optimizers: 'adam,' })).toMatch(/^--optimizers 'adam,' has an empty entry/);
  });

  it('integer and number flags name themselves and the value', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ seeds: '1,x' }, '--seeds entries must be an integer >= 0, got "x"'],
      [{ seeds: '-1' }, '--seeds entries must be an integer >= 0, got "-1"'],
      [{ 'seed-count': '0' }, '--seed-count must be an integer from 1 to 1000000, got "0"'],
      [{ epochs: '2.5' }, '--epochs must be an integer >= 1, got "2.5"'],
      [{ batch: '0' }, '--batch must be an integer >= 1, got "0"'],
      [{ validation: '-1' }, '--validation must be an integer >= 0, got "-1"'],
      [{ 'train-samples': '0' }, '--train-samples must be an integer >= 1, got "0"'],
      [{ sizes: '784,0,10' }, '--sizes entries must be an integer >= 1, got "0"'],
      [{ 'trials-at-once': '1.5' }, '--trials-at-once must be an integer >= 1 (leave it out to train as many together as fit), got "1.5"'],
      [{ lambda: ' ' }, '--lambda must be a number, got " "'],
      [{ dropout: 'x' }, '--dropout must be a number, got "x"'],
      [{ target: 'mnist=Infinity' }, '--target must be a number, got "Infinity"'],
    ];
    for (const [flags, message] of cases) expect(refusal(flags), JSON.stringify(flags)).toBe(message);
    expect(resolveConfig({ lambda: '0.1, 0.2' }).l2).toEqual([0.1, 0.2]); // a sweep axis, entries trimmed
    expect(refusal({ lambda: '0.1, ' })).toBe("--lambda has an empty entry in '0.1, '; give one number or a comma list of numbers (e.g. 1e-4,3e-4,1e-3)");
    expect(refusal({ lambda: '0.1,' })).toBe("--lambda has an empty entry in '0.1,'; give one number or a comma list of numbers (e.g. 1e-4,3e-4,1e-3)");
    expect(refusal({ hyper: ['adam.lr=0.1,x'] })).toBe('--hyper adam.lr must be a number, got "x"');
  });

  it('--hyper is optimizer.name=value, nothing before or after', () => {
    expect(refusal({ hyper: [' adam.lr=0.1'] })).toBe("--hyper expects optimizer.name=value (e.g. adam.lr=0.002), got ' adam.lr=0.1'");
    expect(refusal({ hyper: ['adam.lr=0.1\nx'] })).toMatch(/^--hyper expects optimizer.name=value/);
    expect(resolveConfig({ hyper: ['adam.lr=0.25'] }).hyper.adam.lr).toBe(0.25);
  });

  it('the config file: unreadable, not an object, an unknown field, or values out of range', () => {
    const missing = join(tmp(), 'nope.json');
    expect(refusal({ config: missing })).toBe(`cannot read config file ${missing}: ENOENT`);
    for (const body of ['null', '[1]', '5', '"text"']) {
      const path = join(tmp(), 'c.json');
      writeFileSync(path, body);
      expect(refusal({ config: path }), body).toBe(`config file ${path} is not valid JSON: not a JSON object`);
    }
    const typo = configFile({ epoch: 2 });
    expect(refusal({ config: typo })).toBe(
      `config file ${typo}: unknown field 'epoch' (fields: preset, datasets, optimizers, hyper, regs, l2, dropout, seeds, independentSeeds, epochs, batch, validation, trainSamples, sizes, init, target, trialsAtOnce, resetStateEveryStep, backend, profile, dataDir)`,
    );
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ epochs: 0 }, 'epochs must be an integer >= 1, got 0'],
      [{ batch: 1.5 }, 'batch must be an integer >= 1, got 1.5'],
      [{ validation: -1 }, 'validation must be an integer >= 0, got -1'],
      [{ trainSamples: 0 }, 'train samples must be an integer >= 1, got 0'],
      [{ sizes: [784, 0, 10] }, 'layer sizes must be an integer >= 1, got 0'],
      [{ trialsAtOnce: -1 }, 'trials at once must be an integer >= 0, got -1'],
      [{ seeds: [-1] }, 'seed -1 must be an integer in [0, 2^32)'],
      [{ seeds: [1.5] }, 'seed 1.5 must be an integer in [0, 2^32)'],
      [{ seeds: [4294967296] }, 'seed 4294967296 must be an integer in [0, 2^32)'],
      [{ datasets: ['cifar'] }, "unknown data set 'cifar' (known: mnist, fashion-mnist)"],
      [{ optimizers: [] }, 'optimizers: at least one is needed'],
      [{ regs: [] }, 'regularization modes: at least one is needed'],
      [{ regs: ['L2', 'L2'] }, 'regularization modes: ["L2","L2"] repeats an entry'],
      [{ regs: ['l1'] }, "unknown regularization mode 'l1' (known: default, L2, dropout)"],
      [{ seeds: [] }, 'seeds: at least one is needed'],
      [{ init: 'zeros' }, "unknown initializer 'zeros' (known: glorot-uniform, he-uniform)"],
      [{ backend: 'cuda' }, "unknown backend 'cuda' (known: auto, vulkan, metal, d3d12, opengles, opengl)"],
      [{ validation: 60_000 }, 'some training + 60000 validation samples exceed the 60000 of the training split'],
      [{ trainSamples: 100, batch: 101 }, 'batch 101 is larger than the 100 training samples; use a smaller --batch (or more --train-samples, fewer --validation)'],
      [{ l2: [0.1, 'x'] }, 'L2 lambda entries must be a number, got "x"'],
      [{ l2: [] }, 'L2 lambda is an empty list; give one number or a list of numbers to sweep'],
      [{ dropout: [0.1, 0.1] }, 'dropout: [0.1,0.1] repeats a value'],
      [{ sizes: [783, 10] }, 'sizes must start with 784 inputs and end with 10 classes, got 783,10'],
      [{ target: { mnist: 1.01 } }, 'target accuracy for mnist must be in (0, 1], got 1.01'],
    ];
    for (const [body, message] of cases) expect(refusal({ config: configFile(body) }), JSON.stringify(body)).toBe(message);
  });

  it('edges that are allowed', () => {
    const ok: Array<Record<string, unknown>> = [
      { seeds: [0, 4294967295] }, { sizes: [784, 10] }, { trainSamples: 100, batch: 100 }, { dropout: 0 }, { l2: 0 },
      { target: { mnist: 1 } }, { validation: 0, trainSamples: 60_000 }, { trialsAtOnce: 0 },
    ];
    for (const body of ok) expect(() => resolveConfig({ config: configFile(body) }), JSON.stringify(body)).not.toThrow();
    expect(resolveConfig({}).profile).toBe(false);
    expect(resolveConfig({ profile: false }).profile).toBe(false);
  });
});

describe('--shard', () => {
  it('parseShard takes K/N with 1 <= K <= N, spaces allowed around the numbers', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    expect(parseShard('12/12')).toEqual({ index: 12, count: 12 });
    for (const bad of ['0/4', '5/4', '2', '2/', '/4', 'a/4', '2/4x', 'x2/4', '-1/4', '2.5/4', '']) {
      expect(() => parseShard(bad), bad).toThrow(`--shard must be K/N with 1 <= K <= N (e.g. --shard 2/4 for the second of four), got '${bad}'`);
    }
    expect(resolveConfig({ shard: '3/5' }).shard).toEqual({ index: 3, count: 5 });
    expect(resolveConfig({}).shard).toBeUndefined();
  });

  it('a resumed run keeps what it was: the same shard, or a whole study', () => {
    const sharded = resolveConfig({ shard: '2/4' });
    expect(resolveConfig({ shard: '2/4' }, sharded).shard).toEqual({ index: 2, count: 4 });
    expect(refusal({ shard: '3/4' }, sharded)).toBe('this run is shard 2/4; --resume continues it as such (leave out --shard)');
    expect(refusal({ shard: '2/5' }, sharded)).toBe('this run is shard 2/4; --resume continues it as such (leave out --shard)');
    expect(refusal({ shard: '1/4' }, resolveConfig({}))).toBe('this run is a whole study, not a shard; --resume continues it as such (leave out --shard)');
  });
});

describe('planTrials', () => {
  const base = (over: Partial<StudyConfig>): StudyConfig => ({ ...structuredClone(PRESETS['seed-study']), ...over });

  it('each mode trains with its own regularization: L2 only in L2, dropout only in dropout', () => {
    const c = base({ datasets: ['mnist'], optimizers: ['sgd', 'adam'], seeds: [3, 4], l2: 0.25, dropout: 0.4 });
    const plan = planTrials(c);
    expect(plan).toHaveLength(1 * 2 * 3 * 2);
    for (const p of plan) {
      expect(p.opt.l2, p.id).toBe(p.reg === 'L2' ? 0.25 : 0);
      expect(p.dropout, p.id).toBe(p.reg === 'dropout' ? 0.4 : 0);
      expect(p.opt.optimizer).toBe(p.optimizer);
      expect(p.opt.resetEveryStep).toBe(false);
    }
  });

  it('follows the grid order data set, optimizer, mode, seed, with ids that name all four', () => {
    const plan = planTrials(base({ optimizers: ['adam', 'sgd'], regs: ['dropout', 'default'], seeds: [9, 1] }));
    expect(plan.map((p) => p.id)).toEqual([
      'fashion-mnist/adam/dropout/9', 'fashion-mnist/adam/dropout/1', 'fashion-mnist/adam/default/9', 'fashion-mnist/adam/default/1',
      'fashion-mnist/sgd/dropout/9', 'fashion-mnist/sgd/dropout/1', 'fashion-mnist/sgd/default/9', 'fashion-mnist/sgd/default/1',
      'mnist/adam/dropout/9', 'mnist/adam/dropout/1', 'mnist/adam/default/9', 'mnist/adam/default/1',
      'mnist/sgd/dropout/9', 'mnist/sgd/dropout/1', 'mnist/sgd/default/9', 'mnist/sgd/default/1',
    ]);
    expect(plan.map((p) => [p.dataset, p.optimizer, p.reg, p.seed])[5]).toEqual(['fashion-mnist', 'sgd', 'dropout', 1]);
    expect(planTrials(base({})).length).toBe(240);
  });

  it('sweep axes are named by what they sweep', () => {
    const c = resolveConfig({ optimizers: 'adam', hyper: ['adam.lr=0.1,0.2'], lambda: '0.1,0.2', dropout: '0.1,0.2' });
    expect(sweepAxes(c).map((a) => [a.name, a.key, a.values])).toEqual([['adam.lr', 'lr', [0.1, 0.2]], ['lambda', 'lambda', [0.1, 0.2]], ['dropout', 'dropout', [0.1, 0.2]]]);
  });

  it('every trial carries all its optimizer hyperparameters, defaults filled in, and the reset switch of its optimizer', () => {
    const c = resolveConfig({ datasets: 'mnist', optimizers: 'adam,sgd', regs: 'default', seeds: '1', hyper: ['adam.lr=0.002'], 'reset-state-every-step': 'sgd' });
    const [adam, sgd] = planTrials(c);
    expect(adam.hyper).toEqual({ lr: 0.002, beta1: 0.9, beta2: 0.999, eps: 1e-8, keras: 0 });
    expect(adam.opt.hyper).toEqual(adam.hyper);
    expect(adam.opt.resetEveryStep).toBe(false);
    expect(sgd.hyper).toEqual({ lr: 0.1, momentum: 0.9, nesterov: 0 });
    expect(sgd.opt.resetEveryStep).toBe(true);
  });
});

describe('flags given, however empty', () => {
  it('an empty list is refused, even after an earlier flag (parseArgs keeps the last)', () => {
    for (const flag of ['datasets', 'optimizers', 'regs', 'seeds', 'sizes', 'target']) {
      expect(refusal({ [flag]: '' })).toBe(`--${flag} is empty; give at least one entry (or leave --${flag} out for the preset's)`);
    }
    for (const flag of ['epochs', 'batch', 'validation', 'train-samples', 'seed-count']) expect(refusal({ [flag]: '' })).toMatch(new RegExp(`^--${flag} must be an integer .*, got ""$`));
    expect(refusal({ backend: '' })).toMatch(/^unknown backend ''/);
    expect(refusal({ preset: '' })).toMatch(/^unknown preset ''/);
    // ...but emptying the list of optimizers reset every step is a request for none.
    expect(resolveConfig({ preset: 'seed-replica', 'reset-state-every-step': '' }).resetStateEveryStep).toEqual([]);
  });

  it('--trials-at-once 0 is refused (the default, as many as fit, is the flag left out); a config file may say 0', () => {
    expect(refusal({ 'trials-at-once': '0' })).toBe('--trials-at-once must be an integer >= 1 (leave it out to train as many together as fit), got "0"');
    expect(resolveConfig({ config: configFile({ trialsAtOnce: 0 }) }).trialsAtOnce).toBe(0);
    expect(resolveConfig({ 'trials-at-once': '12' }).trialsAtOnce).toBe(12);
  });

  it('--hyper for an optimizer the run does not train is refused; one it trains is taken', () => {
    expect(refusal({ optimizers: 'sgd', hyper: ['adam.lr=0.1'] })).toBe("--hyper adam.lr=0.1: 'adam' is not among the optimizers this run trains (sgd); add it to --optimizers or leave the --hyper out");
    expect(refusal({ hyper: ['adma.lr=0.1'] })).toBe(`--hyper adma.lr=0.1: unknown optimizer 'adma' (known: ${listOptimizers().join(', ')})`);
    expect(resolveConfig({ optimizers: 'sgd,adam', hyper: ['adam.lr=0.1'] }).hyper.adam.lr).toBe(0.1);
    // The preset's own settings of optimizers left out are not --hyper flags: no error.
    expect(resolveConfig({ optimizers: 'sgd' }).optimizers).toEqual(['sgd']);
  });

  it('--target names only known data sets', () => {
    expect(refusal({ target: 'cifar=0.9' })).toBe("--target names an unknown data set 'cifar' (known: mnist, fashion-mnist)");
  });

  it('--data-dir: one folder, or name=folder pairs of known data sets', () => {
    expect(resolveConfig({ 'data-dir': 'mnist=/a,fashion-mnist=/b' }).dataDir).toBe('mnist=/a,fashion-mnist=/b');
    expect(refusal({ 'data-dir': 'mnist=/a,cifar=/b' })).toBe("--data-dir names an unknown data set 'cifar' (known: mnist, fashion-mnist); give DIR, or name=DIR for each data set");
    expect(refusal({ 'data-dir': 'mnist=' })).toBe('--data-dir mnist= names no folder');
    expect(refusal({ 'data-dir': 'mnist=/a,mnist=/b' })).toBe('--data-dir names mnist twice');
    expect(refusal({ 'data-dir': '' })).toBe('--data-dir is empty; give a folder, or name=FOLDER for each data set');
  });

  it('--seed-count stops at 1,000,000 (a list of seeds, each a trial of every cell)', () => {
    expect(refusal({ 'seed-count': '1000001' })).toBe('--seed-count must be an integer from 1 to 1000000, got "1000001"');
    expect(refusal({ 'seed-count': '1e9' })).toBe('--seed-count must be an integer from 1 to 1000000, got "1e9"');
  });
});

describe('implausible sizes', () => {
  it('counts the planned trials without planning them: every preset, sweeps, one-mode axes', () => {
    const configs = [
      ...Object.keys(PRESETS).map((preset) => resolveConfig({ preset })),
      resolveConfig({ optimizers: 'sgd,adam', hyper: ['adam.lr=1e-4,1e-3,1e-2', 'sgd.momentum=0,0.9'], lambda: '0.1,0.7', regs: 'default,L2', 'seed-count': '3' }),
      resolveConfig({ dropout: '0.1,0.3', regs: 'dropout', datasets: 'mnist' }),
    ];
    for (const c of configs) expect(plannedTrialCount(c), c.preset).toBe(planTrials(c).length);
  });

  it('over 100 times the reference study\'s training work: one sentence with the sizes; the presets are all below', () => {
    for (const preset of Object.keys(PRESETS)) expect(implausibleSize(resolveConfig({ preset })), preset).toBeNull();
    expect(implausibleSize(resolveConfig({ epochs: '1000000000' }))).toBe('this run trains 240 trials x 1,000,000,000 epochs x 50,000 images, 100,000,000 times the reference study (240 trials x 10 epochs x 50,000 images)');
    expect(implausibleSize(resolveConfig({ 'seed-count': '1000000' }))).toMatch(/^this run trains 24,000,000 trials x 10 epochs x 50,000 images, 100,000 times/);
    // Exactly 100 times is allowed, one trial more is not.
    expect(implausibleSize(resolveConfig({ epochs: '1000' }))).toBeNull();
    expect(implausibleSize(resolveConfig({ epochs: '1001' }))).toMatch(/, 100.1 times the reference study/);
    // A shard counts its own part of the study.
    expect(implausibleSize(resolveConfig({ epochs: '2000', shard: '1/2' }))).toBeNull();
  });
});
