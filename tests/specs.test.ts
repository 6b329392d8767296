// Optimizer specs and the kernel generator, on the host: the shipped rules against their
// formulas written out here, hyperparameter ranges as documented, spec validation, and the
// shape of the generated WGSL (its numbers are checked on the GPU in optimizers.test.ts).
import { describe, expect, it } from 'vitest';
import { assigns } from '../src/optim/check.ts';
import { optimizerSource, recordLayout } from '../src/optim/codegen.ts';
import { getOptimizer, listOptimizers, registerOptimizer } from '../src/optim/registry.ts';
import { activeSlots, checkSpec, defaults, HyperparameterError, perStepValues, resolveHyper, type OptimizerSpec } from '../src/optim/spec.ts';

/** Runs a spec's reference for `steps` steps of gradients g(t) from p = 0.5. */
function runReference(name: string, given: Record<string, number>, steps: number, reset = false): { p: number; s: Record<string, number> } {
  const spec = getOptimizer(name);
  const h = resolveHyper(spec, given);
  let p = 0.5;
  let s: Record<string, number> = {};
  for (let t = 1; t <= steps; t++) {
    if (reset || t === 1) s = Object.fromEntries(activeSlots(spec, h).map((slot) => [slot.name, 0]));
    p = spec.reference(p, grad(t), s, h, perStepValues(spec, h, reset ? 1 : t));
  }
  return { p, s };
}

const grad = (t: number) => [0.3, -0.7, 1.1, 0.05, -0.2, 2][(t - 1) % 6];

