// Tensor steps and evaluated parameters on the GPU: muon and sf-adamw against their
// TypeScript references over 25 steps (src/optim/tensor-check.ts, the check a user's spec
// gets too), planted mistakes that the check must catch, the per-trial norm kernel, and
// groups of several optimizers in one arena.
import { describe, expect, it } from 'vitest';
import { sumsq } from '../src/kernels/sumsq.ts';
import { sumsqRef } from '../src/kernels/reference.ts';
import { ParamArena } from '../src/nn/params.ts';
import { Optimizers, type TrialOptimizerConfig } from '../src/optim/fused.ts';
import { getOptimizer, listOptimizers, registerOptimizer } from '../src/optim/registry.ts';
import type { OptimizerSpec } from '../src/optim/spec.ts';
import { checkAgainstReference, checkGradients, CHECK_PARAMS } from '../src/optim/tensor-check.ts';
import type { TensorStepBuilder } from '../src/optim/tensor-spec.ts';
import { useGpu } from './helpers/gpu.ts';
import { randomF32 } from './helpers/random.ts';

const gpu = useGpu();
const muon = getOptimizer('muon');
const sf = getOptimizer('sf-adamw');

describe('sumsq: a per-trial sum of squares', () => {
  for (const [n, T] of [[1, 1], [1037, 3], [784 * 128, 2]] as const) {
    it(`n=${n}, T=${T}, offsets and strides`, async () => {
      const g = gpu();
      const stride = n + 5;
      const x = randomF32(3 + stride * T, n + T, -2, 2);
      const X = g.upload(x, 'x');
      const O = g.upload(new Float32Array(2 + 3 * T).fill(-1), 'o');
      sumsq(g, { buf: X, offset: 3, trialStride: stride }, { buf: O, offset: 2, trialStride: 3 }, n, T);
      const o = await g.readF32(O);
      for (let t = 0; t < T; t++) {
        const ref = sumsqRef(x.subarray(3 + t * stride, 3 + t * stride + n));
        // float32 partial sums of n positive terms: n ulps of the total at most.
        expect(Math.abs(o[2 + 3 * t] - ref), `trial ${t}`).toBeLessThanOrEqual(n * 2 ** -24 * ref + 1e-30);
        expect(o[3 + 3 * t]).toBe(-1); // nothing written between the trials' outputs
      }
      g.release(X);
      g.release(O);
    });
  }
});

describe('tensor steps and evaluated parameters against their TypeScript references (25 steps)', () => {
  const cases: Array<[string, OptimizerSpec, Array<Omit<TrialOptimizerConfig, 'optimizer'>>]> = [
    ['muon', muon, [{}, { l2: 0.7, hyper: { lr: 0.05, nesterov: 0, weight_decay: 0.1, adam_lr: 1e-3, adam_weight_decay: 0.05 } }, { resetEveryStep: true }]],
    ['sf-adamw', sf, [{}, { l2: 0.7, hyper: { warmup_steps: 5, weight_decay: 0.01, r: 1, weight_lr_power: 1 } }, { resetEveryStep: true }]],
    // A slot that only some trials store (m, when inner_momentum > 0): two groups.
    ['sf-adamw with inner momentum beside one without', sf, [{ hyper: { inner_momentum: 0.9, beta1: 0.95 } }, { hyper: { warmup_steps: 3 } }]],
    // Every registered spec with these parts (a new file in src/optim/specs/ included): its
    // defaults, with L2, and reset every step.
    ...listOptimizers()
      .map(getOptimizer)
      .filter((o) => o.tensorStep || o.evaluate)
      .map((o): [string, OptimizerSpec, Array<Omit<TrialOptimizerConfig, 'optimizer'>>] => [`${o.name} at its defaults`, o, [{}, { l2: 0.7 }, { resetEveryStep: true }]]),
  ];
  for (const [name, spec, configs] of cases) {
    it(`${name}: every parameter, slot and evaluated parameter, tall, wide and square matrices`, async () => {
      const r = await checkAgainstReference(gpu(), spec, { configs });
      expect(r.failures, JSON.stringify(r.worst)).toEqual([]);
      expect(r.pass).toBe(true);
      // The check looked at what it names: tensor-step and per-element values both.
      const kinds = Object.keys(r.worst);
      expect(kinds).toContain('p (per element)');
      if (spec.tensorStep) expect(kinds).toEqual(expect.arrayContaining(['p (tensor step)', 'slot m (tensor step)']));
      if (spec.evaluate) expect(kinds).toContain('evaluated p');
    });
  }

  // The check must fail a spec whose GPU step departs from its reference: each planted
  // mistake here is small (a coefficient's last digits, a constant, a sign).
  const planted = (name: string, change: (b: TensorStepBuilder) => TensorStepBuilder): OptimizerSpec => ({
    ...muon,
    name,
    tensorStep: { ...muon.tensorStep!, build: (b) => muon.tensorStep!.build(change(b)) },
  });
  const withMap = (b: TensorStepBuilder, f: (wgsl: string, consts?: Readonly<Record<string, number>>) => [string, Readonly<Record<string, number>> | undefined]): TensorStepBuilder => ({
    param: b.param,
    temp: (...a) => b.temp(...a),
    matmul: (...a) => b.matmul(...a),
    sumsq: (...a) => b.sumsq(...a),
    map: (label, io, wgsl, consts) => b.map(label, io, ...f(wgsl, consts)),
  });
  const mistakes: Array<[string, OptimizerSpec, string]> = [
    ['a Newton-Schulz coefficient 3.44 for 3.4445', planted('planted-coefficient', (b) => withMap(b, (w, c) => [w, c?.ns_a ? { ...c, ns_a: 3.44 } : c])), 'p (tensor step)'],
    ['no shape scale on a wide matrix', planted('planted-scale', (b) => withMap(b, (w, c) => [w, c?.shape_scale ? { ...c, shape_scale: 1 } : c])), 'p (tensor step)'],
    ['Nesterov inverted', planted('planted-nesterov', (b) => withMap(b, (w, c) => [w.replace('nesterov != 0.0', 'nesterov == 0.0'), c])), 'p (tensor step)'],
    ['the evaluated x at 1.001 times its distance from y', { ...sf, name: 'planted-x', evaluate: { ...sf.evaluate!, wgsl: 'p = p + x_weight * (z - p) * 1.001;' } }, 'evaluated p'],
    ['the average moving y away from z', { ...sf, name: 'planted-lerp', wgsl: sf.wgsl.replace('p + ckp1 * (z - p)', 'p + ckp1 * (p - z)') }, 'p (per element)'],
  ];
  for (const [what, spec, kind] of mistakes) {
    it(`catches a planted mistake: ${what}`, async () => {
      const r = await checkAgainstReference(gpu(), spec, { steps: 4, configs: [{}] });
      expect(r.pass).toBe(false);
      expect(r.worst[kind]).toBeGreaterThan(10);
      expect(r.failures[0]).toMatch(new RegExp(`^${kind.replace(/[()]/g, '\\$&')}: trial 0 `));
    });
  }
});

