// What an optimizer is: one small spec. The runtime generates the fused WGSL kernel and the
// state buffers from it (codegen.ts, fused.ts); the registry, the CLI, the tests and the
// report pick it up by name. See docs/architecture.md, "Optimizers", and
// docs/optimizers.md for updates that are not one element at a time (tensor-spec.ts).
import type { EvaluateSpec, TensorStepSpec } from './tensor-spec.ts';

export interface HyperSpec {
  default: number;
  /** Valid range; `min`/`max` are inclusive unless `minExclusive`/`maxExclusive`. */
  min: number;
  max: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** Only 0 or 1 (a switch, e.g. nesterov). */
  flag?: boolean;
  doc: string;
}

export interface SlotSpec {
  /** A WGSL identifier: the kernel holds the slot's value in `var <name>: f32`. */
  name: string;
  /** The slot exists only for trials whose hyperparameter of this name is non-zero
   * (e.g. RMSprop's momentum buffer); elsewhere `<name>` is 0 and nothing is stored. */
  when?: string;
}

export interface OptimizerSpec {
  name: string;
  description: string;
  /** Per-parameter state, zero at the start (and at every step when reset every step). */
  slots: readonly SlotSpec[];
  hyper: Readonly<Record<string, HyperSpec>>;
  /** Per-step scalars computed on the host in float64 from the hyperparameters and the
   * step t (1, 2, ...; 1 at every step when the state is reset), e.g. bias corrections
   * 1 - beta^t. Each becomes a WGSL `let` of that name. */
  perStep?: (h: Readonly<Record<string, number>>, t: number) => Record<string, number>;
  /** WGSL statements run per element. In scope: `g` (gradient, with the L2 term added),
   * `var p` (parameter), `var <slot>` for each slot, `let <hyper>` for each hyperparameter
   * and per-step scalar, all f32. Assign the new values to `p` and the slots. */
  wgsl: string;
  /** The same rule in TypeScript (float64): returns the new parameter and updates `s`. */
  reference(p: number, g: number, s: Record<string, number>, h: Readonly<Record<string, number>>, d: Readonly<Record<string, number>>): number;
  /** Optional: a per-tensor step for the parameters it claims (they skip `wgsl`), built from
   * the engine's operations: matmuls, element-wise maps, norms (tensor-spec.ts). */
  tensorStep?: TensorStepSpec;
  /** Optional: the parameters to evaluate differ from those trained (tensor-spec.ts). */
  evaluate?: EvaluateSpec;
}

export class HyperparameterError extends Error {
  override name = 'HyperparameterError';
}

const IDENT = /^[a-z][a-z0-9_]*$/;
/** Names the generated kernel uses itself, besides WGSL keywords. */
const RESERVED = new Set(['p', 'g', 'i', 'j', 'h', 'dims', 'params', 'grads', 'hyper', 'trial_of', 'reset', 'l2', 'pbase', 'sbase', 'main', 'active', 'let', 'var', 'fn', 'if', 'for', 'return', 'const', 'loop', 'true', 'false', 'select', 'sign', 'sqrt', 'pow', 'abs', 'max', 'min', 'exp', 'log']);

/** Checks a spec's own consistency (names, defaults within ranges); throws on error. */
export function checkSpec(spec: OptimizerSpec): void {
  const where = `optimizer spec '${spec.name}'`;
  if (!/^[a-z][a-z0-9_-]*$/.test(spec.name)) throw new HyperparameterError(`${where}: the name must be lower-case letters, digits, '-' or '_'`);
  const names = new Set<string>();
  const claim = (n: string, what: string) => {
    if (!IDENT.test(n) || RESERVED.has(n)) throw new HyperparameterError(`${where}: ${what} '${n}' is not a usable WGSL name (reserved or not [a-z][a-z0-9_]*)`);
    if (names.has(n)) throw new HyperparameterError(`${where}: the name '${n}' is used twice`);
    names.add(n);
  };
  for (const s of spec.slots) claim(s.name, 'slot');
  for (const [k, h] of Object.entries(spec.hyper)) {
    claim(k, 'hyperparameter');
    checkValue(spec.name, k, h, h.default);
  }
  for (const s of spec.slots) if (s.when && !(s.when in spec.hyper)) throw new HyperparameterError(`${where}: slot '${s.name}' depends on unknown hyperparameter '${s.when}'`);
  for (const k of Object.keys(perStepValues(spec, defaults(spec), 1))) claim(k, 'per-step scalar');
  if (spec.tensorStep || spec.evaluate) checkTensorParts(spec, names);
}

