// --shard K/N and --merge: the partition of a study's trials, bad shard specs, merge errors,
// and the merge of 3 shards against one run of the same study, every recorded number.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsFile, TrialRecord } from '../src/bench/results/types.ts';
import { ConfigError, parseShard, resolveConfig, type StudyConfig } from '../src/bench/study/config.ts';
import { fingerprint } from '../src/bench/study/journal.ts';
import { planTrials } from '../src/bench/study/plan.ts';
import { partition, trialCost } from '../src/bench/study/shard.ts';
import { ownErrors, runBench } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('shards')();
// One tuning cache for the file's runs; every run trains groups of 2 (one tuned shape set).
const env = { XDG_CACHE_HOME: join(tmp, 'cache') };

// MNIST, sgd and adam at 2 learning rates, 2 modes, 2 seeds, 1 epoch of 300 images: 12 trials.
const TINY = ['--datasets', 'mnist', '--optimizers', 'sgd,adam', '--hyper', 'adam.lr=0.001,0.003', '--regs', 'default,dropout', '--seed-count', '2', '--epochs', '1', '--train-samples', '300', '--validation', '100', '--sizes', '784,32,10', '--trials-at-once', '2'];
const TINY_FLAGS = { datasets: 'mnist', optimizers: 'sgd,adam', hyper: ['adam.lr=0.001,0.003'], regs: 'default,dropout', 'seed-count': '2', epochs: '1', 'train-samples': '300', validation: '100', sizes: '784,32,10' };

function ids(parts: { id: string }[][]): string[][] {
  return parts.map((p) => p.map((t) => t.id));
}

describe('partition', () => {
  const c = resolveConfig({}); // the reference study: 2 data sets x 4 optimizers x 3 modes x 10 seeds
  const plan = planTrials(c);
  const cost = (xs: typeof plan) => xs.reduce((a, p) => a + trialCost(c, p), 0);

  it('every N from 1 to the trial count: disjoint, complete, none empty, data sets contiguous, balanced by cost', () => {
    expect(plan).toHaveLength(240);
    const byDataset = c.datasets.flatMap((d) => plan.filter((p) => p.dataset === d).map((p) => p.id));
    const total = cost(plan);
    const maxCost = Math.max(...plan.map((p) => trialCost(c, p)));
    for (let n = 1; n <= plan.length; n++) {
      const parts = partition(c, plan, n);
      expect(parts).toHaveLength(n);
      expect(parts.every((p) => p.length > 0)).toBe(true);
      // Concatenated they are the plan grouped by data set: disjoint, complete, and each
      // shard's trials of a data set are one run of the plan.
      expect(ids(parts).flat()).toEqual(byDataset);
      for (const p of parts) expect(Math.abs(cost(p) - total / n)).toBeLessThanOrEqual(maxCost);
    }
  });

  it('cuts where the cost is nearest to k/N of the total, a tie going to the earlier cut (N = 16: 15 trials each)', () => {
    // 240 trials, 80 of cost 11 (dropout) among 160 of cost 10: cuts at 15, 30, ... tie with 16, 31, ...
    expect(partition(c, plan, 16).map((p) => p.length)).toEqual(Array(16).fill(15));
    // Every N, every cut, against a search over all places (not the partition's own walk).
    const prefix = [0];
    for (const p of plan) prefix.push(prefix[prefix.length - 1] + trialCost(c, p));
    const total = prefix[plan.length];
    for (let n = 2; n <= plan.length; n++) {
      const parts = partition(c, plan, n);
      let cut = 0;
      for (let k = 1; k < n; k++) {
        const previous = cut;
        cut += parts[k - 1].length;
        const off = (j: number) => Math.abs(n * prefix[j] - k * total);
        // The allowed places: at least one trial in this part and in each later one.
        let best = previous + 1;
        for (let j = previous + 1; j <= plan.length - (n - k); j++) if (off(j) < off(best)) best = j;
        expect(cut, `N = ${n}, cut ${k}`).toBe(best);
      }
    }
  });

  it('costs epochs x training images, a tenth more with dropout', () => {
    const p = plan.find((t) => t.reg === 'default')!;
    const d = plan.find((t) => t.reg === 'dropout')!;
    expect(trialCost(c, p)).toBe(10 * 50_000 * 10);
    expect(trialCost(c, d)).toBe(10 * 50_000 * 11);
  });

  it('is a function of the configuration alone (the same from the journal\'s JSON copy)', () => {
    const again = JSON.parse(JSON.stringify(resolveConfig({}))) as StudyConfig;
    for (const n of [3, 7, 100]) expect(ids(partition(again, planTrials(again), n))).toEqual(ids(partition(c, plan, n)));
  });

  it('cuts the 12-trial grid where its costs say (6 trials of cost 10 and 6 of 11, total 126)', () => {
    const tiny = resolveConfig(TINY_FLAGS);
    // Running costs 10 20 31 42 52 62 72 82 93 104 115 126; cuts nearest to 42 and 84: after 42 and 82.
    expect(ids(partition(tiny, planTrials(tiny), 3))).toEqual([
      ['mnist/sgd/default/fixed/36549', 'mnist/sgd/default/fixed/13790', 'mnist/sgd/dropout/fixed/36549', 'mnist/sgd/dropout/fixed/13790'],
      ['mnist/adam/default/lr=0.001/36549', 'mnist/adam/default/lr=0.001/13790', 'mnist/adam/default/lr=0.003/36549', 'mnist/adam/default/lr=0.003/13790'],
      ['mnist/adam/dropout/lr=0.001/36549', 'mnist/adam/dropout/lr=0.001/13790', 'mnist/adam/dropout/lr=0.003/36549', 'mnist/adam/dropout/lr=0.003/13790'],
    ]);
  });

  it('refuses more shards than trials', () => {
    const tiny = resolveConfig(TINY_FLAGS);
    expect(() => partition(tiny, planTrials(tiny), 13)).toThrow(/has 12 trials; it cannot be split into 13 shards/);
  });
});

