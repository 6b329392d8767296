// Checks an optimizer spec's GPU update against its TypeScript reference, step by step, for
// specs with tensor steps or evaluated parameters (tensor-spec.ts): every parameter (the
// tensor step's, or the per-element rule's where no step claims it), every slot, and the
// evaluated parameters. Each step starts the reference from the GPU's previous values, so
// errors do not compound, and reads hyperparameters as the GPU does (float32). The suite
// calls it on the built-ins; a command-line checker can call it on a user's file.
import type { Gpu } from '../kernels/gpu.ts';
import { hash4, unitF32 } from '../kernels/rng.ts';
import { l2GradCoefficient } from '../nn/loss.ts';
import { ParamArena, type ParamSpec } from '../nn/params.ts';
import { Optimizers, type TrialOptimizerConfig } from './fused.ts';
import { listOptimizers, getOptimizer, registerOptimizer } from './registry.ts';
import { activeSlots, HyperparameterError, perStepValues, resolveHyper, type OptimizerSpec } from './spec.ts';
import { paramInfo, unclaimedRanges } from './tensor-steps.ts';

/** A small model with a tall, a wide and a square hidden matrix (none a multiple of any
 * tile), an output layer and biases: every orientation a tensor step must handle. */
export const CHECK_PARAMS: ParamSpec[] = [
  { name: 'W_tall', shape: [13, 7], kind: 'weight', role: 'hidden' },
  { name: 'W_wide', shape: [6, 11], kind: 'weight', role: 'hidden' },
  { name: 'W_square', shape: [9, 9], kind: 'weight', role: 'hidden' },
  { name: 'W_out', shape: [7, 5], kind: 'weight', role: 'output' },
  { name: 'b_hidden', shape: [7], kind: 'bias' },
  { name: 'b_out', shape: [5], kind: 'bias' },
];

/** Gradients with negatives, zeros, tiny (1e-30: its square underflows in float32) and large
 * (1e4) values, different at every step and trial. */
export function checkGradients(n: number, seed: number): Float32Array {
  const g = Float32Array.from({ length: n }, (_, i) => 2 * unitF32(hash4(seed, 997, 0, i)) - 1);
  const special = [0, 1e-30, -1e-30, 1e4, -1e4, 0.5, -0.5, 3e-3];
  for (let i = 0; i < n; i += 5) g[i] = special[(i / 5 + seed) % special.length];
  return g;
}

export interface CheckOptions {
  /** One trial per entry; `optimizer` is the spec's own name. Default: its defaults, and
   * its defaults with L2 0.7 and with the state reset every step. */
  configs?: Array<Omit<TrialOptimizerConfig, 'optimizer'>>;
  params?: ParamSpec[];
  steps?: number;
  /** Batch rows (the L2 coefficient is lambda / rows). */
  rows?: number;
  /** Allowed error of a tensor step's results, relative to the largest change it made to
   * that tensor in that step (float32 products against a float64 reference). */
  tensorTolerance?: number;
}

export interface CheckReport {
  pass: boolean;
  steps: number;
  /** Per kind of value checked, the largest error over its tolerance (pass: <= 1). */
  worst: Record<string, number>;
  /** The first mismatches (at most 10), one line each. */
  failures: string[];
}

const f32 = (r: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.fround(v)]));
const ulp = (x: number) => Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(x) || 2 ** -126)) - 23));
const U = 2 ** -24;