describe("the adapter's limits", () => {
  it('a map naming more tensors than the adapter binds is refused in one line when its group is made', () => {
    const g = gpu();
    const limit = g.limits.maxStorageBuffersPerShaderStage;
    const names = Array.from({ length: limit }, (_, k) => `t${k}`);
    const spec: OptimizerSpec = {
      ...getOptimizer('sgd'),
      name: 'too-many-tensors',
      tensorStep: {
        applies: (p) => p.role === 'hidden',
        scalars: [],
        build(b) {
          for (const n of names) b.temp(n, b.param.shape[0], b.param.shape[1]);
          b.map('all', { reads: ['p', 'g', ...names], writes: ['p'] }, `p = p - lr * g + 0.0 * (${names.join(' + ')});`);
        },
        reference: () => {},
      },
    };
    registerOptimizer(spec);
    const arena = new ParamArena(g, CHECK_PARAMS, 1);
    expect(() => new Optimizers(g, arena, [{ optimizer: 'too-many-tensors' }])).toThrow(`too-many-tensors.all: ${limit + 4} storage buffers in one kernel, more than this adapter binds (${limit}); name fewer tensors in one map, or split it`);
    arena.destroy();
  });
});

describe('groups of several optimizers in one arena', () => {
  it('muon, adam and sf-adamw side by side train as each does alone; a frozen muon trial stays as it is', async () => {
    const g = gpu();
    const P = CHECK_PARAMS;
    const mixed: TrialOptimizerConfig[] = [
      { optimizer: 'muon' },
      { optimizer: 'adam', l2: 0.5 },
      { optimizer: 'muon', hyper: { lr: 0.05 }, l2: 0.7 },
      { optimizer: 'sf-adamw', hyper: { warmup_steps: 2 } },
      { optimizer: 'muon', hyper: { momentum: 0.9 } },
    ];
    const alone: TrialOptimizerConfig[][] = [[mixed[0], mixed[2], mixed[4]], [mixed[1]], [mixed[3]]];
    const where = [[0, 0], [1, 0], [0, 1], [2, 0], [0, 2]]; // mixed trial -> (alone run, trial)
    const init = Array.from({ length: mixed.length }, (_, t) => randomF32(60 * 60, 40 + t, -0.5, 0.5));
    const run = async (configs: TrialOptimizerConfig[], trials: number[], freeze: number | null) => {
      const arena = new ParamArena(g, P, configs.length);
      arena.upload(trials.map((t) => init[t].subarray(0, arena.perTrial)));
      const opts = new Optimizers(g, arena, configs);
      await opts.ready();
      if (freeze !== null) opts.freeze(freeze);
      for (let step = 1; step <= 6; step++) {
        g.write(arena.grads, Float32Array.from(trials.flatMap((t) => Array.from(checkGradients(arena.perTrial, step * 31 + t)))));
        opts.step(step, 64);
      }
      const out = { params: await arena.read(), evaluated: await opts.readEvaluated(6) };
      opts.destroy();
      arena.destroy();
      return out;
    };
    const together = await run(mixed, [0, 1, 2, 3, 4], 4);
    const apart = await Promise.all(alone.map((configs, k) => run(configs, mixed.map((_, t) => t).filter((t) => where[t][0] === k), null)));
    for (let t = 0; t < 4; t++) {
      const [k, j] = where[t];
      // The same kernels on the same values in a group of the same size: bit for bit.
      expect(Array.from(together.params[t]), `trial ${t}`).toEqual(Array.from(apart[k].params[j]));
      expect(Array.from(together.evaluated[t]), `trial ${t} evaluated`).toEqual(Array.from(apart[k].evaluated[j]));
    }
    expect(Array.from(together.params[4])).toEqual(Array.from(init[4].subarray(0, together.params[4].length)));
    expect(Array.from(apart[0].params[2])).not.toEqual(Array.from(init[4].subarray(0, together.params[4].length)));
    // Only sf-adamw evaluates elsewhere: the others' evaluated parameters are their trained ones.
    expect(Array.from(together.evaluated[0])).toEqual(Array.from(together.params[0]));
    expect(Array.from(together.evaluated[3])).not.toEqual(Array.from(together.params[3]));
  });
});