describe('shipped optimizers against their formulas', () => {
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));

  it('sgd: v = momentum v - lr g; p += v (Nesterov p += momentum v - lr g); momentum 0 keeps no state', () => {
    for (const [mu, nesterov] of [[0.9, 0], [0.9, 1], [0, 0]]) {
      let p = 0.5, v = 0;
      for (let t = 1; t <= 6; t++) {
        v = mu * v - 0.05 * grad(t);
        p += nesterov ? mu * v - 0.05 * grad(t) : v;
      }
      const r = runReference('sgd', { lr: 0.05, momentum: mu, nesterov }, 6);
      close(r.p, p);
      expect(r.s).toEqual(mu ? { velocity: v } : {});
    }
  });

  it('adam: bias-corrected moments, paper and tf.keras (epsilon-hat) forms', () => {
    for (const keras of [0, 1]) {
      const [lr, b1, b2, eps] = [0.01, 0.8, 0.99, 1e-3];
      let p = 0.5, m = 0, v = 0;
      for (let t = 1; t <= 6; t++) {
        m = b1 * m + (1 - b1) * grad(t);
        v = b2 * v + (1 - b2) * grad(t) ** 2;
        p -= keras ? ((lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)) * (m / (Math.sqrt(v) + eps)) : (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
      }
      const r = runReference('adam', { lr, beta1: b1, beta2: b2, eps, keras }, 6);
      close(r.p, p);
      close(r.s.m, m);
      close(r.s.v, v);
    }
    // Reset every step: always the t = 1 update.
    const r = runReference('adam', { lr: 0.01 }, 3, true);
    const g3 = grad(3);
    close(r.p, runReference('adam', { lr: 0.01 }, 2, true).p - (0.01 * g3) / (Math.abs(g3) + 1e-8));
  });

  it('rmsprop: plain, tf.keras (eps inside the root), momentum, centered', () => {
    for (const [keras, momentum, centered] of [[0, 0, 0], [1, 0, 0], [0, 0.5, 0], [0, 0, 1], [1, 0.5, 1]]) {
      const [lr, rho, eps] = [0.01, 0.8, 1e-3];
      let p = 0.5, ms = 0, mg = 0, mom = 0;
      for (let t = 1; t <= 6; t++) {
        const g = grad(t);
        ms = rho * ms + (1 - rho) * g * g;
        mg = rho * mg + (1 - rho) * g;
        const second = centered ? ms - mg * mg : ms;
        const d = keras ? Math.sqrt(second + eps) : Math.sqrt(second) + eps;
        mom = momentum * mom + (lr * g) / d;
        p -= momentum ? mom : (lr * g) / d;
      }
      const r = runReference('rmsprop', { lr, rho, eps, keras, momentum, centered }, 6);
      close(r.p, p);
      expect(Object.keys(r.s).sort()).toEqual(['ms', ...(momentum ? ['mom'] : []), ...(centered ? ['mg'] : [])].sort());
      close(r.s.ms, ms);
      if (momentum) close(r.s.mom, mom);
      if (centered) close(r.s.mg, mg);
    }
  });

  it('custom: Adam plus a signed cube root of the third moment', () => {
    const [lr, b1, b2, b3, eps, w] = [0.01, 0.8, 0.9, 0.95, 1e-3, 0.5];
    let p = 0.5, m = 0, v = 0, u = 0;
    for (let t = 1; t <= 6; t++) {
      const g = grad(t);
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g ** 2;
      u = b3 * u + (1 - b3) * g ** 3;
      const uh = u / (1 - b3 ** t);
      const cube = Math.sign(uh) * Math.abs(uh) ** (1 / 3);
      p -= (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + w * cube + eps);
    }
    const r = runReference('custom', { lr, beta1: b1, beta2: b2, beta3: b3, eps, cube_weight: w }, 6);
    close(r.p, p);
    close(r.s.u, u);
  });

  it('adamw: Adam plus decoupled weight decay lr * wd * p', () => {
    const [lr, b1, b2, eps, wd] = [0.01, 0.8, 0.99, 1e-3, 0.2];
    let p = 0.5, m = 0, v = 0;
    for (let t = 1; t <= 6; t++) {
      m = b1 * m + (1 - b1) * grad(t);
      v = b2 * v + (1 - b2) * grad(t) ** 2;
      p -= lr * (m / (1 - b1 ** t) / (Math.sqrt(v / (1 - b2 ** t)) + eps) + wd * p);
    }
    close(runReference('adamw', { lr, beta1: b1, beta2: b2, eps, weight_decay: wd }, 6).p, p);
  });

  it('per-step scalars are the bias corrections 1 - beta^t', () => {
    expect(perStepValues(getOptimizer('adam'), { beta1: 0.5, beta2: 0.75 }, 3)).toEqual({ bc1: 1 - 0.125, bc2: 1 - 0.75 ** 3 });
    expect(perStepValues(getOptimizer('custom'), { beta1: 0.5, beta2: 0.5, beta3: 0.25 }, 2)).toEqual({ bc1: 0.75, bc2: 0.75, bc3: 1 - 0.0625 });
    expect(perStepValues(getOptimizer('adamw'), { beta1: 0.5, beta2: 0.5 }, 1)).toEqual({ bc1: 0.5, bc2: 0.5 });
    expect(perStepValues(getOptimizer('sgd'), defaults(getOptimizer('sgd')), 5)).toEqual({});
  });
});

