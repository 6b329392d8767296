// Builds an optimizer's tensor step (tensor-spec.ts) for one parameter into a checked list of
// operations, without a GPU: the runtime (tensor-steps.ts) records the list, the matmul
// tuner reads its products' shapes, and the group sizing its memory. A mistake in a spec
// (an unknown tensor, shapes that do not multiply, a name clash) is one line here, before
// any GPU work.
import type { EpilogueFlags, MatmulForm, TunedShape } from '../kernels/matmul.ts';
import { defaults, HyperparameterError, perStepValues, usableMapName, type OptimizerSpec } from './spec.ts';
import { dims2, type ParamInfo, type TensorIo, type TensorName } from './tensor-spec.ts';

export interface MapOp {
  kind: 'map';
  label: string;
  reads: TensorName[];
  writes: TensorName[];
  wgsl: string;
  consts: Record<string, number>;
  rows: number;
  cols: number;
}

export interface MatmulOp {
  kind: 'matmul';
  label: string;
  out: TensorName;
  a: TensorName;
  b: TensorName;
  form: MatmulForm;
  M: number;
  N: number;
  K: number;
}

export interface SumsqOp {
  kind: 'sumsq';
  label: string;
  x: TensorName;
  into: string;
  n: number;
}

export type TensorOp = MapOp | MatmulOp | SumsqOp;

export interface TensorProgram {
  param: ParamInfo;
  /** Each temporary's [rows, cols]. */
  temps: Map<string, [number, number]>;
  ops: TensorOp[];
}

const LABEL = /^[a-z][a-z0-9_]*$/;
const unique = (xs: readonly string[]) => [...new Set(xs)];

/** The operations of `spec`'s tensor step for `param`, checked. */
export function buildProgram(spec: OptimizerSpec, param: ParamInfo): TensorProgram {
  const step = spec.tensorStep;
  const where = `optimizer spec '${spec.name}', tensor step of ${param.name} [${param.shape}]`;
  const fail = (message: string): never => {
    throw new HyperparameterError(`${where}: ${message}`);
  };
  if (!step) return fail('the spec has no tensorStep');
  const [rows, cols] = dims2(param.shape);
  const slots = new Set(spec.slots.map((s) => s.name));
  const taken = new Set(['p', 'g', ...slots, ...Object.keys(spec.hyper), ...Object.keys(perStepValues(spec, defaults(spec), 1)), ...step.scalars]);
  const temps = new Map<string, [number, number]>();
  const ops: TensorOp[] = [];

  const shapeOf = (name: TensorName, role: string): [number, number] => {
    if (name === 'p' || name === 'g' || slots.has(name)) return [rows, cols];
    return temps.get(name) ?? fail(`${role} '${name}' is not p, g, a slot (${[...slots].join(', ') || 'none'}) or a declared temporary (${[...temps.keys()].join(', ') || 'none'})`);
  };
  const label = (kind: string, l: string) => {
    if (!LABEL.test(l)) fail(`${kind} label '${l}' must be [a-z][a-z0-9_]* (it names the kernel in profiles)`);
  };
  const claim = (name: string, what: string) => {
    if (!usableMapName(name)) fail(`${what} '${name}' is not a usable WGSL name (reserved or not [a-z][a-z0-9_]*)`);
    if (taken.has(name)) fail(`the name '${name}' is used twice`);
    taken.add(name);
  };
  const inArena = (name: TensorName, op: string, what: string) => {
    if (name === 'p' || name === 'g') fail(`${op}: ${what} '${name}' lives in the parameter arena, where a group's trials are not evenly spaced; copy it into a temporary with a map first`);
  };

  step.build({
    param,
    temp(name, r, c) {
      claim(name, 'temporary');
      if (![r, c].every((n) => Number.isInteger(n) && n >= 1)) fail(`temporary '${name}' needs positive integer sizes, got [${r}, ${c}]`);
      temps.set(name, [r, c]);
    },
    map(l, io: TensorIo, wgsl, consts = {}) {
      label('map', l);
      const names = unique([...io.reads, ...io.writes]);
      if (names.length === 0) fail(`map '${l}' reads and writes no tensor`);
      if (io.writes.includes('g')) fail(`map '${l}' writes g, which is read only`);
      const shapes = names.map((n) => shapeOf(n, `map '${l}' names`));
      const [r, c] = shapes[0];
      shapes.forEach(([r2, c2], k) => {
        if (r2 !== r || c2 !== c) fail(`map '${l}': ${names[0]} is [${r}, ${c}] but ${names[k]} is [${r2}, ${c2}]; a map runs over tensors of one shape`);
      });
      if (typeof wgsl !== 'string' || wgsl.trim() === '') fail(`map '${l}' has no WGSL`);
      for (const [k, v] of Object.entries(consts)) {
        if (!usableMapName(k) || taken.has(k)) fail(`map '${l}': constant '${k}' is not a usable WGSL name or clashes with another name`);
        if (!Number.isFinite(v)) fail(`map '${l}': constant ${k} = ${v} is not a finite number`);
      }
      ops.push({ kind: 'map', label: l, reads: unique(io.reads), writes: unique(io.writes), wgsl, consts: { ...consts }, rows: r, cols: c });
    },
    matmul(l, out, a, b, form) {
      label('matmul', l);
      for (const [n, what] of [[out, 'the output'], [a, 'operand a'], [b, 'operand b']] as const) inArena(n, `matmul '${l}'`, what);
      const [ar, ac] = shapeOf(a, `matmul '${l}' operand`);
      const [br, bc] = shapeOf(b, `matmul '${l}' operand`);
      const [or, oc] = shapeOf(out, `matmul '${l}' output`);
      let M: number, N: number, K: number, inner: boolean;
      if (form === 'NN') [M, K, N, inner] = [ar, ac, bc, br === ac];
      else if (form === 'TN') [M, K, N, inner] = [ac, ar, bc, br === ar];
      else if (form === 'NT') [M, K, N, inner] = [ar, ac, br, bc === ac];
      else return fail(`matmul '${l}': form '${String(form)}' is not NN, TN or NT`);
      if (!inner || or !== M || oc !== N) fail(`matmul '${l}' ${form}: ${a} [${ar}, ${ac}] and ${b} [${br}, ${bc}] do not make ${out} [${or}, ${oc}]`);
      if (out === a || out === b) fail(`matmul '${l}': the output ${out} is also an operand; write into another temporary`);
      ops.push({ kind: 'matmul', label: l, out, a, b, form, M, N, K });
    },
    sumsq(l, x, into) {
      label('sumsq', l);
      inArena(x, `sumsq '${l}'`, 'the input');
      if (!step.scalars.includes(into)) fail(`sumsq '${l}': '${into}' is not one of tensorStep.scalars (${step.scalars.join(', ') || 'none'})`);
      const [r, c] = shapeOf(x, `sumsq '${l}' input`);
      ops.push({ kind: 'sumsq', label: l, x, into, n: r * c });
    },
  });
  if (!ops.some((o) => o.kind === 'map' && o.writes.includes('p'))) fail('no map writes p, so the parameter would never change');
  return { param, temps, ops };
}

