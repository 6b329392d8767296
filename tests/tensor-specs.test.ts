// Tensor steps and evaluated parameters on the host: the built-in muon and sf-adamw specs
// (hyperparameters, per-step scalars, the Newton-Schulz reference), how a tensor step is
// built and refused, which arena ranges the per-element rule keeps, and the generated map
// kernels' source. Their numbers on the GPU: tensor-steps.test.ts; against PyTorch:
// optimizer-parity.test.ts.
import { describe, expect, it } from 'vitest';
import { mlpParamSpecs } from '../src/nn/mlp.ts';
import { mapSource, type MapTensor } from '../src/optim/map-codegen.ts';
import { getOptimizer, registerOptimizer } from '../src/optim/registry.ts';
import { newtonSchulz, NS_COEFFICIENTS, NS_STEPS } from '../src/optim/specs/muon.ts';
import { checkSpec, defaults, HyperparameterError, perStepValues, resolveHyper, type OptimizerSpec } from '../src/optim/spec.ts';
import { buildProgram, checkTensorStep, programMatmulShapes, tensorStepBytes } from '../src/optim/tensor-program.ts';
import type { ParamInfo, TensorStepBuilder } from '../src/optim/tensor-spec.ts';
import { unclaimedRanges } from '../src/optim/tensor-steps.ts';

const muon = getOptimizer('muon');
const sf = getOptimizer('sf-adamw');
const hidden = (rows: number, cols: number): ParamInfo => ({ name: 'W', shape: [rows, cols], kind: 'weight', role: 'hidden' });

describe('the muon spec', () => {
  it("has the reference's defaults, claims hidden matrices only, and records the published step", () => {
    expect(defaults(muon)).toEqual({ lr: 0.02, momentum: 0.95, nesterov: 1, weight_decay: 0, adam_lr: 3e-4, adam_beta1: 0.9, adam_beta2: 0.95, adam_eps: 1e-10, adam_weight_decay: 0 });
    expect(NS_COEFFICIENTS).toEqual([3.4445, -4.775, 2.0315]);
    expect(NS_STEPS).toBe(5);
    const claims = mlpParamSpecs([784, 128, 128, 10]).filter((p) => muon.tensorStep!.applies(p)).map((p) => p.name);
    expect(claims).toEqual(['W1', 'W2']);
    expect(muon.tensorStep!.applies({ name: 'w', shape: [7, 6], kind: 'weight' })).toBe(false); // no role: not claimed
    const ops = buildProgram(muon, hidden(784, 128)).ops.map((o) => `${o.label}${o.kind === 'matmul' ? `:${o.form} ${o.M}x${o.N}x${o.K}` : ''}`);
    const ns = ['ns_gram:TN 128x128x784', 'ns_square:NN 128x128x128', 'ns_poly', 'ns_apply:NT 784x128x128'];
    expect(ops).toEqual(['momentum', 'norm', 'normalize', ...ns, ...ns, ...ns, ...ns, ...ns, 'apply']);
    // Wide here (more outputs than inputs) is tall for PyTorch: the Gram matrix on the rows.
    const wide = buildProgram(muon, hidden(6, 11)).ops.filter((o) => o.kind === 'matmul').slice(0, 3).map((o) => o.kind === 'matmul' && `${o.form} ${o.M}x${o.N}x${o.K}`);
    expect(wide).toEqual(['NT 6x6x11', 'NN 6x6x6', 'NN 6x11x6']);
    // The shape scale max(1, fan_out / fan_in)^0.5 reaches the last map as a constant.
    const last = (rows: number, cols: number) => buildProgram(muon, hidden(rows, cols)).ops.at(-1);
    expect(last(6, 11)).toMatchObject({ label: 'apply', consts: { shape_scale: Math.sqrt(11 / 6) } });
    expect(last(784, 128)).toMatchObject({ consts: { shape_scale: 1 } });
  });

  it('the study MLP: the products the tuner measures, the scratch a trial adds', () => {
    const params = mlpParamSpecs([784, 128, 128, 10]);
    const programs = params.filter((p) => muon.tensorStep!.applies(p)).map((p) => buildProgram(muon, p));
    const keys = [...new Set(programMatmulShapes(programs, 12).map((s) => `${s.form} ${s.M}x${s.N}x${s.K} T${s.trials}`))];
    expect(keys).toEqual(['TN 128x128x784 T12', 'NN 128x128x128 T12', 'NT 784x128x128 T12', 'TN 128x128x128 T12', 'NT 128x128x128 T12']);
    // x and y: 784 x 128 each; gram and poly: 128 x 128 each; one scalar.
    expect(tensorStepBytes(muon, params)).toBe(4 * (2 * 784 * 128 + 2 * 128 * 128 + 1));
    expect(tensorStepBytes(getOptimizer('adam'), params)).toBe(0);
  });

  it('newtonSchulz: singular values pushed into the quintic band; a tall matrix is its transpose handled wide', () => {
    const rows = 9, cols = 5;
    const G = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(1.7 * i + 0.3) * (1 + (i % 3)));
    const X = newtonSchulz(G, rows, cols);
    // X^T X [cols x cols]: its eigenvalues are the squared singular values of X. The quintic
    // with these coefficients leaves them near [0.7, 1.2] (Keller Jordan: "S' ~ Uniform(0.5, 1.5)").
    const gram = Array.from({ length: cols }, (_, i) => Array.from({ length: cols }, (_, j) => Array.from({ length: rows }, (_, k) => X[k * cols + i] * X[k * cols + j]).reduce((a, b) => a + b)));
    const trace = gram.reduce((s, r, i) => s + r[i], 0);
    expect(trace / cols).toBeGreaterThan(0.5);
    expect(trace / cols).toBeLessThan(1.5);
    for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) if (i !== j) expect(Math.abs(gram[i][j])).toBeLessThan(0.35);
    // Transposing the input transposes the output, exactly.
    const Gt = Float64Array.from({ length: rows * cols }, (_, i) => G[(i % rows) * cols + Math.floor(i / rows)]);
    const Xt = newtonSchulz(Gt, cols, rows);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) expect(Xt[j * rows + i]).toBe(X[i * cols + j]);
  });
});