/** Names the generated map kernels (shaders/optimizer_map.wgsl) put in scope themselves. */
export const MAP_RESERVED = new Set(['row', 'col']);

/** Whether a name may be declared by a spec in a map kernel (a temporary, a constant). */
export function usableMapName(n: string): boolean {
  return IDENT.test(n) && !RESERVED.has(n) && !MAP_RESERVED.has(n);
}

/** The optional parts of a spec (tensor-spec.ts): their fields, and names that must not
 * clash with `names` (the spec's slots, hyperparameters and per-step scalars) nor with what
 * the map kernels define. The programs themselves are checked by building them
 * (tensor-program.ts, checkTensorStep). */
function checkTensorParts(spec: OptimizerSpec, names: Set<string>): void {
  const where = `optimizer spec '${spec.name}'`;
  for (const n of names) if (MAP_RESERVED.has(n)) throw new HyperparameterError(`${where}: '${n}' is a name the tensor-step kernels define (${[...MAP_RESERVED].join(', ')}); rename it`);
  const t = spec.tensorStep;
  if (t) {
    for (const f of ['applies', 'build', 'reference'] as const) if (typeof t[f] !== 'function') throw new HyperparameterError(`${where}: tensorStep.${f} must be a function`);
    if (!Array.isArray(t.scalars)) throw new HyperparameterError(`${where}: tensorStep.scalars must be a list of names (may be empty)`);
    for (const k of t.scalars) {
      if (!usableMapName(k)) throw new HyperparameterError(`${where}: tensor-step scalar '${k}' is not a usable WGSL name (reserved or not [a-z][a-z0-9_]*)`);
      if (names.has(k)) throw new HyperparameterError(`${where}: the name '${k}' is used twice`);
      names.add(k);
    }
  }
  const e = spec.evaluate;
  if (e && (typeof e.wgsl !== 'string' || typeof e.reference !== 'function')) throw new HyperparameterError(`${where}: evaluate needs a wgsl rule (string) and a reference (function)`);
}

function checkValue(opt: string, key: string, h: HyperSpec, v: number): void {
  const lo = h.minExclusive ? v > h.min : v >= h.min;
  const hi = h.maxExclusive ? v < h.max : v <= h.max;
  if (typeof v !== 'number' || !Number.isFinite(v) || !lo || !hi) {
    const range = `${h.minExclusive ? '(' : '['}${h.min}, ${h.max}${h.maxExclusive ? ')' : ']'}`;
    throw new HyperparameterError(`${opt}: ${key} = ${v} is outside its valid range ${range} (${h.doc})`);
  }
  if (h.flag && v !== 0 && v !== 1) throw new HyperparameterError(`${opt}: ${key} is a switch, 0 or 1, got ${v}`);
}

export function defaults(spec: OptimizerSpec): Record<string, number> {
  return Object.fromEntries(Object.entries(spec.hyper).map(([k, h]) => [k, h.default]));
}

/** Defaults overridden by `given`; unknown names and out-of-range values are refused. */
export function resolveHyper(spec: OptimizerSpec, given: Readonly<Record<string, number>> = {}): Record<string, number> {
  const out = defaults(spec);
  for (const [k, v] of Object.entries(given)) {
    const h = spec.hyper[k];
    if (!h) throw new HyperparameterError(`${spec.name}: unknown hyperparameter '${k}' (it has: ${Object.keys(spec.hyper).join(', ')})`);
    checkValue(spec.name, k, h, v);
    out[k] = v;
  }
  return out;
}

export function perStepValues(spec: OptimizerSpec, h: Readonly<Record<string, number>>, t: number): Record<string, number> {
  return spec.perStep ? spec.perStep(h, t) : {};
}

/** The slots a trial with these hyperparameters needs. */
export function activeSlots(spec: OptimizerSpec, h: Readonly<Record<string, number>>): SlotSpec[] {
  return spec.slots.filter((s) => !s.when || h[s.when] !== 0);
}