describe('hyperparameters as documented', () => {
  // [default, min, max, min exclusive, max exclusive, switch]
  const table: Record<string, Record<string, [number, number, number, boolean, boolean, boolean]>> = {
    sgd: { lr: [0.1, 0, 1e3, true, false, false], momentum: [0.9, 0, 1, false, true, false], nesterov: [0, 0, 1, false, false, true] },
    adam: { lr: [1e-3, 0, 10, true, false, false], beta1: [0.9, 0, 1, false, true, false], beta2: [0.999, 0, 1, false, true, false], eps: [1e-8, 0, 1, true, false, false], keras: [0, 0, 1, false, false, true] },
    rmsprop: { lr: [1e-3, 0, 10, true, false, false], rho: [0.9, 0, 1, false, true, false], eps: [1e-7, 0, 1, true, false, false], momentum: [0, 0, 1, false, true, false], centered: [0, 0, 1, false, false, true], keras: [0, 0, 1, false, false, true] },
    custom: { lr: [1e-3, 0, 10, true, false, false], beta1: [0.9, 0, 1, false, true, false], beta2: [0.999, 0, 1, false, true, false], beta3: [0.999987, 0, 1, false, true, false], eps: [1e-8, 0, 1, true, false, false], cube_weight: [1e-8, -1e6, 1e6, false, false, false] },
    adamw: { lr: [1e-3, 0, 10, true, false, false], beta1: [0.9, 0, 1, false, true, false], beta2: [0.999, 0, 1, false, true, false], eps: [1e-8, 0, 1, true, false, false], weight_decay: [0.01, 0, 1, false, false, false] },
  };

  it('defaults, ranges and switches of the shipped optimizers; the reference study four first', () => {
    expect(listOptimizers().slice(0, 5)).toEqual(['sgd', 'adam', 'rmsprop', 'custom', 'adamw']);
    for (const [name, hyper] of Object.entries(table)) {
      const spec = getOptimizer(name);
      expect(Object.keys(spec.hyper), name).toEqual(Object.keys(hyper));
      for (const [k, [def, min, max, minEx, maxEx, flag]] of Object.entries(hyper)) {
        const h = spec.hyper[k];
        expect([h.default, h.min, h.max, !!h.minExclusive, !!h.maxExclusive, !!h.flag], `${name}.${k}`).toEqual([def, min, max, minEx, maxEx, flag]);
        expect(h.doc.length).toBeGreaterThan(3);
        // The edges: an exclusive bound is refused, an inclusive one taken.
        const at = (v: number) => () => resolveHyper(spec, { [k]: v });
        if (minEx) expect(at(min), `${name}.${k} = min`).toThrow(HyperparameterError);
        else expect(at(min)()[k]).toBe(min);
        if (maxEx) expect(at(max), `${name}.${k} = max`).toThrow(HyperparameterError);
        else expect(at(max)()[k]).toBe(max);
      }
      expect(defaults(spec)).toEqual(Object.fromEntries(Object.entries(hyper).map(([k, v]) => [k, v[0]])));
    }
  });

  it('every shipped rule says what it is and assigns the parameter and each of its slots', () => {
    for (const name of ['sgd', 'adam', 'rmsprop', 'custom', 'adamw']) {
      const spec = getOptimizer(name);
      expect(spec.description.length, name).toBeGreaterThan(10);
      // A rule that never writes a slot would keep it at zero: a silent bug the GPU tests
      // catch numerically; here, the text (the checker's own test of it, src/optim/check.ts).
      for (const target of ['p', ...spec.slots.map((sl) => sl.name)]) expect(assigns(spec.wgsl, target), `${name} assigns ${target}`).toBe(true);
    }
  });

  it('resolveHyper: defaults overridden, refusals that name the value and the range', () => {
    const rms = getOptimizer('rmsprop');
    expect(resolveHyper(rms, { momentum: 0.5 })).toEqual({ lr: 1e-3, rho: 0.9, eps: 1e-7, momentum: 0.5, centered: 0, keras: 0 });
    expect(resolveHyper(rms)).toEqual(defaults(rms));
    expect(() => resolveHyper(rms, { lr: 0 })).toThrow('rmsprop: lr = 0 is outside its valid range (0, 10] (learning rate)');
    expect(() => resolveHyper(rms, { rho: 1 })).toThrow('rmsprop: rho = 1 is outside its valid range [0, 1) (squared-gradient decay)');
    expect(() => resolveHyper(rms, { rho: -0.5 })).toThrow('outside its valid range [0, 1)');
    expect(() => resolveHyper(rms, { lr: 11 })).toThrow('rmsprop: lr = 11 is outside');
    expect(() => resolveHyper(rms, { lr: Infinity })).toThrow('lr = Infinity is outside');
    expect(() => resolveHyper(rms, { lr: '0.1' as unknown as number })).toThrow('lr = 0.1 is outside');
    expect(() => resolveHyper(rms, { centered: 0.5 })).toThrow('rmsprop: centered is a switch, 0 or 1, got 0.5');
    expect(resolveHyper(rms, { centered: 1 }).centered).toBe(1);
    expect(() => resolveHyper(rms, { beta: 1 })).toThrow("rmsprop: unknown hyperparameter 'beta' (it has: lr, rho, eps, momentum, centered, keras)");
  });

  it('activeSlots: a slot with `when` exists only where its hyperparameter is non-zero', () => {
    const names = (o: string, h: Record<string, number>) => activeSlots(getOptimizer(o), resolveHyper(getOptimizer(o), h)).map((s) => s.name);
    expect(names('sgd', {})).toEqual(['velocity']);
    expect(names('sgd', { momentum: 0 })).toEqual([]);
    expect(names('rmsprop', {})).toEqual(['ms']);
    expect(names('rmsprop', { momentum: 0.1, centered: 1 })).toEqual(['ms', 'mom', 'mg']);
    expect(names('custom', {})).toEqual(['m', 'v', 'u']);
  });
});