describe('the sf-adamw spec', () => {
  /** AdamWScheduleFree.step()'s group bookkeeping, written out for k = 0 .. t-1. */
  function library(h: Record<string, number>, t: number) {
    let lrMax = -1, weightSum = 0, lr = 0, weight = 0;
    for (let k = 0; k < t; k++) {
      const sched = k < h.warmup_steps ? (k + 1) / h.warmup_steps : 1;
      lr = h.lr * sched;
      lrMax = Math.max(lr, lrMax);
      weight = (k + 1) ** h.r * lrMax ** h.weight_lr_power;
      weightSum += weight;
    }
    const ckp1 = weight / weightSum;
    return { sched_lr: lr, ckp1, y_coef: lr * (h.beta1 * (1 - ckp1) - 1), bc1: 1 - h.inner_momentum ** t, bc2: 1 - h.beta2 ** t, x_weight: 1 - 1 / h.beta1, first: t === 1 ? 1 : 0 };
  }

  it("has the library's defaults and refuses beta1 = 0 (x would be undefined)", () => {
    expect(defaults(sf)).toEqual({ lr: 0.0025, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0, warmup_steps: 0, r: 0, weight_lr_power: 2, inner_momentum: 0 });
    expect(() => resolveHyper(sf, { beta1: 0 })).toThrow('sf-adamw: beta1 = 0 is outside its valid range (0, 1)');
    expect(sf.slots.map((s) => `${s.name}${s.when ? `?${s.when}` : ''}`)).toEqual(['z', 'v', 'm?inner_momentum']);
  });

  it('per-step scalars: warm-up, lr_max, the weighted average, bias corrections, in any order of asking', () => {
    const settings: Array<Record<string, number>> = [{}, { warmup_steps: 7, r: 0.5, weight_lr_power: 1, inner_momentum: 0.9, beta1: 0.95 }, { warmup_steps: 2.5, lr: 0.01 }];
    for (const given of settings) {
      const h = resolveHyper(sf, given);
      // Steps asked out of order (a resumed run, a reset trial asking t = 1 each step) give
      // the values of steps asked in order.
      for (const t of [1, 2, 3, 9, 4, 30, 30, 31, 1, 12]) {
        const got = perStepValues(sf, h, t);
        const want = library(h, t);
        for (const k of Object.keys(want) as Array<keyof typeof want>) expect(got[k], `${JSON.stringify(given)} t=${t} ${k}`).toBeCloseTo(want[k], 15);
      }
    }
    const h = resolveHyper(sf, { warmup_steps: 4 });
    expect(perStepValues(sf, h, 1)).toMatchObject({ sched_lr: 0.0025 / 4, ckp1: 1, first: 1 });
    expect(perStepValues(sf, h, 8).sched_lr).toBe(0.0025);
  });

  it('the reference: z starts as p, y moves by the lerp and y_coef, x = lerp(y, z, 1 - 1/beta1)', () => {
    const h = resolveHyper(sf, { weight_decay: 0.1 });
    const d1 = perStepValues(sf, h, 1);
    const s: Record<string, number> = { z: 0, v: 0, m: 0 };
    const y = sf.reference(0.5, 0.2, s, h, d1);
    // Step 1: c = 1, so y = z - lr gn (z = p then z -= lr gn); gn = g / (|g| + eps) + wd p.
    const gn = 0.2 / (Math.sqrt((0.001 * 0.04) / 0.001) + 1e-8) + 0.1 * 0.5;
    expect(s.z).toBeCloseTo(0.5 - 0.0025 * gn, 15);
    expect(y).toBeCloseTo(0.5 + 0.0025 * (0.9 * 0 - 1) * gn, 15);
    expect(sf.evaluate!.reference(y, s, h, d1)).toBeCloseTo(y + (1 - 1 / 0.9) * (s.z - y), 15);
  });
});

