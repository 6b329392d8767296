// Optimizers by name. The built-ins (src/optim/specs/, listed in its index.ts) are
// registered on import, and registerOptimizer() adds one at run time.
import { checkSpec, HyperparameterError, type OptimizerSpec } from './spec.ts';
import { BUILTIN_SPECS } from './specs/index.ts';
import { checkTensorStep } from './tensor-program.ts';

const registry = new Map<string, OptimizerSpec>();

export function registerOptimizer(spec: OptimizerSpec): void {
  checkSpec(spec);
  checkTensorStep(spec);
  if (registry.has(spec.name)) throw new HyperparameterError(`an optimizer named '${spec.name}' is already registered`);
  registry.set(spec.name, spec);
}

/** Removes an optimizer registered at run time (the web page replaces a pasted spec when it
 * is pasted again); a built-in stays. */
export function unregisterOptimizer(name: string): void {
  if (BUILTIN_SPECS.some((s) => s.name === name)) throw new HyperparameterError(`'${name}' is a built-in optimizer and stays registered`);
  registry.delete(name);
}

export function getOptimizer(name: string): OptimizerSpec {
  const s = registry.get(name);
  if (!s) throw new HyperparameterError(`unknown optimizer '${name}' (known: ${listOptimizers().join(', ')})`);
  return s;
}

export function listOptimizers(): string[] {
  return [...registry.keys()];
}

for (const spec of BUILTIN_SPECS) registerOptimizer(spec);