/** Builds the step for a few parameters of each kind the spec claims (tall, wide and square
 * hidden matrices, an output layer, a bias): a spec's mistakes surface when it is
 * registered, not in the middle of a run. */
export function checkTensorStep(spec: OptimizerSpec): void {
  if (!spec.tensorStep) return;
  const samples: ParamInfo[] = [
    { name: 'W_tall', shape: [7, 5], kind: 'weight', role: 'hidden' },
    { name: 'W_wide', shape: [5, 7], kind: 'weight', role: 'hidden' },
    { name: 'W_square', shape: [6, 6], kind: 'weight', role: 'hidden' },
    { name: 'W_out', shape: [5, 3], kind: 'weight', role: 'output' },
    { name: 'W', shape: [4, 4], kind: 'weight' },
    { name: 'b', shape: [5], kind: 'bias' },
  ];
  for (const p of samples) if (spec.tensorStep.applies(p)) buildProgram(spec, p);
}

const NONE: EpilogueFlags = { bias: false, relu: false, mask: false, maskScale: false };

/** The products a group of `trials` trials runs each step, for the tuner. */
export function programMatmulShapes(programs: readonly TensorProgram[], trials: number): TunedShape[] {
  return programs.flatMap((p) => p.ops.flatMap((o) => (o.kind === 'matmul' ? [{ form: o.form, M: o.M, N: o.N, K: o.K, trials, epilogue: NONE }] : [])));
}

/** Elements per trial of each temporary across the programs (the largest use of a name,
 * rounded up to 4 so products may read it four floats at a time): one buffer per name. */
export function tempSpans(programs: readonly TensorProgram[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of programs) for (const [name, [r, c]] of p.temps) out.set(name, Math.max(out.get(name) ?? 0, Math.ceil((r * c) / 4) * 4));
  return out;
}

/** Parameters of a model whose update is `spec`'s tensor step. */
export function claimedParams(spec: OptimizerSpec, params: readonly ParamInfo[]): ParamInfo[] {
  return spec.tensorStep ? params.filter((p) => spec.tensorStep!.applies(p)) : [];
}

/** Bytes per trial a group of `spec` adds beyond its slots: temporaries and scalars. */
export function tensorStepBytes(spec: OptimizerSpec, params: readonly ParamInfo[]): number {
  const programs = claimedParams(spec, params).map((p) => buildProgram(spec, p));
  if (programs.length === 0) return 0;
  return 4 * ([...tempSpans(programs).values()].reduce((a, b) => a + b, 0) + (spec.tensorStep?.scalars.length ?? 0));
}
