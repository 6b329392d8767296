// `--optimizer-file` and `--check-optimizer` through the command line: a spec in a file
// checked like the built-ins, then benchmarked like them (sweep axes, shards, merge,
// resume, compare), its file's hash recorded, and another version of the file refused.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS, resolveConfig } from '../src/bench/study/config.ts';
import { fingerprint } from '../src/bench/study/journal.ts';
import type { ResultsFile } from '../src/bench/results/types.ts';
import { sha256File, type OptimizerSource } from '../src/bench/optimizer-loader.ts';
import { ownErrors, runBench } from './helpers/cli.ts';
import { BUILTIN_SPECS } from '../src/optim/specs/index.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('optfiles')();
const env = { XDG_CACHE_HOME: join(tmp, 'cache') };
const LION = new URL('../examples/lion.ts', import.meta.url).pathname;
const ADAN = new URL('../examples/adan.ts', import.meta.url).pathname;

// The user's project: an ES-module package with its own copy of Lion, and mistakes.
const proj = join(tmp, 'project');
mkdirSync(proj, { recursive: true });
writeFileSync(join(proj, 'package.json'), '{ "type": "module" }');
const lion = join(proj, 'lion.ts');
copyFileSync(LION, lion);
const lionText = readFileSync(lion, 'utf8');
const write = (name: string, text: string) => {
  writeFileSync(join(proj, name), text);
  return join(proj, name);
};
// The WGSL of lion.ts starts on the line after `wgsl: \``; its second line has the typo.
const typo = write('typo.ts', lionText.replace("name: 'lion'", "name: 'lion-typo'").replace('p = p - lr * (sign(c)', 'p = p - lr * (sign(cc)'));
const typoLine = typo && readFileSync(typo, 'utf8').split('\n').findIndex((l) => l.includes('sign(cc)')) + 1;
const wrong = write('wrong.ts', lionText.replace("name: 'lion'", "name: 'lion-wrong'").replace('p = p - lr * (sign(c)', 'p = p - 1.5 * lr * (sign(c)'));
const half = write('half.ts', "export default { name: 'half', description: 'no reference', slots: [], hyper: {}, wgsl: 'p = p;' };\n");
const clash = write('clash.ts', lionText.replace("name: 'lion'", "name: 'adam'"));

// A tiny study: MNIST, one mode, 2 seeds, 1 epoch of 512 images, a narrow MLP.
const TINY = ['--preset', 'quick', '--regs', 'default', '--seed-count', '2', '--epochs', '1', '--train-samples', '512', '--validation', '256', '--batch', '64', '--sizes', '784,32,10'];

const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile & { config: { optimizerFiles?: OptimizerSource[] } };

