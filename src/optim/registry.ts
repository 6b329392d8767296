// Optimizers by name. Every spec module in src/optim/specs/ is registered on import (so a
// new optimizer is one new file there), and registerOptimizer() adds one at run time.
import { readdirSync } from 'node:fs';
import { checkSpec, HyperparameterError, type OptimizerSpec } from './spec.ts';
import { checkTensorStep } from './tensor-program.ts';

const registry = new Map<string, OptimizerSpec>();

export function registerOptimizer(spec: OptimizerSpec): void {
  checkSpec(spec);
  checkTensorStep(spec);
  if (registry.has(spec.name)) throw new HyperparameterError(`an optimizer named '${spec.name}' is already registered`);
  registry.set(spec.name, spec);
}

export function getOptimizer(name: string): OptimizerSpec {
  const s = registry.get(name);
  if (!s) throw new HyperparameterError(`unknown optimizer '${name}' (known: ${listOptimizers().join(', ')})`);
  return s;
}

export function listOptimizers(): string[] {
  return [...registry.keys()];
}

function isSpec(v: unknown): v is OptimizerSpec {
  const s = v as OptimizerSpec;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.wgsl === 'string' && typeof s.reference === 'function';
}

// The reference study's four first, in its order, then the others by file name.
const FIRST = ['sgd', 'adam', 'rmsprop', 'custom'];
const dir = new URL('./specs/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
  .sort((a, b) => {
    const rank = (f: string) => {
      const i = FIRST.indexOf(f.replace(/\.(ts|js)$/, ''));
      return i < 0 ? FIRST.length : i;
    };
    return rank(a) - rank(b) || a.localeCompare(b);
  });
for (const f of files) {
  const mod = (await import(new URL(f, dir).href)) as Record<string, unknown>;
  for (const v of Object.values(mod)) if (isSpec(v)) registerOptimizer(v);
}
