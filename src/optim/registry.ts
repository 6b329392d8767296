// Optimizers by name. The built-ins are the reference study's four plus AdamW; a user's
// spec joins them with registerOptimizer() and is then usable everywhere by its name.
import { adam } from './specs/adam.ts';
import { adamw } from './specs/adamw.ts';
import { custom } from './specs/custom.ts';
import { rmsprop } from './specs/rmsprop.ts';
import { sgd } from './specs/sgd.ts';
import { checkSpec, HyperparameterError, type OptimizerSpec } from './spec.ts';

const registry = new Map<string, OptimizerSpec>();

export function registerOptimizer(spec: OptimizerSpec): void {
  checkSpec(spec);
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

for (const spec of [sgd, adam, rmsprop, custom, adamw]) registerOptimizer(spec);