describe('--check-optimizer', () => {
  it('checks the example specs and a built-in by name: PASS, the largest relative error per slot, exit 0', async () => {
    const r = await runBench(['--check-optimizer', LION, ADAN, 'adam'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('PASS lion\n');
    expect(r.stdout).toContain('PASS adan\n');
    expect(r.stdout).toContain('PASS adam\n');
    expect(r.stdout).toContain('3 of 3 optimizers pass\n');
    expect(r.stdout).toMatch(/^lion \(.*lion\.ts, sha256 [0-9a-f]{12}\): fused kernel against its TypeScript reference, 25 steps, gradients with negatives, zeros, \+-1e-30 and \+-1e4$/m);
    // Adan: p and its four slots, each with its largest relative error and error/tolerance.
    for (const slot of ['p', 'm', 'v', 'n', 'g_prev']) expect(r.stdout).toMatch(new RegExp(`^  ${slot} +\\d\\.\\de-\\d+ +\\d\\.\\de[-+]\\d+$`, 'm'));
    expect(r.stdout).toContain('  cases: defaults; L2 lambda 0.7; state reset every step\n');
  });

  it('a WGSL mistake: FAIL with the line and column of the file, exit 1', async () => {
    const r = await runBench(['--check-optimizer', typo], env);
    expect(r.code, r.stderr).toBe(1);
    const where = new RegExp(`^  .*typo\\.ts:${typoLine}:\\d+ \\(line 3:\\d+ of its wgsl\\): unresolved value 'cc'$`, 'm');
    expect(r.stdout).toMatch(where);
    expect(r.stdout).toContain('      p = p - lr * (sign(cc) + wd * p);\n');
    expect(r.stdout).toMatch(/^FAIL lion-typo: its wgsl does not compile: /m);
  });

  it('a kernel that disagrees with its reference: FAIL naming the slot and the first value, exit 1', async () => {
    const r = await runBench(['--check-optimizer', wrong, LION], env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^FAIL lion-wrong: \d+ of \d+ values of p fail; the first: p at step 1, element \d+ \(case defaults/m);
    expect(r.stdout).toContain('PASS lion\n');
    expect(r.stdout).toContain('1 of 2 optimizers pass; 1 fail\n');
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['a missing field', [half], /^bench: .*half\.ts: optimizer 'half' lacks 'reference': /],
    ['a built-in name', [clash], /^bench: .*clash\.ts: an optimizer named 'adam' is already registered/],
    ['a file that does not exist', [join(proj, 'nope.ts')], /^bench: optimizer file .*nope\.ts: no such file or folder$/],
    ['an option of a study', [LION, '--epochs', '2'], /^bench: --check-optimizer takes only spec files, --backend and --verbose, not --epochs$/],
  ];
  for (const [name, args, message] of bad) {
    it(`${name}: one line, exit 2, before the GPU`, async () => {
      const r = await runBench(['--check-optimizer', ...args], env);
      expect(r.code).toBe(2);
      expect(ownErrors(r.stderr), r.stderr).toEqual([expect.stringMatching(message)]);
      expect(r.stdout).toBe('');
    });
  }
});

describe('--optimizer-file in a study', () => {
  const s1 = join(tmp, 's1');
  const s2 = join(tmp, 's2');

  it('a swept file-loaded optimizer trains in shards that merge into one run, its file hash recorded', async () => {
    const args = [...TINY, '--optimizer-file', lion, '--optimizers', 'adam,lion', '--hyper', 'lion.lr=1e-4,3e-4'];
    for (const [k, out] of [[1, s1], [2, s2]] as const) {
      const r = await runBench([...args, '--shard', `${k}/2`, '--out', out], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^optimizer lion from .*lion\.ts \(sha256 [0-9a-f]{12}\)$/m);
    }
    const merged = join(tmp, 'merged');
    const m = await runBench(['--merge', s1, s2, '--out', merged], env);
    expect(m.code, m.stderr).toBe(0);
    const res = results(merged);
    expect(res.config.optimizerFiles).toEqual([{ path: lion, sha256: sha256File(lion), optimizers: ['lion'] }]);
    expect(res.sweep?.axes.map((a) => a.name)).toEqual(['lion.lr']);
    expect(res.trials.filter((t) => t.optimizer === 'lion').map((t) => t.setting).sort()).toEqual(['lr=0.0001', 'lr=0.0001', 'lr=0.0003', 'lr=0.0003']);
    expect(res.trials.every((t) => Number.isFinite(t.testAccuracy))).toBe(true);
    expect(readFileSync(join(merged, 'tables.md'), 'utf8')).toContain('lion');
  });

  it('another version of the file: --resume and --merge refuse in one line; the same bytes elsewhere are found', async () => {
    writeFileSync(lion, lionText.replace('default: 0.99,', 'default: 0.98,'));
    try {
      const r = await runBench(['--resume', s1], env);
      expect(r.code).toBe(2);
      expect(ownErrors(r.stderr)).toEqual([expect.stringMatching(/^bench: .*lion\.ts changed since this run started \(sha256 [0-9a-f]{12} then, [0-9a-f]{12} now\): restore that version, or give it with --optimizer-file PATH$/)]);
      // A shard trained with the other version does not merge with one of this version.
      const s3 = join(tmp, 's3');
      const t = await runBench([...TINY, '--optimizer-file', lion, '--optimizers', 'adam,lion', '--hyper', 'lion.lr=1e-4,3e-4', '--shard', '2/2', '--out', s3], env);
      expect(t.code, t.stderr).toBe(0);
      const m = await runBench(['--merge', s1, s3, '--out', join(tmp, 'merged-bad')], env);
      expect(m.code).toBe(2);
      expect(ownErrors(m.stderr)).toEqual([expect.stringMatching(/^bench: .*s3 trained optimizer 'lion' from .*lion\.ts with sha256 [0-9a-f]{12}, .*s1 from .*lion\.ts with sha256 [0-9a-f]{12}: merge only shards trained with one version of each optimizer file$/)]);
      expect(existsSync(join(tmp, 'merged-bad'))).toBe(false);
      // The original bytes under another name: --optimizer-file finds them for the run.
      const moved = write('lion-as-started.ts', lionText);
      const ok = await runBench(['--resume', s1, '--optimizer-file', moved], env);
      expect(ok.code, ok.stderr).toBe(0);
      // A changed file named on --resume is refused too.
      const again = await runBench(['--resume', s1, '--optimizer-file', lion], env);
      expect(again.code).toBe(2);
      expect(ownErrors(again.stderr)).toEqual([expect.stringMatching(/lion\.ts changed since this run started/)]);
    } finally {
      writeFileSync(lion, lionText);
    }
    // The file gone from its recorded path: one line that says how to give it.
    renameSync(lion, `${lion}.away`);
    try {
      const r = await runBench(['--resume', s1], env);
      expect(r.code).toBe(2);
      expect(ownErrors(r.stderr)).toEqual([expect.stringMatching(/^bench: .*lion\.ts, which defines lion, is gone since this run started; give that file with --optimizer-file PATH \(the version with sha256 [0-9a-f]{12}\)$/)]);
    } finally {
      renameSync(`${lion}.away`, lion);
    }
  });

  it('without --optimizers the study trains the preset\'s optimizers and the file\'s; --compare reads such runs', async () => {
    const a = join(tmp, 'all-a');
    const r = await runBench([...TINY, '--seed-count', '1', '--optimizer-file', ADAN, '--out', a], env);
    expect(r.code, r.stderr).toBe(0);
    expect(results(a).config.optimizers).toEqual(['sgd', 'adam', 'rmsprop', 'custom', 'adan']);
    expect(results(a).trials.map((t) => t.optimizer)).toEqual(['sgd', 'adam', 'rmsprop', 'custom', 'adan']);
    const b = join(tmp, 'all-b');
    const r2 = await runBench([...TINY, '--seed-count', '1', '--optimizer-file', ADAN, '--optimizers', 'adam,adan', '--out', b], env);
    expect(r2.code, r2.stderr).toBe(0);
    const c = await runBench(['--compare', a, b, '--out', join(tmp, 'compare')], env);
    expect(c.code, c.stderr).toBe(0);
    expect(readFileSync(join(tmp, 'compare', 'compare.md'), 'utf8')).toContain('adan');
  });

  it('a WGSL mistake is one line naming the line of the file, exit 2, before anything is written', async () => {
    const out = join(tmp, 'typo-run');
    const r = await runBench([...TINY, '--optimizer-file', typo, '--optimizers', 'lion-typo', '--out', out], env);
    expect(r.code).toBe(2);
    expect(ownErrors(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^bench: optimizer 'lion-typo' does not compile: .*typo\\.ts:${typoLine}:\\d+ \\(line 3:\\d+ of its wgsl\\): unresolved value 'cc'  >> p = p - lr \\* \\(sign\\(cc\\) \\+ wd \\* p\\); \\(see --check-optimizer .*typo\\.ts\\)$`))]);
    expect(existsSync(out)).toBe(false);
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['a missing field', ['--optimizer-file', half], /^bench: .*half\.ts: optimizer 'half' lacks 'reference'/],
    ['a built-in name', ['--optimizer-file', clash], /^bench: .*clash\.ts: an optimizer named 'adam' is already registered/],
    ['a file that does not exist', ['--optimizer-file', join(proj, 'nope.ts')], /^bench: optimizer file .*nope\.ts: no such file or folder$/],
    ['a hyperparameter outside the file\'s range', ['--optimizer-file', lion, '--hyper', 'lion.beta1=1'], /^bench: lion: beta1 = 1 is outside its valid range \[0, 1\) \(interpolation factor of the update\)$/],
    ['an optimizer of an unknown file', ['--optimizers', 'lion'], new RegExp(`^bench: unknown optimizer 'lion' \\(known: ${BUILTIN_SPECS.map((b) => b.name).join(', ')}\\)$`)],
  ];
  for (const [name, args, message] of bad) {
    it(`${name}: one line, exit 2, nothing written`, async () => {
      const out = join(tmp, `bad-${name.replace(/\W+/g, '-')}`);
      const r = await runBench([...TINY, ...args, '--out', out], env);
      expect(r.code).toBe(2);
      expect(ownErrors(r.stderr), r.stderr).toEqual([expect.stringMatching(message)]);
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe('the configuration of a study with optimizer files', () => {
  const source: OptimizerSource = { path: '/p/lion.ts', sha256: 'a'.repeat(64), optimizers: ['lion'] };

  it('every preset takes the file\'s optimizers beside its own unless --optimizers names them', async () => {
    await import('../src/bench/optimizer-loader.ts').then((m) => m.loadOptimizerFiles([LION]));
    for (const preset of Object.keys(PRESETS)) {
      const c = resolveConfig({ preset }, undefined, [source]);
      expect(c.optimizers, preset).toEqual([...PRESETS[preset].optimizers, 'lion']);
      expect(c.optimizerFiles).toEqual([source]);
    }
    const named = resolveConfig({ optimizers: 'adam' }, undefined, [source]);
    expect(named.optimizers).toEqual(['adam']);
    expect(named.optimizerFiles).toBeUndefined(); // a file the study does not train is not recorded
  });

  it('the fingerprint holds the files\' hashes, not their paths; without files it is as before', () => {
    const c = resolveConfig({ preset: 'quick' }, undefined, [source]);
    const moved = { ...c, optimizerFiles: [{ ...source, path: '/elsewhere/lion.ts' }] };
    const changed = { ...c, optimizerFiles: [{ ...source, sha256: 'b'.repeat(64) }] };
    expect(fingerprint(moved)).toBe(fingerprint(c));
    expect(fingerprint(changed)).not.toBe(fingerprint(c));
    const plain = resolveConfig({ preset: 'quick' });
    expect(fingerprint({ ...plain, optimizerFiles: [] })).toBe(fingerprint(plain));
  });
});