describe('spec validation', () => {
  const base: OptimizerSpec = {
    name: 'valid-one',
    description: 'x',
    slots: [{ name: 'acc', when: 'decay' }],
    hyper: { lr: { default: 0.1, min: 0, max: 1, doc: 'learning rate' }, decay: { default: 0, min: 0, max: 1, doc: 'decay' } },
    perStep: (h, t) => ({ corr: 1 - h.decay ** t }),
    wgsl: 'p = p - lr * g;',
    reference: (p, g, _s, h) => p - h.lr * g,
  };

  it('accepts a well-formed spec and refuses each kind of mistake with its message', () => {
    expect(() => checkSpec(base)).not.toThrow();
    const bad: Array<[Partial<OptimizerSpec>, string]> = [
      [{ name: 'Bad Name' }, "optimizer spec 'Bad Name': the name must be lower-case letters, digits, '-' or '_'"],
      [{ name: '9lives' }, 'the name must be lower-case'],
      [{ slots: [{ name: 'p' }] }, "optimizer spec 'valid-one': slot 'p' is not a usable WGSL name (reserved or not [a-z][a-z0-9_]*)"],
      [{ slots: [{ name: 'Acc' }] }, "slot 'Acc' is not a usable WGSL name"],
      [{ slots: [{ name: 'acc' }, { name: 'acc' }] }, "optimizer spec 'valid-one': the name 'acc' is used twice"],
      [{ slots: [{ name: 'lr' }] }, "the name 'lr' is used twice"],
      [{ hyper: { ...base.hyper, sqrt: { default: 0, min: 0, max: 1, doc: 'x' } } }, "hyperparameter 'sqrt' is not a usable WGSL name"],
      [{ hyper: { ...base.hyper, lr: { default: 2, min: 0, max: 1, doc: 'learning rate' } } }, 'valid-one: lr = 2 is outside its valid range [0, 1] (learning rate)'],
      [{ slots: [{ name: 'acc', when: 'gamma' }] }, "optimizer spec 'valid-one': slot 'acc' depends on unknown hyperparameter 'gamma'"],
      [{ perStep: () => ({ lr: 1 }) }, "the name 'lr' is used twice"],
      [{ perStep: () => ({ l2: 1 }) }, "per-step scalar 'l2' is not a usable WGSL name"],
    ];
    for (const [change, message] of bad) {
      const spec = { ...base, ...change };
      expect(() => checkSpec(spec), JSON.stringify(change)).toThrow(HyperparameterError);
      expect(() => checkSpec(spec), JSON.stringify(change)).toThrow(message);
    }
  });

  it('every name the generated kernel uses itself, and the WGSL keywords it could clash with, is refused', () => {
    const reserved = ['p', 'g', 'i', 'j', 'h', 'dims', 'params', 'grads', 'hyper', 'trial_of', 'reset', 'l2', 'pbase', 'sbase', 'main', 'active',
      'let', 'var', 'fn', 'if', 'for', 'return', 'const', 'loop', 'true', 'false', 'select', 'sign', 'sqrt', 'pow', 'abs', 'max', 'min', 'exp', 'log'];
    for (const name of reserved) expect(() => checkSpec({ ...base, slots: [{ name }] }), name).toThrow(`slot '${name}' is not a usable WGSL name`);
    for (const name of ['acc!', 'acc x', '_acc']) expect(() => checkSpec({ ...base, slots: [{ name }] }), name).toThrow('is not a usable WGSL name');
    expect(() => checkSpec({ ...base, name: 'ok name' })).toThrow('the name must be lower-case');
    expect(() => checkSpec({ ...base, name: 'ok!' })).toThrow('the name must be lower-case');
    expect(new HyperparameterError('x').name).toBe('HyperparameterError');
  });

  it('the registry refuses a second spec of the same name and knows every name it lists', () => {
    registerOptimizer({ ...base, name: 'registered-once' });
    expect(getOptimizer('registered-once').name).toBe('registered-once');
    expect(() => registerOptimizer({ ...base, name: 'registered-once' })).toThrow("an optimizer named 'registered-once' is already registered");
    expect(() => registerOptimizer({ ...base, name: 'Nope' })).toThrow(HyperparameterError);
    for (const n of listOptimizers()) expect(getOptimizer(n).name).toBe(n);
    expect(() => getOptimizer('nadam')).toThrow(/^unknown optimizer 'nadam' \(known: sgd, adam, rmsprop, custom, adamw, .*registered-once\)$/);
  });
});

