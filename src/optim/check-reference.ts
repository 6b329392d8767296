// The numeric check of fused optimizer kernels: trials of one small arena (a 7x6 weight and
// a 5-element bias, so the vec4 kernel meets a padded tail) take `steps` updates with
// gradients that hold negatives, zeros, +-1e-30 (its square underflows in float32) and
// +-1e4; after every step each parameter and state value read back from the GPU is
// compared with the spec's TypeScript reference, run in float64 from the GPU's previous
// values (so errors do not compound) with the hyperparameters and per-step scalars as
// float32, as the GPU holds them. Every value must be finite and within tolerance.
import type { Gpu } from '../kernels/gpu.ts';
import { hash4, unitF32 } from '../kernels/rng.ts';
import { l2GradCoefficient } from '../nn/loss.ts';
import { ParamArena } from '../nn/params.ts';
import { Optimizers, type TrialOptimizerConfig } from './fused.ts';
import { getOptimizer } from './registry.ts';
import { activeSlots, perStepValues, resolveHyper } from './spec.ts';

/** One trial of the check: an optimizer with its settings, and a label for the report. */
export interface ReferenceCase {
  label: string;
  config: TrialOptimizerConfig;
}

/** A value that is not finite or not within tolerance of the reference. */
export interface Mismatch {
  label: string;
  step: number;
  element: number;
  gpu: number;
  ref: number;
  /** The gradient the update saw (L2 term included). */
  g: number;
  relError: number;
  tolerance: number;
}

/** The parameter (`p`) or one state slot, over every step and element of a case. */
export interface SlotStats {
  slot: string;
  /** Largest |gpu - ref| / max(|ref|, |value before the step|, 2^-126). */
  maxRelError: number;
  /** Largest |gpu - ref| / tolerance: at most 1 passes. */
  worstRatio: number;
  /** Values checked, and how many of them failed (not finite, or beyond tolerance). */
  values: number;
  failures: number;
  firstFailure: Mismatch | null;
}

export interface CaseOutcome {
  label: string;
  optimizer: string;
  slots: SlotStats[];
}

export const CHECK_STEPS = 25;
/** The rows of the batch the L2 coefficient lambda / rows is computed for. */
const ROWS = 128;
const SPECIAL = [0, 1e-30, -1e-30, 1e4, -1e4, 0.5, -0.5, 3e-3];

/** Gradients of a step: uniform in [-1, 1), every fifth value one of SPECIAL, in turn. */
export function checkGradients(n: number, step: number): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = 2 * unitF32(hash4(1000 + step, 999, 0, i)) - 1;
  for (let i = 0; i < n; i += 5) g[i] = SPECIAL[(i / 5 + step) % SPECIAL.length];
  return g;
}

const f32 = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.fround(v)]));
const ulp = (x: number) => Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(x) || 2 ** -126)) - 23));

/** The parameter: a few ulps of the result plus 1e-4 of the update itself (division and
 * square root on a GPU may be a few ulps off, and they act on the update). */
export const paramTolerance = (ref: number, before: number) => 4 * ulp(ref) + 1e-4 * Math.abs(ref - before) + 1e-30;
/** A slot's update b*s + x rounds at the scale of its two terms, and |x| = |new - b*s| <=
 * |new| + |s|: a few float32 roundings of |s| + |new| (x's own roundings, of g*g or g*g*g,
 * are relative to x). */
export const slotTolerance = (ref: number, before: number) => 8 * 2 ** -24 * (Math.abs(before) + Math.abs(ref)) + 1e-37;

class Tally {
  readonly stats: SlotStats;
  constructor(slot: string) {
    this.stats = { slot, maxRelError: 0, worstRatio: 0, values: 0, failures: 0, firstFailure: null };
  }

  add(at: Omit<Mismatch, 'relError' | 'tolerance'>, before: number, tolerance: number): void {
    const s = this.stats;
    const err = Math.abs(at.gpu - at.ref);
    const relError = Number.isFinite(at.gpu) && Number.isFinite(at.ref) ? err / Math.max(Math.abs(at.ref), Math.abs(before), 2 ** -126) : Infinity;
    const ratio = Number.isFinite(relError) ? err / tolerance : Infinity;
    s.values++;
    s.maxRelError = Math.max(s.maxRelError, relError);
    s.worstRatio = Math.max(s.worstRatio, ratio);
    if (!(ratio <= 1)) {
      s.failures++;
      s.firstFailure ??= { ...at, relError, tolerance };
    }
  }
}

/** Runs the cases as trials of one arena for `steps` steps; per case, the statistics of
 * `p` and of each slot its settings use. Compile errors surface as ShaderCompileError. */