describe('building a tensor step', () => {
  const step = (build: (b: TensorStepBuilder) => void, scalars: string[] = ['n2']): OptimizerSpec => ({
    ...getOptimizer('sgd'),
    name: 'probe',
    tensorStep: { applies: (p) => p.kind === 'weight', scalars, build, reference: () => {} },
  });
  const ok = (b: TensorStepBuilder) => b.map('apply', { reads: ['p', 'g'], writes: ['p'] }, 'p = p - lr * g;');

  it('refuses each kind of mistake in one line naming the spec, the parameter and the fix', () => {
    const W = hidden(4, 3);
    const cases: Array<[(b: TensorStepBuilder) => void, string]> = [
      [(b) => b.map('m', { reads: ['q'], writes: ['p'] }, 'p = q;'), "map 'm' names 'q' is not p, g, a slot (velocity) or a declared temporary (none)"],
      [(b) => { b.temp('t', 3, 3); b.map('m', { reads: ['t'], writes: ['p'] }, 'p = t;'); }, "map 'm': t is [3, 3] but p is [4, 3]; a map runs over tensors of one shape"],
      [(b) => { b.map('m', { reads: ['p'], writes: ['g'] }, 'g = p;'); }, "map 'm' writes g, which is read only"],
      [(b) => { b.temp('t', 3, 3); b.matmul('mm', 't', 'g', 'g', 'TN'); ok(b); }, "matmul 'mm': operand a 'g' lives in the parameter arena, where a group's trials are not evenly spaced; copy it into a temporary with a map first"],
      [(b) => { b.temp('t', 4, 3); b.temp('u', 4, 4); b.matmul('mm', 'u', 't', 't', 'NN'); ok(b); }, "matmul 'mm' NN: t [4, 3] and t [4, 3] do not make u [4, 4]"],
      [(b) => { b.temp('t', 3, 3); b.matmul('mm', 't', 't', 't', 'NN'); ok(b); }, "matmul 'mm': the output t is also an operand; write into another temporary"],
      [(b) => { b.temp('t', 4, 3); b.sumsq('s', 't', 'nope'); ok(b); }, "sumsq 's': 'nope' is not one of tensorStep.scalars (n2)"],
      [(b) => { b.temp('lr', 2, 2); ok(b); }, "the name 'lr' is used twice"],
      [(b) => { b.temp('row', 2, 2); ok(b); }, "temporary 'row' is not a usable WGSL name"],
      [(b) => { b.temp('t', 0, 2); ok(b); }, "temporary 't' needs positive integer sizes, got [0, 2]"],
      [(b) => b.map('Bad Label', { reads: ['p'], writes: ['p'] }, 'p = p;'), "map label 'Bad Label' must be [a-z][a-z0-9_]*"],
      [(b) => b.map('m', { reads: ['p'], writes: ['p'] }, 'p = p * k;', { lr: 2 }), "map 'm': constant 'lr' is not a usable WGSL name or clashes with another name"],
      [(b) => { b.temp('t', 4, 3); b.map('m', { reads: ['g'], writes: ['t'] }, 't = g;'); }, 'no map writes p, so the parameter would never change'],
    ];
    for (const [build, message] of cases) {
      const spec = step(build);
      expect(() => buildProgram(spec, W), message).toThrow(HyperparameterError);
      expect(() => buildProgram(spec, W)).toThrow(`optimizer spec 'probe', tensor step of W [4,3]: ${message}`);
    }
    expect(buildProgram(step(ok), W).ops).toHaveLength(1);
  });

  it('registration builds the step for sample parameters, so a broken spec never reaches a run', () => {
    const broken = { ...step((b) => b.map('m', { reads: ['q'], writes: ['p'] }, 'p = q;')), name: 'broken-step' };
    expect(() => checkTensorStep(broken)).toThrow("tensor step of W_tall [7,5]: map 'm' names 'q'");
    expect(() => registerOptimizer(broken)).toThrow(HyperparameterError);
    expect(() => getOptimizer('broken-step')).toThrow(/unknown optimizer/);
  });

  it('checkSpec: the parts a tensor step adds, and names the map kernels define', () => {
    const base = step(ok);
    const bad: Array<[Partial<OptimizerSpec>, string]> = [
      [{ tensorStep: { ...base.tensorStep!, build: 'x' as never } }, "optimizer spec 'probe': tensorStep.build must be a function"],
      [{ tensorStep: { ...base.tensorStep!, scalars: 'n2' as never } }, 'tensorStep.scalars must be a list of names (may be empty)'],
      [{ tensorStep: { ...base.tensorStep!, scalars: ['lr'] } }, "the name 'lr' is used twice"],
      [{ tensorStep: { ...base.tensorStep!, scalars: ['col'] } }, "tensor-step scalar 'col' is not a usable WGSL name"],
      [{ slots: [{ name: 'row' }] }, "'row' is a name the tensor-step kernels define (row, col); rename it"],
      [{ tensorStep: undefined, evaluate: { wgsl: 'p = p;' } as never }, 'evaluate needs a wgsl rule (string) and a reference (function)'],
    ];
    for (const [change, message] of bad) expect(() => checkSpec({ ...base, ...change }), message).toThrow(message);
    // Without tensor parts, 'row' stays a usable slot name (elementwise specs are as they were).
    expect(() => checkSpec({ ...getOptimizer('sgd'), name: 'rowname', slots: [{ name: 'row' }] })).not.toThrow();
  });
});

