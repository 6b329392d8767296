// An optimizer pasted into the page as a spec (the object src/optim/spec.ts describes, in
// JavaScript), checked against its own reference on this GPU before it may train.
import type { Gpu } from '../../src/kernels/gpu.ts';
import { registerOptimizer, unregisterOptimizer } from '../../src/optim/registry.ts';
import type { OptimizerSpec } from '../../src/optim/spec.ts';
import { BUILTIN_SPECS } from '../../src/optim/specs/index.ts';
import { checkSpecOnGpu, type SpecCheck } from './spec-check.ts';

/** What the spec box holds at first: Lion (Chen et al. 2023), ready to check and run. */
export const EXAMPLE_SPEC = `// An optimizer spec in JavaScript: an object, or a module whose default export is one.
// In the WGSL: g (gradient, L2 included), var p (parameter), var <slot> for each slot,
// let <name> for each hyperparameter and per-step scalar, all f32.
export default {
  name: 'lion',
  description: 'Lion: the sign of an interpolated momentum, decoupled weight decay',
  slots: [{ name: 'm' }],
  hyper: {
    lr: { default: 1e-4, min: 0, max: 1, minExclusive: true, doc: 'learning rate' },
    beta1: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'interpolation factor' },
    beta2: { default: 0.99, min: 0, max: 1, maxExclusive: true, doc: 'momentum decay' },
    wd: { default: 0, min: 0, max: 1, doc: 'decoupled weight decay' },
  },
  wgsl: \`
    let c = beta1 * m + (1.0 - beta1) * g;
    p = p - lr * (sign(c) + wd * p);
    m = beta2 * m + (1.0 - beta2) * g;\`,
  // The same rule in JavaScript (float64): returns the new parameter, updates s.
  reference(p, g, s, h) {
    const c = h.beta1 * s.m + (1 - h.beta1) * g;
    s.m = h.beta2 * s.m + (1 - h.beta2) * g;
    return p - h.lr * (Math.sign(c) + h.wd * p);
  },
};
`;

/** Bad input in the spec box: shown as it is. */
export class SpecError extends Error {
  override name = 'SpecError';
}

/** The spec a text defines: a module with a default export, or a bare object literal. */
export async function parseSpecText(text: string): Promise<OptimizerSpec> {
  const source = /\bexport\s+default\b/.test(text) ? text : `export default (${text}\n);`;
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  let mod: { default?: unknown };
  try {
    mod = (await import(/* @vite-ignore */ url)) as { default?: unknown };
  } catch (e) {
    throw new SpecError(`the spec is not valid JavaScript: ${(e as Error).message}`);
  } finally {
    URL.revokeObjectURL(url);
  }
  const s = mod.default as Partial<OptimizerSpec> | undefined;
  if (typeof s !== 'object' || s === null) throw new SpecError('the spec must be an object (or a module whose default export is one)');
  const missing = [
    typeof s.name !== 'string' && 'name (a string)',
    typeof s.description !== 'string' && 'description (a string)',
    !Array.isArray(s.slots) && 'slots (an array of { name })',
    (typeof s.hyper !== 'object' || s.hyper === null) && 'hyper (an object of { default, min, max, doc })',
    typeof s.wgsl !== 'string' && 'wgsl (WGSL statements, a string)',
    typeof s.reference !== 'function' && 'reference (a function)',
  ].filter(Boolean);
  if (missing.length) throw new SpecError(`the spec lacks ${missing.join(', ')}`);
  return s as OptimizerSpec;
}

export interface PastedSpec {
  spec: OptimizerSpec;
  check: SpecCheck;
}

/** Parses, registers and checks a pasted spec; it stays registered only when the check
 * passes. A spec pasted again under the same name replaces the earlier one. */
export async function addPastedSpec(gpu: Gpu, text: string, pasted: Set<string>): Promise<PastedSpec> {
  const spec = await parseSpecText(text);
  if (BUILTIN_SPECS.some((b) => b.name === spec.name)) throw new SpecError(`'${spec.name}' is a built-in optimizer; give the spec another name`);
  if (pasted.delete(spec.name)) unregisterOptimizer(spec.name);
  try {
    registerOptimizer(spec);
  } catch (e) {
    throw new SpecError((e as Error).message);
  }
  let check: SpecCheck;
  try {
    check = await checkSpecOnGpu(gpu, spec);
  } catch (e) {
    unregisterOptimizer(spec.name);
    throw e;
  }
  if (check.ok) pasted.add(spec.name);
  else unregisterOptimizer(spec.name);
  return { spec, check };
}
