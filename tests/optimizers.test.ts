import { describe, expect, it } from 'vitest';
import { ParamArena } from '../src/nn/params.ts';
import { optimizerSource, recordLayout } from '../src/optim/codegen.ts';
import { l2GradCoefficient } from '../src/nn/loss.ts';
import { Optimizers, type TrialOptimizerConfig } from '../src/optim/fused.ts';
import { getOptimizer, registerOptimizer } from '../src/optim/registry.ts';
import { compareWithReference, describeMismatch } from '../src/optim/check-reference.ts';
import { activeSlots, HyperparameterError, perStepValues, resolveHyper } from '../src/optim/spec.ts';
import { useGpu } from './helpers/gpu.ts';
import { randomF32 } from './helpers/random.ts';

const gpu = useGpu();

interface Setup {
  name: string;
  configs: TrialOptimizerConfig[];
}

// Hand-picked settings beside what the checker trains on every registered optimizer
// (tests/check.test.ts: defaults, each switch, each optional slot, L2, reset): several
// trials per arena with different settings, the custom rule's third moment made visible,
// and different optimizers side by side in one arena.
const SETUPS: Setup[] = [
  { name: 'sgd', configs: [{ optimizer: 'sgd' }, { optimizer: 'sgd', hyper: { lr: 0.01, nesterov: 1 }, l2: 0.7 }] },
  { name: 'adam', configs: [{ optimizer: 'adam' }, { optimizer: 'adam', hyper: { lr: 3e-3, keras: 1 }, l2: 0.7 }] },
  { name: 'rmsprop', configs: [{ optimizer: 'rmsprop' }, { optimizer: 'rmsprop', hyper: { keras: 1 }, l2: 0.7 }] },
  { name: 'rmsprop momentum centered', configs: [{ optimizer: 'rmsprop', hyper: { momentum: 0.9, centered: 1 } }] },
  // Cube weight 0.5 makes the third moment visible (at the default 1e-8 the rule is almost
  // Adam) while keeping the denominator away from 0: with weight 1 and a negative gradient
  // at step 1, sqrt(v^) - cbrt(|u^|) cancels to eps and the update is pure rounding noise.
  { name: 'custom', configs: [{ optimizer: 'custom' }, { optimizer: 'custom', hyper: { cube_weight: 0.5 }, l2: 0.7 }] },
  { name: 'mixed, reset every step', configs: [{ optimizer: 'adam', resetEveryStep: true }, { optimizer: 'sgd', resetEveryStep: true }, { optimizer: 'custom' }] },
];