describe('arena ranges and generated map kernels', () => {
  it("the per-element rule keeps every range no tensor step claims (the output layer, the biases, padding)", () => {
    // W1 784x128 @0, W2 128x128 @100352, W3 128x10 @116736, b1 @118016, b2 @118144, b3 @118272 (10, padded to 12).
    const slots = mlpParamSpecs([784, 128, 128, 10]);
    let at = 0;
    const placed = [...slots.filter((s) => s.kind === 'weight'), ...slots.filter((s) => s.kind === 'bias')].map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      const p = { ...s, offset: at, size };
      at = Math.ceil((at + size) / 4) * 4;
      return p;
    });
    expect(unclaimedRanges({ slots: placed, perTrial: at }, new Set(['W1', 'W2']))).toEqual([[116736, 118284]]);
    expect(unclaimedRanges({ slots: placed, perTrial: at }, new Set(['W2']))).toEqual([[0, 100352], [116736, 118284]]);
    expect(unclaimedRanges({ slots: placed, perTrial: at }, new Set(['W1', 'W2', 'W3', 'b1', 'b2', 'b3']))).toEqual([]);
    // A claimed tensor of odd size leaves its padding to nobody.
    const odd = [{ name: 'W', shape: [3, 3], kind: 'weight' as const, offset: 0, size: 9 }, { name: 'b', shape: [3], kind: 'bias' as const, offset: 12, size: 3 }];
    expect(unclaimedRanges({ slots: odd, perTrial: 16 }, new Set(['W']))).toEqual([[12, 16]]);
  });

  it("a map kernel binds what it uses, adds L2 to g, reads reset slots as 0, and an absent slot is a 0 that is never stored", () => {
    const t = (name: string, where: MapTensor['where'], read: boolean, write: boolean, present = true): MapTensor => ({ name, where, read, write, present });
    const src = mapSource({
      spec: muon, title: 'probe', body: 'm = m + g;\nx = m;', scalars: ['sq'], consts: { k: 2 }, skipInactive: true, resetSlots: true,
      tensors: [t('g', 'arena', true, false), t('m', 'slot', true, true), t('x', 'temp', false, true), t('p', 'arena', true, false), t('v', 'slot', true, true, false)],
    });
    expect(src).toContain('const _RECORD: u32 = 14u;'); // active, reset, l2, 9 hyperparameters, bc1, bc2
    expect(src).toContain('struct _Dims { n: u32, cols: u32, groups: u32, weight_count: u32, o_g: u32, s_g: u32, o_m: u32, s_m: u32, o_x: u32, s_x: u32, o_p: u32, s_p: u32 }');
    expect(src).toContain('@group(0) @binding(2) var<storage, read> _trial_of: array<u32>;\n@group(0) @binding(3) var<storage, read> _scalars: array<f32>;\n@group(0) @binding(4) var<storage, read> _grads: array<f32>;\n@group(0) @binding(5) var<storage, read_write> _slot_m: array<f32>;\n@group(0) @binding(6) var<storage, read_write> _temp_x: array<f32>;\n@group(0) @binding(7) var<storage, read> _params: array<f32>;');
    expect(src).not.toContain('_slot_v');
    expect(src).toContain('if (_hyper[_h] == 0.0) { return; }');
    expect(src).toContain('let sq = _scalars[_j * _SCALARS + 0u];');
    expect(src).toContain('let k = 2.0f;');
    expect(src).toContain('let _base_g = _trial_of[_j] * _dims.s_g + _dims.o_g;');
    expect(src).toContain('let _base_m = _j * _dims.s_m + _dims.o_m;');
    // p is loaded before g (its L2 term); a written-only temporary starts at 0; v is absent.
    expect(src).toContain('    var p = _params[_base_p + _i];\n    let g = _grads[_base_g + _i] + select(0.0, _l2, _dims.o_g + _i < _dims.weight_count) * p;\n    var m = select(_slot_m[_base_m + _i], 0.0, _reset);\n    var x = 0.0;\n    var v = 0.0;');
    expect(src).toContain('      m = m + g;\n      x = m;');
    expect(src).toContain('    _slot_m[_base_m + _i] = m;\n    _temp_x[_base_x + _i] = x;\n');
    expect(src).not.toContain('_params[_base_p + _i] = p;');
    // Evaluation: every trial, the state as stored.
    const ev = mapSource({ spec: sf, title: 'x', body: sf.evaluate!.wgsl, skipInactive: false, resetSlots: false, tensors: [t('p', 'arena', true, true), t('z', 'slot', true, false)] });
    expect(ev).not.toContain('return;');
    expect(ev).toContain('var z = _slot_z[_base_z + _i];');
    expect(ev).toContain('_params[_base_p + _i] = p;');
    expect(ev).not.toMatch(/^\s*\/\/\{\{[A-Z_]+\}\}$/m);
  });
});