describe('--shard K/N', () => {
  it('parses K/N with 1 <= K <= N and refuses the rest', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '', '2', '1/3/4', '-1/3', '1.5/3']) expect(() => parseShard(bad), bad).toThrow(ConfigError);
  });

  it('bad specs are one line, exit 2, nothing written', async () => {
    for (const spec of ['0/3', '4/3', '1/0', 'a/b', '13/13']) {
      const out = join(tmp, `bad-${spec.replace('/', '-')}`);
      const r = await runBench([...TINY, '--shard', spec, '--out', out], env);
      expect(r.code, r.stderr).toBe(2);
      expect(ownErrors(r.stderr)).toHaveLength(1);
      expect(ownErrors(r.stderr)[0]).toMatch(spec === '13/13' ? /has 12 trials; it cannot be split into 13 shards/ : /--shard must be K\/N with 1 <= K <= N/);
      expect(existsSync(out)).toBe(false);
    }
  });
});

/** Everything in results.json that the trials' numbers decide: no times, no group sizes. */
const TIMES = new Set(['seconds', 'samplesPerSecond', 'updateMsPerStep', 'groupSize', 'cputime_list', 'speed']);
function numbers(r: ResultsFile) {
  const strip = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (TIMES.has(k) ? undefined : x)));
  return { complete: r.complete, plannedTrials: r.plannedTrials, config: r.config, results: strip(r.results), statistics: strip(r.statistics), trials: strip(r.trials) };
}

function readResults(dir: string): ResultsFile {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
}