describe('fused optimizer kernels against their TypeScript references', () => {
  for (const setup of SETUPS) {
    it(`${setup.name}: 25 steps, state and parameters match the reference at every step`, async () => {
      // The checker's comparison (src/optim/check-reference.ts), on these trials.
      const outcomes = await compareWithReference(gpu(), setup.configs.map((config, t) => ({ label: `trial ${t}`, config })));
      for (const o of outcomes) {
        expect(o.slots.map((s) => s.slot)).toEqual(['p', ...activeSlots(getOptimizer(o.optimizer), resolveHyper(getOptimizer(o.optimizer), setup.configs[outcomes.indexOf(o)].hyper)).map((s) => s.name)]);
        for (const s of o.slots) {
          expect(s.values).toBe(25 * 52); // every step and element: 7x6 weights (44 aligned) + 5 biases, padded to 52
          expect(s.failures, s.firstFailure ? describeMismatch(s.slot, s.firstFailure) : '').toBe(0);
        }
      }
    });
  }

  it('adam (both forms) and adamw against the formulas written out in float64, bias corrections 1 - beta^t', async () => {
    const g = gpu();
    const n = 6, steps = 6;
    const arena = new ParamArena(g, [{ name: 'w', shape: [n], kind: 'weight' }], 3);
    const init = Float32Array.from({ length: n }, (_, i) => 0.5 - 0.2 * i);
    arena.upload([init, init, init]);
    const opts = new Optimizers(g, arena, [{ optimizer: 'adam' }, { optimizer: 'adam', hyper: { lr: 3e-3, keras: 1 } }, { optimizer: 'adamw', hyper: { weight_decay: 0.1 } }]);
    await opts.ready();
    // Not the engine's code: Kingma & Ba, Algorithm 1 (and its epsilon-hat form), in float64.
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    const p = [0, 1, 2].map(() => Float64Array.from(init));
    const m = [0, 1, 2].map(() => new Float64Array(n));
    const v = [0, 1, 2].map(() => new Float64Array(n));
    for (let t = 1; t <= steps; t++) {
      const grad = Float32Array.from({ length: n }, (_, i) => Math.sin(3 * t + i) * (i + 1) * 0.3);
      const all = new Float32Array(3 * arena.perTrial);
      for (let k = 0; k < 3; k++) all.set(grad, k * arena.perTrial);
      g.write(arena.grads, all);
      opts.step(t, 32);
      const got = await arena.read();
      for (let k = 0; k < 3; k++) {
        for (let i = 0; i < n; i++) {
          m[k][i] = b1 * m[k][i] + (1 - b1) * grad[i];
          v[k][i] = b2 * v[k][i] + (1 - b2) * grad[i] * grad[i];
          const mHat = m[k][i] / (1 - b1 ** t);
          const vHat = v[k][i] / (1 - b2 ** t);
          if (k === 0) p[k][i] -= (1e-3 * mHat) / (Math.sqrt(vHat) + eps);
          if (k === 1) p[k][i] -= ((3e-3 * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)) * (m[k][i] / (Math.sqrt(v[k][i]) + eps));
          if (k === 2) p[k][i] -= 1e-3 * (mHat / (Math.sqrt(vHat) + eps) + 0.1 * p[k][i]);
          // Each step moves a parameter by about lr (1e-3..3e-3); float32 keeps it to 1e-7.
          expect(Math.abs(got[k][i] - p[k][i]), `trial ${k} p[${i}] step ${t}: gpu ${got[k][i]} ref ${p[k][i]}`).toBeLessThanOrEqual(1e-6);
        }
      }
    }
    opts.destroy();
    arena.destroy();
  });

  it('custom keeps the sign of a negative third moment', async () => {
    const g = gpu();
    const arena = new ParamArena(g, [{ name: 'w', shape: [4], kind: 'weight' }], 2);
    arena.upload([new Float32Array(4), new Float32Array(4)]);
    // Trial 0: cube weight 0 (Adam-like); trial 1: cube weight 0.5. Gradient -0.5.
    const opts = new Optimizers(g, arena, [
      { optimizer: 'custom', hyper: { cube_weight: 0 } },
      { optimizer: 'custom', hyper: { cube_weight: 0.5 } },
    ]);
    g.write(arena.grads, new Float32Array([-0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5]));
    opts.step(1, 128);
    const [p0, p1] = await arena.read();
    const s1 = await opts.readState(1);
    expect(s1.u[0]).toBeLessThan(0);
    // Step 1: m^ = g, v^ = g^2, u^ = g^3. Weight 0: update lr * g / (|g| + eps) = -lr.
    // Weight 0.5: denominator |g| + 0.5 * cbrt(g^3) = 0.5 - 0.25 = 0.25 (negative root
    // kept): update lr * (-0.5) / 0.25 = -2 lr. With an unsigned root it would be -lr/1.5.
    expect(p0[0]).toBeCloseTo(1e-3, 7);
    expect(p1[0]).toBeCloseTo(2e-3, 6);
    opts.destroy();
    arena.destroy();
  });

  it('frozen trials are left untouched', async () => {
    const g = gpu();
    const arena = new ParamArena(g, [{ name: 'w', shape: [8], kind: 'weight' }], 2);
    const init = [randomF32(8, 1), randomF32(8, 2)];
    arena.upload(init);
    const opts = new Optimizers(g, arena, [{ optimizer: 'adam' }, { optimizer: 'adam' }]);
    g.write(arena.grads, randomF32(16, 3));
    opts.freeze(1);
    opts.step(1, 128);
    const [p0, p1] = await arena.read();
    expect(Array.from(p1)).toEqual(Array.from(init[1]));
    expect(Array.from(p0)).not.toEqual(Array.from(init[0]));
    opts.destroy();
    arena.destroy();
  });

  it("each step's records hold { ...h, ...perStep(h, t), active, reset, l2 } per trial (shared settings, reset, L2, a frozen trial, a smaller batch)", async () => {
    const g = gpu();
    const arena = new ParamArena(g, [{ name: 'w', shape: [8], kind: 'weight' }], 6);
    const configs: TrialOptimizerConfig[] = [
      { optimizer: 'adam' },
      { optimizer: 'adam', hyper: { lr: 3e-3 }, l2: 0.5 },
      { optimizer: 'adam', resetEveryStep: true },
      { optimizer: 'adam', l2: 0.25 },
      { optimizer: 'adam', hyper: { beta2: 0.99 } },
      { optimizer: 'adam', hyper: { lr: 3e-3 }, l2: 0.5 },
    ];
    const opts = new Optimizers(g, arena, configs);
    const [group] = opts.groups;
    const layout = recordLayout(getOptimizer('adam'));
    const expected = (t: number, rows: number, frozen: number) =>
      configs.flatMap((c, j) => {
        const h = resolveHyper(getOptimizer('adam'), c.hyper);
        const v: Record<string, number> = { ...h, ...perStepValues(getOptimizer('adam'), h, c.resetEveryStep ? 1 : t), active: j === frozen ? 0 : 1, reset: c.resetEveryStep ? 1 : 0, l2: l2GradCoefficient(c.l2 ?? 0, rows) };
        return layout.map((name) => Math.fround(v[name]));
      });
    for (const [t, rows, frozen] of [[1, 128, -1], [2, 128, -1], [7, 80, -1], [8, 80, 3], [9, 128, 3]] as const) {
      if (frozen >= 0) opts.freeze(frozen);
      opts.prepare(t, rows);
      expect(Array.from(await g.readF32(group.hyperBuf)).slice(0, layout.length * configs.length), `t=${t} rows=${rows}`).toEqual(expected(t, rows, frozen));
    }
    opts.destroy();
    arena.destroy();
  });
});

