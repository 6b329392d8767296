// `npm run bench` with a tiny sweep on the CPU fallback: results.json's setting level, the
// trials' settings, the sweep sections of the report; an empty sweep entry is bad input.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CellLists, ResultsFile } from '../src/bench/results/types.ts';
import { ownErrors, runBench } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('sweep-cli')();
const env = { XDG_CACHE_HOME: join(tmp, 'cache') };

describe('npm run bench with a sweep', () => {
  it('trains the grid and writes the setting level, the settings of every trial and the sweep report', async () => {
    const out = join(tmp, 'sweep');
    const r = await runBench([
      '--preset', 'quick', '--optimizers', 'sgd,adam', '--regs', 'default,L2', '--seeds', '1,2', '--train-samples', '300', '--validation', '200',
      '--epochs', '1', '--sizes', '784,32,10', '--hyper', 'adam.lr=1e-3,1e-2', '--lambda', '0.01,0.1', '--out', out,
    ], env);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    // sgd: default 1 setting, L2 2 lambdas; adam: default 2 lr, L2 2 lr x 2 lambdas; x 2 seeds.
    expect(res.trials).toHaveLength((1 + 2 + 2 + 4) * 2);
    expect(res.sweep?.axes.map((a) => a.name)).toEqual(['adam.lr', 'lambda']);
    const m = res.results.mnist as Record<string, Record<string, Record<string, CellLists>>>;
    expect(Object.keys(m.sgd.default)).toEqual(['fixed']);
    expect(Object.keys(m.sgd.L2)).toEqual(['lambda=0.01', 'lambda=0.1']);
    expect(Object.keys(m.adam.default)).toEqual(['lr=0.001', 'lr=0.01']);
    expect(Object.keys(m.adam.L2)).toEqual(['lr=0.001,lambda=0.01', 'lr=0.001,lambda=0.1', 'lr=0.01,lambda=0.01', 'lr=0.01,lambda=0.1']);
    for (const cells of Object.values(m)) for (const bySetting of Object.values(cells)) for (const lists of Object.values(bySetting)) expect(lists.test_acc_list).toHaveLength(2);
    const t = res.trials.find((x) => x.id === 'mnist/adam/L2/lr=0.01,lambda=0.1/2')!;
    expect(t).toMatchObject({ setting: 'lr=0.01,lambda=0.1', swept: { lr: 0.01, lambda: 0.1 }, l2: 0.1, dropout: 0 });
    expect(t.hyper).toMatchObject({ lr: 0.01, beta1: 0.9, beta2: 0.999 });
    expect(res.statistics).toHaveLength(1 + 2 + 2 + 4);
    expect(res.statistics.find((s) => s.optimizer === 'adam' && s.reg === 'L2')).toMatchObject({ setting: 'lr=0.001,lambda=0.01', swept: { lr: 0.001, lambda: 0.01 }, trials: 2 });
    const md = readFileSync(join(out, 'tables.md'), 'utf8');
    for (const s of ['## Sweep', 'Optimizers at their best setting: test accuracy — mnist', 'Best setting per optimizer and mode — mnist', 'Accuracy per setting — mnist', 'Performance profile ρ(τ)'])
      expect(md).toContain(s);
    expect(md).toMatch(/\| adam \| L2 \| lr=0\.01,lambda=0\.1 \| 0\.\d{4} \|/);
    for (const f of ['sweep-mnist-lr.svg', 'sweep-mnist-lambda.svg', 'profile.svg']) expect(readFileSync(join(out, f), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<h2 id="sweep">Sweep</h2>');
    expect(r.stdout).toContain('Optimizers at their best setting');
  });

  it('an empty sweep entry is one line on stderr, exit code 2, nothing written', async () => {
    const out = join(tmp, 'empty');
    const r = await runBench(['--preset', 'quick', '--hyper', 'adam.lr=1e-3,,1e-2', '--out', out], env);
    expect(r.code).toBe(2);
    expect(ownErrors(r.stderr)).toEqual(["bench: --hyper adam.lr has an empty entry in '1e-3,,1e-2'; give one number or a comma list of numbers (e.g. 1e-4,3e-4,1e-3)"]);
    expect(existsSync(out)).toBe(false);
  });
});