/** trials.csv without its time columns. */
function csvNumbers(dir: string): string[] {
  const rows = readFileSync(join(dir, 'trials.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const keep = rows[0].map((h, i) => (/seconds|samples_per_second|update_ms|group/.test(h) ? -1 : i)).filter((i) => i >= 0);
  return rows.map((r) => keep.map((i) => r[i]).join(','));
}

describe('3 shards and --merge', () => {
  const shard = (k: number) => join(tmp, `shard-${k}-of-3`);
  const merged = join(tmp, 'merged');
  const single = join(tmp, 'single');

  it('one run, then the 3 shards (one of them killed and resumed): the merge holds the single run\'s numbers bit for bit', async () => {
    const one = await runBench([...TINY, '--out', single], env);
    expect(one.code, one.stderr).toBe(0);
    for (const k of [1, 2, 3]) {
      const r = await runBench([...TINY, '--shard', `${k}/3`, '--out', shard(k)], env);
      expect(r.code, r.stderr).toBe(0);
      const res = readResults(shard(k));
      expect(res.sharding).toEqual({ fingerprint: fingerprint(res.config as unknown as StudyConfig), shard: { index: k, count: 3 } });
      expect(res.plannedTrials).toBe(4);
    }
    // Shard 1 killed after its first trial: the journal keeps one trial, no results.json yet.
    const journal = join(shard(1), 'journal.jsonl');
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    writeFileSync(journal, `${lines.filter((l) => !l.includes('"type":"trial"') || l.includes('mnist/sgd/default/fixed/36549')).join('\n')}\n`);
    rmSync(join(shard(1), 'results.json'));
    const early = await runBench(['--merge', shard(1), shard(2), shard(3), '--out', merged], env);
    expect(early.code).toBe(2);
    expect(ownErrors(early.stderr)).toEqual([`bench: ${shard(1)} has no results.json: its run did not end; finish it with npm run bench -- --resume ${shard(1)}`]);

    const resumed = await runBench(['--resume', shard(1)], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('1 of 4 trials already finished');

    const m = await runBench(['--merge', shard(1), shard(2), shard(3), '--out', merged], env);
    expect(m.code, m.stderr).toBe(0);
    const a = readResults(single);
    const b = readResults(merged);
    expect(numbers(b)).toEqual(numbers(a));
    expect(b.trials.map((t: TrialRecord) => t.id)).toEqual(planTrials(resolveConfig(TINY_FLAGS)).map((p) => p.id));
    expect(csvNumbers(merged)).toEqual(csvNumbers(single));
    expect(b.sharding?.mergedFrom?.map((s) => [s.shard?.index, s.trials])).toEqual([[1, 4], [2, 4], [3, 4]]);
    // One tuning cache: the same kernels everywhere, and the merge says so.
    expect(b.sharding?.matmulKernels).toEqual({ identical: true, differences: [], unrecorded: [] });
    // By shape: resumed, shard 1 trained its other 3 trials in groups of 2 and 1, with the same kernels.
    const byShape = (k: Record<string, string> | undefined) => Object.fromEntries(Object.entries(k!).map(([key, v]) => [key.split(':').filter((p) => !/^T(n|\d)/.test(p)).join(':'), v]));
    expect(byShape(b.mode.matmulKernels)).toEqual(byShape(a.mode.matmulKernels));
    expect(ownErrors(m.stderr)).toEqual([]);
    for (const f of ['tables.md', 'index.html', 'loss-mnist.svg', 'accuracy-mnist.svg', 'time-mnist.svg']) expect(existsSync(join(merged, f)), f).toBe(true);
    expect(m.stdout).toContain('| optimizer |');
  });

  it('shards that ran different matmul kernels still merge, with one warning line naming them, recorded', async () => {
    const copies = [1, 2, 3].map((k) => join(tmp, `differ-${k}`));
    copies.forEach((c, k) => cpSync(shard(k + 1), c, { recursive: true }));
    // Shard 2 ran another kernel for its second layer's forward product.
    const path = join(copies[1], 'results.json');
    const res = JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;
    const key = Object.keys(res.mode.matmulKernels!).find((k) => k.startsWith('NN:128x10x32:'))!;
    const theirs = res.mode.matmulKernels![key];
    const other = theirs === 'scalar_4x4_wg32' ? 'scalar_8x4_wg16' : 'scalar_4x4_wg32';
    res.mode.matmulKernels![key] = other;
    writeFileSync(path, JSON.stringify(res));
    const out = join(tmp, 'merged-differ');
    const m = await runBench(['--merge', ...copies, '--out', out], env);
    expect(m.code, m.stderr).toBe(0);
    expect(ownErrors(m.stderr)).toEqual([
      `bench: warning: the shards did not all run the same matmul kernels (NN:128x10x32:u:b: ${theirs} in ${copies[0]}, ${copies[2]} vs ${other} in ${copies[1]}); their numbers may differ from one run's in the last bits. Pin one set with --kernels (docs/deploy.md, "The same kernels on every machine")`,
    ]);
    const merged = readResults(out);
    expect(merged.sharding?.matmulKernels).toEqual({ identical: false, differences: [{ shape: 'NN:128x10x32:u:b', kernels: { [theirs]: [copies[0], copies[2]], [other]: [copies[1]] } }], unrecorded: [] });
    expect(merged.mode.matmulKernels).toBeUndefined();
    expect(merged.complete).toBe(true);
  });

  async function mergeFails(dirs: string[], message: RegExp): Promise<void> {
    const out = join(tmp, 'not-written');
    const r = await runBench(['--merge', ...dirs, '--out', out], env);
    expect(r.code, r.stderr).toBe(2);
    expect(ownErrors(r.stderr)).toHaveLength(1);
    expect(ownErrors(r.stderr)[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  }

  it('refuses a missing shard, a doubled trial, a directory given twice, an unfinished shard', async () => {
    await mergeFails([shard(1), shard(3)], /lack 4 of the study's 12 trials: shard 2\/3 is not among the directories \(4 trials, e\.g\. mnist\/adam\/default\/lr=0\.001\/36549\): run it with --shard 2\/3/);
    await mergeFails([shard(1), shard(2), shard(3), single], new RegExp(`trial mnist/sgd/default/fixed/36549 is in both .*shard-1-of-3 and .*single`));
    await mergeFails([shard(1), shard(2), shard(3), shard(2)], /shard-2-of-3 is given twice/);
    const unfinished = join(tmp, 'unfinished');
    cpSync(shard(3), unfinished, { recursive: true });
    const journal = join(unfinished, 'journal.jsonl');
    writeFileSync(journal, readFileSync(journal, 'utf8').split('\n').filter((l) => !l.includes('mnist/adam/dropout/lr=0.003/13790')).join('\n'));
    await mergeFails([shard(1), shard(2), unfinished], /shard 3\/3 in .*unfinished lacks 1 of its 4 trials \(mnist\/adam\/dropout\/lr=0\.003\/13790\): finish it with npm run bench -- --resume .*unfinished/);
  });

  it('refuses shards of different studies, naming the directory', async () => {
    // Shard 2 of the same grid with 2 epochs: its header names another configuration.
    const other = join(tmp, 'other-study');
    cpSync(shard(2), other, { recursive: true });
    const journal = join(other, 'journal.jsonl');
    const [head, ...rest] = readFileSync(journal, 'utf8').split('\n');
    const h = JSON.parse(head) as { fingerprint: string; config: StudyConfig };
    h.config.epochs = 2;
    h.fingerprint = fingerprint(h.config);
    writeFileSync(journal, [JSON.stringify(h), ...rest].join('\n'));
    await mergeFails([shard(1), other, shard(3)], new RegExp(`${other} belongs to another study than .*shard-1-of-3 \\(configuration fingerprint ${h.fingerprint}, not [0-9a-f]{16}\\)`));
    // Wherever it stands among the directories: last, and first (then the others are named).
    await mergeFails([shard(1), shard(3), other], new RegExp(`${other} belongs to another study than .*shard-1-of-3 \\(configuration fingerprint ${h.fingerprint},`));
    await mergeFails([other, shard(1), shard(3)], new RegExp(`shard-1-of-3 belongs to another study than ${other} \\(configuration fingerprint [0-9a-f]{16}, not ${h.fingerprint}\\)`));
  });

  it('--resume keeps a shard\'s own part', async () => {
    const r = await runBench(['--resume', shard(2), '--shard', '1/3'], env);
    expect(r.code).toBe(2);
    expect(ownErrors(r.stderr)).toEqual(['bench: this run is shard 2/3; --resume continues it as such (leave out --shard)']);
  });

  it('--merge takes only directories, --out and --optimizer-file', async () => {
    const r = await runBench(['--merge', shard(1), '--epochs', '2'], env);
    expect(r.code).toBe(2);
    expect(ownErrors(r.stderr)).toEqual(['bench: --merge takes only run directories, --out and --optimizer-file, not --epochs']);
  });
});