describe('optimizer specs and the registry', () => {
  it('refuses bad hyperparameters with a clear message', () => {
    const adam = getOptimizer('adam');
    expect(() => resolveHyper(adam, { lr: -1 })).toThrow(HyperparameterError);
    expect(() => resolveHyper(adam, { lr: -1 })).toThrow(/adam: lr = -1 is outside its valid range \(0, 10\]/);
    expect(() => resolveHyper(adam, { beta1: 1 })).toThrow(/beta1 = 1 is outside its valid range \[0, 1\)/);
    expect(() => resolveHyper(adam, { beta2: -0.1 })).toThrow(/beta2/);
    expect(() => resolveHyper(adam, { lr: NaN })).toThrow(/lr = NaN/);
    expect(() => resolveHyper(adam, { betta1: 0.9 })).toThrow(/unknown hyperparameter 'betta1'.*beta1/);
    expect(() => resolveHyper(getOptimizer('sgd'), { nesterov: 0.5 })).toThrow(/switch/);
    expect(() => getOptimizer('adagrad')).toThrow(/unknown optimizer 'adagrad' \(known: sgd, adam, rmsprop, custom, adamw/);
    expect(() => new Optimizers(gpu(), new ParamArena(gpu(), [{ name: 'w', shape: [4], kind: 'weight' }], 1), [{ optimizer: 'sgd', hyper: { lr: 0 } }])).toThrow(/lr = 0/);
  });

  it('refuses malformed specs', () => {
    const base = getOptimizer('adamw');
    expect(() => registerOptimizer({ ...base })).toThrow(/already registered/);
    expect(() => registerOptimizer({ ...base, name: 'bad1', slots: [{ name: 'p' }] })).toThrow(/reserved/);
    expect(() => registerOptimizer({ ...base, name: 'bad2', hyper: { lr: { default: 5, min: 0, max: 1, doc: 'x' } } })).toThrow(/lr = 5/);
  });

  it('a user spec registered at run time trains through the same fused path (sign descent)', async () => {
    registerOptimizer({
      name: 'signsgd',
      description: 'p -= lr * sign(g)',
      slots: [],
      hyper: { lr: { default: 0.01, min: 0, max: 1, minExclusive: true, doc: 'learning rate' } },
      wgsl: 'p = p - lr * sign(g);',
      reference: (p, g, _s, h) => p - h.lr * Math.sign(g),
    });
    const g = gpu();
    const arena = new ParamArena(g, [{ name: 'w', shape: [3], kind: 'weight' }], 1);
    arena.upload([new Float32Array([1, 1, 1])]);
    const opts = new Optimizers(g, arena, [{ optimizer: 'signsgd', hyper: { lr: 0.25 } }]);
    g.write(arena.grads, new Float32Array([2, -3, 0, 0]));
    opts.step(1, 1);
    expect(Array.from((await arena.read())[0]).slice(0, 3)).toEqual([0.75, 1.25, 1]);
    expect(optimizerSource(getOptimizer('signsgd'), [])).toContain('p = p - lr * sign(g);');
  });
});