export async function compareWithReference(gpu: Gpu, cases: ReferenceCase[], steps = CHECK_STEPS): Promise<CaseOutcome[]> {
  const T = cases.length;
  const arena = new ParamArena(gpu, [{ name: 'w', shape: [7, 6], kind: 'weight' }, { name: 'b', shape: [5], kind: 'bias' }], T);
  let opts: Optimizers | null = null;
  try {
    const P = arena.perTrial;
    const init = cases.map((_, t) => {
      const a = new Float32Array(P);
      for (let i = 0; i < P; i++) a[i] = 2 * unitF32(hash4(7 + t, 999, 0, i)) - 1;
      return a;
    });
    arena.upload(init);
    opts = new Optimizers(gpu, arena, cases.map((c) => c.config));
    await opts.ready();
    const specs = cases.map((c) => getOptimizer(c.config.optimizer));
    const hyper = cases.map((c, t) => resolveHyper(specs[t], c.config.hyper));
    const tallies = cases.map((_, t) => [new Tally('p'), ...activeSlots(specs[t], hyper[t]).map((s) => new Tally(s.name))]);
    let prevP = init.map((a) => Float64Array.from(a));
    const prevS: Array<Record<string, Float32Array>> = [];
    for (let t = 0; t < T; t++) prevS.push(await opts.readState(t));
    for (let step = 1; step <= steps; step++) {
      const grads = cases.map((_, t) => checkGradients(P, step * 10 + t));
      const all = new Float32Array(T * P);
      grads.forEach((g, t) => all.set(g, t * P));
      gpu.write(arena.grads, all);
      try {
        opts.step(step, ROWS);
      } catch (e) {
        // The records hold perStep's values: a perStep that throws is the spec's error.
        if (e instanceof Error && e.name.startsWith('Gpu')) throw e;
        throw new Error(`perStep threw at step ${step}: ${String((e as Error)?.message ?? e)}`);
      }
      const params = await arena.read();
      for (let t = 0; t < T; t++) {
        const { config, label } = cases[t];
        const spec = specs[t];
        const h = f32(hyper[t]);
        const d = f32(perStepValues(spec, hyper[t], config.resetEveryStep ? 1 : step));
        const state = await opts.readState(t);
        const l2 = l2GradCoefficient(config.l2 ?? 0, ROWS);
        const [pTally, ...slotTallies] = tallies[t];
        for (let i = 0; i < P; i++) {
          const s: Record<string, number> = {};
          for (const slot of spec.slots) s[slot.name] = config.resetEveryStep ? 0 : (prevS[t][slot.name]?.[i] ?? 0);
          const before = { ...s };
          const g = Math.fround(grads[t][i] + (i < arena.weightCount ? l2 * prevP[t][i] : 0));
          let pRef: number;
          try {
            pRef = spec.reference(prevP[t][i], g, s, h, d);
          } catch (e) {
            throw new Error(`${spec.name}'s reference threw at step ${step}, element ${i} (case ${label}): ${String((e as Error)?.message ?? e)}`);
          }
          const at = { label, step, element: i, g };
          pTally.add({ ...at, gpu: params[t][i], ref: pRef }, prevP[t][i], paramTolerance(pRef, prevP[t][i]));
          for (const tally of slotTallies) {
            const name = tally.stats.slot;
            tally.add({ ...at, gpu: state[name][i], ref: s[name] }, before[name], slotTolerance(s[name], before[name]));
          }
        }
        prevS[t] = state;
      }
      prevP = params.map((a) => Float64Array.from(a));
    }
    return cases.map((c, t) => ({ label: c.label, optimizer: c.config.optimizer, slots: tallies[t].map((x) => x.stats) }));
  } finally {
    opts?.destroy();
    arena.destroy();
  }
}

/** One line for a mismatch. */
export function describeMismatch(slot: string, m: Mismatch): string {
  const v = (x: number) => (Number.isFinite(x) ? x.toPrecision(9) : String(x));
  const what = !Number.isFinite(m.gpu) ? `the kernel gives ${m.gpu}` : !Number.isFinite(m.ref) ? `the reference gives ${m.ref} (the kernel ${v(m.gpu)})` : `kernel ${v(m.gpu)}, reference ${v(m.ref)}: error ${Math.abs(m.gpu - m.ref).toExponential(2)}, tolerance ${m.tolerance.toExponential(2)}`;
  return `${slot} at step ${m.step}, element ${m.element} (case ${m.label}, g = ${m.g.toPrecision(6)}): ${what}`;
}
