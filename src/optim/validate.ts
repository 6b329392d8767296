// The shape of an optimizer spec that came from outside the project (a user's file): every
// field present with the right type, no unknown field (a typo such as `perstep` would
// otherwise be ignored in silence), hyperparameter ranges that make sense, then the names
// and defaults that checkSpec checks for every spec. Each problem is one line that names
// the field and says what it should hold; nothing here needs a GPU.
import { checkSpec, HyperparameterError, type OptimizerSpec } from './spec.ts';

/** What each field of an OptimizerSpec holds, for messages. A new kind of spec that adds
 * fields adds them here too. */
const FIELDS: Record<string, string> = {
  name: "a lower-case name, e.g. 'lion'",
  description: 'one line saying what the rule is',
  slots: "the per-parameter state, e.g. [{ name: 'm' }] ([] for none)",
  hyper: "the hyperparameters, e.g. { lr: { default: 1e-4, min: 0, max: 1, doc: 'learning rate' } }",
  perStep: '(hyper, t) => ({ ...scalars computed on the host each step })',
  wgsl: 'the per-element rule in WGSL, assigning p and each slot',
  reference: 'the same rule in TypeScript, (p, g, state, hyper, perStep) => new p',
  tensorStep: 'a per-tensor step (docs/optimizers.md): { applies, scalars, build, reference }',
  evaluate: 'the parameters to evaluate (docs/optimizers.md): { wgsl, reference }',
};
const OPTIONAL = new Set(['perStep', 'tensorStep', 'evaluate']);
const HYPER_FIELDS = new Set(['default', 'min', 'max', 'minExclusive', 'maxExclusive', 'flag', 'doc']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a module export is meant as a spec: an object with a field only specs have. */
export function looksLikeSpec(v: unknown): boolean {
  return isObject(v) && ['wgsl', 'reference', 'slots', 'hyper', 'perStep'].some((k) => k in v);
}

/** Throws a HyperparameterError (one line, prefixed by `where`) unless `v` is a complete,
 * consistent OptimizerSpec. */
export function validateSpec(v: unknown, where: string): asserts v is OptimizerSpec {
  const fail: (msg: string) => never = (msg) => {
    throw new HyperparameterError(`${where}: ${msg}`);
  };
  if (!isObject(v)) fail('an optimizer spec must be an object');
  const spec = v as Record<string, unknown>;
  const named = typeof spec.name === 'string' ? `optimizer '${spec.name}'` : 'the optimizer spec';
  for (const [k, what] of Object.entries(FIELDS)) if (!(k in spec) && !OPTIONAL.has(k)) fail(`${named} lacks '${k}': ${what}`);
  for (const k of Object.keys(spec)) if (!(k in FIELDS)) fail(`${named} has an unknown field '${k}' (fields: ${Object.keys(FIELDS).join(', ')})`);
  const expect = (k: string, ok: boolean) => {
    if (!ok) fail(`${named}: '${k}' must be ${FIELDS[k]}, got ${describe(spec[k])}`);
  };
  expect('name', typeof spec.name === 'string' && spec.name !== '');
  expect('description', typeof spec.description === 'string' && spec.description.trim() !== '');
  expect('slots', Array.isArray(spec.slots));
  (spec.slots as unknown[]).forEach((s, i) => {
    if (!isObject(s) || typeof s.name !== 'string') fail(`${named}: slots[${i}] must be { name: 'm' } (optionally with when: 'hyperparameter'), got ${describe(s)}`);
    if (s.when !== undefined && typeof s.when !== 'string') fail(`${named}: slot '${s.name}': 'when' must name a hyperparameter, got ${describe(s.when)}`);
  });
  expect('hyper', isObject(spec.hyper));
  for (const [k, h] of Object.entries(spec.hyper as Record<string, unknown>)) checkHyperRange(named, k, h, fail);
  if (spec.perStep !== undefined) expect('perStep', typeof spec.perStep === 'function');
  expect('wgsl', typeof spec.wgsl === 'string' && spec.wgsl.trim() !== '');
  expect('reference', typeof spec.reference === 'function');
  try {
    checkSpec(spec as unknown as OptimizerSpec);
  } catch (e) {
    // checkSpec runs the spec's own perStep (for the names it returns): its errors are the spec's.
    fail(e instanceof HyperparameterError ? e.message : `${named}: perStep(defaults, 1) threw ${String((e as Error)?.message ?? e)}`);
  }
}

/** A hyperparameter's range: numbers, min <= max, a switch spans exactly [0, 1]. (That the
 * default lies inside is checkSpec's.) */
function checkHyperRange(named: string, k: string, h: unknown, fail: (msg: string) => never): void {
  const at = `${named}: hyperparameter '${k}'`;
  if (!isObject(h)) fail(`${at} must be { default, min, max, doc } (optionally minExclusive, maxExclusive, flag), got ${describe(h)}`);
  for (const f of ['default', 'min', 'max'] as const) {
    if (typeof h[f] !== 'number' || Number.isNaN(h[f])) fail(`${at}: '${f}' must be a number, got ${describe(h[f])}`);
  }
  if (typeof h.doc !== 'string' || h.doc.trim() === '') fail(`${at}: 'doc' must say what it is (shown when a value is refused), got ${describe(h.doc)}`);
  for (const f of ['minExclusive', 'maxExclusive', 'flag'] as const) {
    if (h[f] !== undefined && typeof h[f] !== 'boolean') fail(`${at}: '${f}' must be true or false, got ${describe(h[f])}`);
  }
  for (const f of Object.keys(h)) if (!HYPER_FIELDS.has(f)) fail(`${at} has an unknown field '${f}' (fields: ${[...HYPER_FIELDS].join(', ')})`);
  const [min, max] = [h.min as number, h.max as number];
  if (min > max || (min === max && (h.minExclusive || h.maxExclusive))) fail(`${at}: its range [${min}, ${max}] holds no value`);
  if (h.flag && (min !== 0 || max !== 1 || h.minExclusive || h.maxExclusive)) fail(`${at} is a switch (flag: true): its range must be min 0, max 1, both inclusive`);
}

function describe(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
