// --independent-seeds: the flag that breaks the pairing of optimizers on a seed (a check of
// what pairing buys). Configuration, plan and fingerprint here (no GPU); then two tiny runs
// of the CLI: the default pairs every comparison, the flag pairs none and the report says why.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../src/bench/study/config.ts';
import { fingerprint } from '../src/bench/study/journal.ts';
import { independentSeed, planTrials } from '../src/bench/study/plan.ts';
import type { ResultsFile } from '../src/bench/results/types.ts';
import { runBench } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('independent-seeds');

describe('--independent-seeds: configuration and plan', () => {
  it('off by default: every optimizer trains a listed seed with that seed', () => {
    const c = resolveConfig({ preset: 'quick' });
    expect(c.independentSeeds).toBe(false);
    expect(planTrials(c).every((p) => p.trainSeed === undefined)).toBe(true);
  });

  it('on: each optimizer its own generator seeds, the same across modes and settings; ids and listed seeds unchanged', () => {
    const flags = { preset: 'quick', optimizers: 'sgd,adam,rmsprop', regs: 'default,dropout', hyper: ['adam.lr=1e-3,3e-3'] };
    const plain = planTrials(resolveConfig(flags));
    const c = resolveConfig({ ...flags, 'independent-seeds': true });
    expect(c.independentSeeds).toBe(true);
    const plan = planTrials(c);
    expect(plan.map((p) => [p.id, p.seed])).toEqual(plain.map((p) => [p.id, p.seed]));
    for (const p of plan) expect(p.trainSeed).toBe(independentSeed(p.seed, p.optimizer));
    const seedsOf = (o: string) => new Set(plan.filter((p) => p.optimizer === o).map((p) => p.trainSeed));
    expect(seedsOf('adam').size).toBe(c.seeds.length); // two modes x two settings share them
    const all = ['sgd', 'adam', 'rmsprop'].flatMap((o) => [...seedsOf(o)]);
    expect(new Set(all).size).toBe(all.length); // no two optimizers share a generator seed
    for (const s of all) expect(Number.isInteger(s) && s! >= 0 && s! < 2 ** 32).toBe(true);
    // An optimizer's seeds depend on its name, not on the list: reordering or adding leaves them.
    const reordered = planTrials(resolveConfig({ ...flags, optimizers: 'custom,rmsprop,adam', 'independent-seeds': true }));
    expect(new Set(reordered.filter((p) => p.optimizer === 'adam').map((p) => p.trainSeed))).toEqual(seedsOf('adam'));
  });

  it('the fingerprint changes with the flag, and stays what it was for runs without it', () => {
    const c = resolveConfig({ preset: 'quick' });
    const before = { ...c };
    delete before.independentSeeds; // a run journaled before the field existed
    expect(fingerprint(c)).toBe(fingerprint(before));
    expect(fingerprint({ ...c, independentSeeds: true })).not.toBe(fingerprint(c));
  });

  it('a config file value that is not true or false is refused', () => {
    const path = join(tmp(), 'c.json');
    writeFileSync(path, JSON.stringify({ independentSeeds: 'yes' }));
    expect(() => resolveConfig({ config: path })).toThrow(ConfigError);
    expect(() => resolveConfig({ config: path })).toThrow('independentSeeds must be true or false, got "yes"');
  });
});

describe('npm run bench with and without --independent-seeds', () => {
  // 2 optimizers x 2 modes x 3 seeds, one epoch of 600 images of a small MLP.
  const TINY = ['--preset', 'quick', '--optimizers', 'sgd,adam', '--regs', 'default,dropout', '--seeds', '1,2,3', '--epochs', '1', '--train-samples', '600', '--validation', '300', '--sizes', '784,16,10'];

  it('by default every comparison pairs; with the flag none does, results.json records each trial\'s generator seed, and the report says why', async () => {
    const root = tmp();
    const env = { XDG_CACHE_HOME: join(root, 'cache') }; // one tuning cache: the second run reuses the first's
    const pairedDir = join(root, 'paired');
    const p = await runBench([...TINY, '--out', pairedDir], env);
    expect(p.code, p.stderr).toBe(0);
    const paired = JSON.parse(readFileSync(join(pairedDir, 'results.json'), 'utf8')) as ResultsFile;
    const acc = paired.inference!.comparisons.filter((c) => c.metric === 'testAccuracy');
    expect(acc.map((c) => [c.reg, c.a, c.b, c.paired, c.nA])).toEqual([['default', 'sgd', 'adam', true, 3], ['dropout', 'sgd', 'adam', true, 3]]);
    expect(paired.trials.some((t) => 'trainSeed' in t)).toBe(false);
    expect(p.stdout).toContain('### Conclusions');

    const dir = join(root, 'independent');
    const r = await runBench([...TINY, '--independent-seeds', '--out', dir], env);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
    expect(results.config.independentSeeds).toBe(true);
    for (const t of results.trials) expect(t.trainSeed).toBe(independentSeed(t.seed, t.optimizer));
    const unpaired = results.inference!.comparisons.filter((c) => c.metric === 'testAccuracy');
    expect(unpaired.map((c) => [c.paired, c.test.name, c.difference.kind])).toEqual([[false, 'Mann-Whitney U', 'Welch t'], [false, 'Mann-Whitney U', 'Welch t']]);
    expect(readFileSync(join(dir, 'tables.md'), 'utf8')).toContain('unpaired: trained with independent seeds per optimizer (--independent-seeds)');
    const csv = readFileSync(join(dir, 'trials.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^dataset,optimizer,reg,seed,train_seed,epoch,/);
    const first = results.trials[0];
    expect(csv[1].split(',').slice(0, 5)).toEqual([first.dataset, first.optimizer, first.reg, String(first.seed), String(first.trainSeed)]);
    expect(readFileSync(join(pairedDir, 'trials.csv'), 'utf8')).not.toContain('train_seed');
    // Other seeds, other numbers: the flag did reach the generator.
    expect(results.trials.map((t) => t.testLoss)).not.toEqual(paired.trials.map((t) => t.testLoss));
  });
});