describe('generated kernel source', () => {
  it('record layout: active, reset, l2, the hyperparameters, then the per-step scalars', () => {
    expect(recordLayout(getOptimizer('adam'))).toEqual(['active', 'reset', 'l2', 'lr', 'beta1', 'beta2', 'eps', 'keras', 'bc1', 'bc2']);
    expect(recordLayout(getOptimizer('sgd'))).toEqual(['active', 'reset', 'l2', 'lr', 'momentum', 'nesterov']);
  });

  it('binds and stores the present slots only, reads every record word, runs the rule on each vec4 component', () => {
    const rms = getOptimizer('rmsprop');
    const src = optimizerSource(rms, activeSlots(rms, resolveHyper(rms, { momentum: 0.5 })));
    expect(src.startsWith("// Generated from optimizer spec 'rmsprop': RMSprop (eps outside the root; keras=1 puts it inside, as tf.keras)\n// slots stored: ms, mom\n")).toBe(true);
    expect(src).toContain('const RECORD: u32 = 9u;');
    expect(src).toContain('@group(0) @binding(5) var<storage, read_write> slot_ms: array<vec4<f32>>;\n@group(0) @binding(6) var<storage, read_write> slot_mom: array<vec4<f32>>;');
    expect(src).not.toContain('slot_mg');
    ['lr', 'rho', 'eps', 'momentum', 'centered', 'keras'].forEach((h, k) => expect(src).toContain(`  let ${h} = hyper[h + ${3 + k}u];`));
    // Slots loaded, then the first component's block right after them.
    expect(src).toContain('    var ms4 = select(slot_ms[sbase + i], vec4<f32>(0.0), reset);\n    var mom4 = select(slot_mom[sbase + i], vec4<f32>(0.0), reset);\n    {\n      var p = p4.x;');
    for (const c of ['x', 'y', 'z', 'w']) {
      expect(src).toContain(`    {\n      var p = p4.${c};\n      let g = g4.${c} + l2_here * p;\n      var ms = ms4.${c};\n      var mom = mom4.${c};\n      var mg = 0.0;\n      ms = rho * ms + (1.0 - rho) * g * g;`);
      expect(src).toContain(`      p4.${c} = p;\n      ms4.${c} = ms;\n      mom4.${c} = mom;\n    }`);
    }
    // The rule's lines keep their own relative indentation.
    expect(src).toContain('      if (centered != 0.0) {\n        mg = rho * mg + (1.0 - rho) * g;');
    expect(src).toContain('    slot_ms[sbase + i] = ms4;\n    slot_mom[sbase + i] = mom4;');
    expect(src).not.toMatch(/^\s*\/\/\{\{[A-Z_]+\}\}$/m); // every marker line filled
  });

  it('the rule is dedented and its blank lines dropped', () => {
    const spec: OptimizerSpec = { ...getOptimizer('sgd'), name: 'dedent-check', slots: [], wgsl: '\n      let step = lr * g;\n   \n      p = p - step;\n    ' };
    const src = optimizerSource(spec, []);
    expect(src).toContain('      var p = p4.x;\n      let g = g4.x + l2_here * p;\n      let step = lr * g;\n      p = p - step;\n      p4.x = p;');
  });

  it('a stateless rule: no bindings, loads or stores, marked as none', () => {
    const sgd = getOptimizer('sgd');
    const src = optimizerSource(sgd, []);
    expect(src).toContain('// slots stored: none\n');
    expect(src).not.toContain('slot_velocity');
    expect(src).not.toContain('velocity4');
    expect(src).toContain('      var velocity = 0.0;');
    expect(src.match(/\/\/ \(none\)/g)).toHaveLength(3);
    expect(src).toContain('const RECORD: u32 = 6u;');
  });
});
