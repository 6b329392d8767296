// Checks a pasted optimizer spec before it trains: its generated kernel must compile, and over
// 25 steps its GPU update must match the spec's own TypeScript reference, as the suite checks
// the built-ins (tests/optimizers.test.ts): gradients with negatives, zeros, 1e-30 and 1e4,
// no NaN or infinity, the parameter within a few float32 ulps plus 1e-4 of its update, each
// state slot within a few roundings of its terms. Node-free (a test runs it under Node too).
//
// After the merge with the branch that adds src/optim/check.ts (`--check-optimizer`), point
// checkSpecOnGpu at that checker: the page only needs its pass/fail, the largest errors and a
// message.
import { ShaderCompileError } from '../../src/kernels/errors.ts';
import type { Gpu } from '../../src/kernels/gpu.ts';
import { hash4, unitF32 } from '../../src/kernels/rng.ts';
import { ParamArena } from '../../src/nn/params.ts';
import { Optimizers } from '../../src/optim/fused.ts';
import { activeSlots, defaults, perStepValues, type OptimizerSpec } from '../../src/optim/spec.ts';

export const CHECK_STEPS = 25;

export interface SpecCheck {
  ok: boolean;
  /** One line: what passed, or the first thing that failed and where. */
  message: string;
  /** Largest error relative to the tolerance of the parameter and of each slot (<= 1 passes). */
  worst: Record<string, number>;
}

const ulp = (x: number) => Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(x) || 2 ** -126)) - 23));
const f32 = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.fround(v)]));

/** Uniform in [lo, hi) from the engine's counter-based generator: the same on every machine. */
function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => lo + (hi - lo) * unitF32(hash4(seed, 999, 0, i)));
}

/** Gradients with negatives, zeros, tiny (1e-30: its square underflows in float32) and large
 * (1e4) values, different at every step. */
function gradients(n: number, step: number): Float32Array {
  const g = uniform(n, 1000 + step, -1, 1);
  const special = [0, 1e-30, -1e-30, 1e4, -1e4, 0.5, -0.5, 3e-3];
  for (let i = 0; i < n; i += 5) g[i] = special[(i / 5 + step) % special.length];
  return g;
}

/** A compile error's lines, each named by its line in the spec's own `wgsl` text where the
 * compiler's quoted source line is one of the spec's. */
export function compileMessage(spec: OptimizerSpec, e: ShaderCompileError): string {
  const own = spec.wgsl.split('\n').map((l) => l.trim());
  return e.details
    .split('; line ')
    .map((part, i) => {
      const m = /^(?:line )?(\d+):(\d+): (.*?)\s+>> (.*)$/.exec(i === 0 ? part : `line ${part}`);
      if (!m) return part;
      const at = own.indexOf(m[4].trim());
      return at >= 0 ? `wgsl line ${at + 1}: ${m[3]} (${m[4].trim()})` : `generated kernel line ${m[1]}: ${m[3]} (${m[4].trim()})`;
    })
    .join('; ');
}

/** Runs the check on a registered spec (Optimizers finds kernels by registry name). */
export async function checkSpecOnGpu(gpu: Gpu, spec: OptimizerSpec): Promise<SpecCheck> {
  const worst: Record<string, number> = { p: 0 };
  const arena = new ParamArena(gpu, [{ name: 'w', shape: [7, 6], kind: 'weight' }, { name: 'b', shape: [5], kind: 'bias' }], 2);
  // Trial 0 at the defaults, trial 1 with L2 (its gradient term goes through the kernel too).
  const configs = [{ optimizer: spec.name }, { optimizer: spec.name, l2: 0.7 }];
  let opts: Optimizers | null = null;
  try {
    const P = arena.perTrial;
    const init = [uniform(P, 7, -1, 1), uniform(P, 8, -1, 1)];
    arena.upload(init);
    opts = new Optimizers(gpu, arena, configs);
    try {
      await opts.ready();
    } catch (e) {
      if (!(e instanceof ShaderCompileError)) throw e;
      // The runtime also holds the failure for its next sync(): take it now, or the next
      // training run would fail with this spec's error.
      await gpu.sync().catch(() => {});
      return { ok: false, message: `the WGSL does not compile: ${compileMessage(spec, e)}`, worst };
    }
    const h = f32(defaults(spec));
    const slots = activeSlots(spec, h);
    for (const s of slots) worst[s.name] = 0;
    const rows = 128;
    let prevP = init.map((a) => Float64Array.from(a));
    const prevS = [await opts.readState(0), await opts.readState(1)];
    for (let step = 1; step <= CHECK_STEPS; step++) {
      const grads = [gradients(P, 10 * step), gradients(P, 10 * step + 1)];
      const all = new Float32Array(2 * P);
      all.set(grads[0], 0);
      all.set(grads[1], P);
      gpu.write(arena.grads, all);
      opts.step(step, rows);
      const params = await arena.read();
      const d = f32(perStepValues(spec, defaults(spec), step));
      for (let t = 0; t < 2; t++) {
        const state = await opts.readState(t);
        for (let i = 0; i < P; i++) {
          // The reference starts from the GPU's previous values, so errors do not compound.
          const s: Record<string, number> = {};
          for (const slot of spec.slots) s[slot.name] = prevS[t][slot.name]?.[i] ?? 0;
          const before = { ...s };
          let g = grads[t][i];
          if (i < arena.weightCount) g += ((configs[t].l2 ?? 0) / rows) * prevP[t][i];
          const pRef = spec.reference(prevP[t][i], Math.fround(g), s, h, d);
          const pGpu = params[t][i];
          const where = `step ${step}, trial ${t === 0 ? 'at the defaults' : 'with L2 0.7'}, element ${i} (gradient ${g})`;
          if (!Number.isFinite(pGpu)) return { ok: false, message: `the kernel wrote ${pGpu} for the parameter at ${where}`, worst };
          if (!Number.isFinite(pRef)) return { ok: false, message: `the reference returned ${pRef} for the parameter at ${where}`, worst };
          const tolP = 4 * ulp(pRef) + 1e-4 * Math.abs(pRef - prevP[t][i]) + 1e-30;
          worst.p = Math.max(worst.p, Math.abs(pGpu - pRef) / tolP);
          if (worst.p > 1) return { ok: false, message: `the kernel and the reference disagree on the parameter at ${where}: kernel ${pGpu}, reference ${pRef}`, worst };
          for (const slot of slots) {
            const ref = s[slot.name];
            const got = state[slot.name][i];
            if (!Number.isFinite(got)) return { ok: false, message: `the kernel wrote ${got} for slot '${slot.name}' at ${where}`, worst };
            const tolS = 8 * 2 ** -24 * (Math.abs(before[slot.name]) + Math.abs(ref)) + 1e-37;
            worst[slot.name] = Math.max(worst[slot.name], Math.abs(got - ref) / tolS);
            if (worst[slot.name] > 1) return { ok: false, message: `the kernel and the reference disagree on slot '${slot.name}' at ${where}: kernel ${got}, reference ${ref}`, worst };
          }
        }
        prevS[t] = state;
      }
      prevP = params.map((a) => Float64Array.from(a));
    }
    const summary = Object.entries(worst).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
    return { ok: true, message: `kernel and reference agree over ${CHECK_STEPS} steps (largest error / tolerance: ${summary})`, worst };
  } finally {
    opts?.destroy();
    arena.destroy();
  }
}
