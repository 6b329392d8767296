// The modern-sweep preset (adam, adamw, sf-adamw, muon and custom, each at its best learning
// rate) and muon and sf-adamw through `npm run bench`: the plan, a small run of the preset
// with its sweep report, the tuned Newton-Schulz products recorded with the run's kernels,
// and a killed batched group continued from its checkpoint, bit for bit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../src/bench/results/types.ts';
import { PRESETS, resolveConfig } from '../src/bench/study/config.ts';
import { perTrialBytes } from '../src/bench/study/groups.ts';
import { planTrials, sweepAxes } from '../src/bench/study/plan.ts';
import { runBench } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('modern-sweep')();
const env = { XDG_CACHE_HOME: join(tmp, 'cache') };
const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;

describe('the modern-sweep preset', () => {
  it('5 optimizers x 8 learning rates x 3 modes x 10 seeds on both data sets; Schedule-Free warms up, Muon\'s AdamW at the study\'s Adam rate', () => {
    const c = resolveConfig({ preset: 'modern-sweep' });
    expect(c.optimizers).toEqual(['adam', 'adamw', 'sf-adamw', 'muon', 'custom']);
    expect(c.datasets).toEqual(['fashion-mnist', 'mnist']);
    expect(sweepAxes(c).map((a) => `${a.name}:${a.values.length}`)).toEqual(['adam.lr:8', 'adamw.lr:8', 'sf-adamw.lr:8', 'muon.lr:8', 'custom.lr:8']);
    expect(sweepAxes(c).find((a) => a.optimizer === 'muon')!.values).toContain(0.03); // around its default 0.02
    const plan = planTrials(c);
    expect(plan).toHaveLength(2 * 5 * 8 * 3 * 10);
    const muon = plan.find((p) => p.id === 'mnist/muon/dropout/lr=0.03/36549')!;
    expect(muon.hyper).toMatchObject({ lr: 0.03, adam_lr: 1e-3, momentum: 0.95, nesterov: 1 });
    expect(plan.find((p) => p.optimizer === 'sf-adamw')!.hyper).toMatchObject({ warmup_steps: 200, beta1: 0.9 });
    // Muon's scratch (two copies of the first layer's update, two Gram matrices) and
    // Schedule-Free's evaluation copy of the parameters enter a group's memory estimate.
    const plain = perTrialBytes({ ...PRESETS['seed-study'] });
    expect(perTrialBytes(c).total - plain.total).toBe(4 * (2 * 784 * 128 + 2 * 128 * 128 + 1) + 4 * (784 * 128 + 128 * 128 + 128 * 10 + 128 + 128 + 12));
  });

  it('runs end to end (one seed, 256 images, one epoch): every optimizer at its best rate, the Newton-Schulz products tuned and recorded', async () => {
    const out = join(tmp, 'run');
    const r = await runBench(['--preset', 'modern-sweep', '--datasets', 'mnist', '--regs', 'default', '--seed-count', '1', '--epochs', '1', '--train-samples', '256', '--validation', '128', '--sizes', '784,32,10', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    const res = readResults(out);
    expect(res.trials).toHaveLength(5 * 8);
    expect(res.trials.every((t) => Number.isFinite(t.testAccuracy) || t.diverged)).toBe(true);
    // Muon trained its hidden matrix with the tuned products of its 8 trials' group.
    const shapes = Object.keys(res.mode.matmulKernels!);
    for (const s of ['TN:32x32x784', 'NN:32x32x32', 'NT:784x32x32']) expect(shapes.some((k) => k.startsWith(`${s}:`)), `${s} in ${shapes.join(', ')}`).toBe(true);
    const md = readFileSync(join(out, 'tables.md'), 'utf8');
    expect(md).toContain('Best setting per optimizer and mode — mnist');
    for (const o of ['adam', 'adamw', 'sf-adamw', 'muon', 'custom']) expect(md).toMatch(new RegExp(`\\| ${o} \\| default \\| lr=[0-9.e-]+ \\| 0\\.\\d{4} \\|`));
    expect(r.stderr).toMatch(/optimizer update per step \(1 trial, measured apart\): .*sf-adamw [\d.]+ ms, muon [\d.]+ ms/);
  });

  it('a killed group of muon and sf-adamw trials continues from its checkpoint, bit for bit', async () => {
    const args = ['--preset', 'quick', '--optimizers', 'muon,sf-adamw', '--hyper', 'sf-adamw.warmup_steps=5', '--regs', 'default,dropout', '--seed-count', '2', '--train-samples', '600', '--validation', '200', '--epochs', '3', '--sizes', '784,32,10', '--trials-at-once', '8'];
    const cpEnv = { ...env, OPTBENCH_CHECKPOINT_SECONDS: '0' };
    const ref = join(tmp, 'uninterrupted');
    const full = await runBench([...args, '--out', ref], cpEnv);
    expect(full.code, full.stderr).toBe(0);
    const out = join(tmp, 'killed');
    const killed = await runBench([...args, '--out', out], { ...cpEnv, OPTBENCH_TEST_HOOK: 'checkpoint:1:SIGKILL' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
    const r = await runBench(['--resume', out], cpEnv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('continuing from the checkpoint after epoch 1');
    const [a, b] = [readResults(ref), readResults(out)];
    expect(b.trials.map((t) => t.id)).toEqual(a.trials.map((t) => t.id));
    for (const k of ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy'] as const) {
      expect(b.trials.map((t) => t.epochs.map((e) => e[k]))).toEqual(a.trials.map((t) => t.epochs.map((e) => e[k])));
    }
    expect(b.trials.map((t) => [t.testLoss, t.testAccuracy])).toEqual(a.trials.map((t) => [t.testLoss, t.testAccuracy]));
  });
});