/** Runs `spec` (registered here if no spec of its name is) against its references. */
export async function checkAgainstReference(gpu: Gpu, spec: OptimizerSpec, options: CheckOptions = {}): Promise<CheckReport> {
  if (!listOptimizers().includes(spec.name)) registerOptimizer(spec);
  else if (getOptimizer(spec.name) !== spec) throw new HyperparameterError(`another optimizer named '${spec.name}' is registered; check it under a new name`);
  const configs: TrialOptimizerConfig[] = (options.configs ?? [{}, { l2: 0.7 }, { resetEveryStep: true }]).map((c) => ({ ...c, optimizer: spec.name }));
  const steps = options.steps ?? 25;
  const rows = options.rows ?? 128;
  const tensorTol = options.tensorTolerance ?? 1e-3;
  const T = configs.length;
  const arena = new ParamArena(gpu, options.params ?? CHECK_PARAMS, T);
  const opts = new Optimizers(gpu, arena, configs);
  const worst: Record<string, number> = {};
  const failures: string[] = [];
  const note = (kind: string, err: number, tol: number, where: () => string) => {
    const r = Number.isFinite(err) ? err / tol : Infinity;
    if (!(r <= (worst[kind] ?? 0))) worst[kind] = r;
    if (!(r <= 1) && failures.length < 10) failures.push(`${kind}: ${where()}`);
  };
  try {
    await opts.ready();
    const P = arena.perTrial;
    arena.upload(Array.from({ length: T }, (_, t) => Float32Array.from(checkGradients(P, 7 + t), (x) => x / 4)));
    const claimed = spec.tensorStep ? arena.slots.filter((s) => spec.tensorStep!.applies(paramInfo(s))) : [];
    const ranges = spec.tensorStep ? unclaimedRanges(arena, new Set(claimed.map((s) => s.name))) : [[0, P] as [number, number]];
    let prevP = await arena.read();
    let prevS = await Promise.all(configs.map((_, t) => opts.readState(t)));
    for (let step = 1; step <= steps; step++) {
      const grads = configs.map((_, t) => checkGradients(P, step * 10 + t));
      gpu.write(arena.grads, Float32Array.from(grads.flatMap((a) => Array.from(a))));
      opts.step(step, rows);
      const params = await arena.read();
      const states = await Promise.all(configs.map((_, t) => opts.readState(t)));
      for (let t = 0; t < T; t++) {
        const c = configs[t];
        const h = f32(resolveHyper(spec, c.hyper));
        const d = f32(perStepValues(spec, resolveHyper(spec, c.hyper), c.resetEveryStep ? 1 : step));
        const slots = activeSlots(spec, h).map((s) => s.name);
        const l2 = Math.fround(l2GradCoefficient(c.l2 ?? 0, rows));
        const gradAt = (i: number) => Math.fround(grads[t][i] + (i < arena.weightCount ? l2 * prevP[t][i] : 0));
        const before = (name: string, i: number) => (c.resetEveryStep ? 0 : prevS[t][name][i]);
        // Per-element rule over the unclaimed ranges.
        for (const [start, end] of ranges) {
          for (let i = start; i < end; i++) {
            const s: Record<string, number> = Object.fromEntries(spec.slots.map((x) => [x.name, slots.includes(x.name) ? before(x.name, i) : 0]));
            const s0 = { ...s };
            const pRef = spec.reference(prevP[t][i], gradAt(i), s, h, d);
            const got = params[t][i];
            note('p (per element)', Math.abs(got - pRef), 4 * ulp(pRef) + 1e-4 * Math.abs(pRef - prevP[t][i]) + 1e-30, () => `trial ${t} p[${i}] step ${step}: gpu ${got} ref ${pRef}`);
            for (const name of slots) {
              const g2 = states[t][name][i];
              // A slot's update rounds at the scale of its terms: its old value, its new one, and
              // the parameter where the rule mixes it in (Schedule-Free's z starts as p).
              const terms = Math.abs(s0[name]) + Math.abs(s[name]) + Math.abs(prevP[t][i]);
              note(`slot ${name} (per element)`, Math.abs(g2 - s[name]), 8 * U * terms + 1e-37, () => `trial ${t} ${name}[${i}] step ${step}: gpu ${g2} ref ${s[name]}`);
            }
          }
        }
        // Tensor steps, a whole parameter at a time.
        for (const ps of claimed) {
          const idx = Array.from({ length: ps.size }, (_, k) => ps.offset + k);
          const p = Float64Array.from(idx, (i) => prevP[t][i]);
          const g = Float64Array.from(idx, gradAt);
          const state = Object.fromEntries(spec.slots.map((x) => [x.name, Float64Array.from(idx, (i) => (slots.includes(x.name) ? before(x.name, i) : 0))]));
          const s0 = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, Float64Array.from(v)]));
          spec.tensorStep!.reference({ param: paramInfo(ps), p, g, state, h, d });
          const change = p.reduce((m, x, k) => Math.max(m, Math.abs(x - prevP[t][idx[k]])), 0);
          idx.forEach((i, k) => {
            const got = params[t][i];
            note('p (tensor step)', Math.abs(got - p[k]), 4 * ulp(p[k]) + tensorTol * change + 1e-30, () => `trial ${t} ${ps.name}[${k}] step ${step}: gpu ${got} ref ${p[k]} (largest change ${change.toExponential(2)})`);
          });
          for (const name of slots) {
            const slotChange = state[name].reduce((m, x, k) => Math.max(m, Math.abs(x - s0[name][k])), 0);
            idx.forEach((i, k) => {
              const got = states[t][name][i];
              const ref = state[name][k];
              note(`slot ${name} (tensor step)`, Math.abs(got - ref), 8 * U * (Math.abs(s0[name][k]) + Math.abs(ref)) + tensorTol * slotChange + 1e-37, () => `trial ${t} ${ps.name}.${name}[${k}] step ${step}: gpu ${got} ref ${ref}`);
            });
          }
        }
        for (const [name, v] of [['p', params[t]], ...Object.entries(states[t])] as Array<[string, Float32Array]>) {
          const bad = v.findIndex((x) => !Number.isFinite(x));
          if (bad >= 0) note('finite', Infinity, 1, () => `trial ${t} ${name}[${bad}] is ${v[bad]} after step ${step}`);
        }
      }
      if (spec.evaluate) {
        const evaluated = await opts.readEvaluated(step);
        for (let t = 0; t < T; t++) {
          const c = configs[t];
          const h = f32(resolveHyper(spec, c.hyper));
          const d = f32(perStepValues(spec, resolveHyper(spec, c.hyper), c.resetEveryStep ? 1 : step));
          for (let i = 0; i < P; i++) {
            const s = Object.fromEntries(Object.entries(states[t]).map(([k, v]) => [k, v[i]]));
            const ref = spec.evaluate.reference(params[t][i], s, h, d);
            const scale = Math.abs(params[t][i]) + Object.values(s).reduce((a, x) => a + Math.abs(x), 0);
            note('evaluated p', Math.abs(evaluated[t][i] - ref), 4 * ulp(ref) + 8 * U * scale + 1e-37, () => `trial ${t} x[${i}] step ${step}: gpu ${evaluated[t][i]} ref ${ref}`);
          }
        }
        // Evaluation leaves the trained parameters exactly as they were.
        const after = await arena.read();
        for (let t = 0; t < T; t++) {
          const same = after[t].every((x, i) => Object.is(x, params[t][i]));
          if (!same) note('trained p kept', Infinity, 1, () => `trial ${t}: the trained parameters changed across an evaluation at step ${step}`);
        }
      }
      prevP = params;
      prevS = states;
    }
  } finally {
    opts.destroy();
    arena.destroy();
  }
  return { pass: failures.length === 0, steps, worst, failures };
}
