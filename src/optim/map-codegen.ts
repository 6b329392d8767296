// Generates the element-wise kernels of tensor steps, of the per-element rule over ranges and
// of evaluated parameters from shaders/optimizer_map.wgsl (see its header), and the uniform
// each dispatch binds. Sizes, offsets and strides travel in the uniform: one pipeline serves
// every parameter a map runs over.
import { readShader, specialize } from '../kernels/shader-source.ts';
import { dedent, fill, recordLayout, RECORD_HEADER } from './codegen.ts';
import type { OptimizerSpec } from './spec.ts';

/** A tensor a map kernel binds (or, for an absent slot, holds as 0). */
export interface MapTensor {
  name: string;
  where: 'arena' | 'slot' | 'temp';
  read: boolean;
  write: boolean;
  /** false: a slot whose trials do not store it (`when` is 0): reads as 0, never stored. */
  present: boolean;
}

export interface MapKernelSpec {
  spec: OptimizerSpec;
  /** What the kernel computes, for its header. */
  title: string;
  tensors: readonly MapTensor[];
  body: string;
  consts?: Readonly<Record<string, number>>;
  /** Per-trial scalars in scope (the spec's tensorStep.scalars), in their buffer's order. */
  scalars?: readonly string[];
  /** Skip trials whose record says inactive (every update; not evaluation). */
  skipInactive: boolean;
  /** Slots read as 0 where the record says reset (every update; not evaluation). */
  resetSlots: boolean;
}

function f32Literal(v: number): string {
  const s = String(v);
  return /[.eE]/.test(s) ? `${s}f` : `${s}.0f`;
}

const bindingName = (t: MapTensor) => (t.where === 'arena' ? (t.name === 'g' ? '_grads' : '_params') : `_${t.where}_${t.name}`);

/** The tensors that get a binding, in binding order (after the records, trial_of, scalars). */
export function boundTensors(k: MapKernelSpec): MapTensor[] {
  return k.tensors.filter((t) => t.present);
}

/** Whether the kernel binds trial_of / the scalars (a binding nothing reads is dropped from
 * the pipeline's layout, so only those it uses are declared and bound). */
export function mapBindings(k: MapKernelSpec): { trialOf: boolean; scalars: boolean } {
  return { trialOf: k.tensors.some((t) => t.where === 'arena'), scalars: (k.scalars?.length ?? 0) > 0 };
}

export function mapSource(k: MapKernelSpec): string {
  const layout = recordLayout(k.spec);
  const bound = boundTensors(k);
  const { trialOf, scalars } = mapBindings(k);
  const hasG = k.tensors.some((t) => t.name === 'g');
  if (hasG && !k.tensors.some((t) => t.name === 'p')) throw new Error('map kernel: g needs p in its tensors (the L2 term)');
  let src = specialize(readShader('optimizer_map'), { _RECORD: layout.length, _SCALARS: Math.max(1, k.scalars?.length ?? 0) });
  src = `// Generated from optimizer spec '${k.spec.name}': ${k.title}\n// tensors: ${k.tensors.map((t) => `${t.name}${t.write ? ' (rw)' : ''}${t.present ? '' : ' (absent: 0)'}`).join(', ')}\n${src}`;
  const fields = ['n', 'cols', 'groups', 'weight_count', ...bound.flatMap((t) => [`o_${t.name}`, `s_${t.name}`])];
  while (fields.length % 4) fields.push(`_pad${fields.length}`);
  src = fill(src, 'DIMS', [`struct _Dims { ${fields.map((f) => `${f}: u32`).join(', ')} }`], '');
  let binding = 2;
  const decls: string[] = [];
  if (trialOf) decls.push(`@group(0) @binding(${binding++}) var<storage, read> _trial_of: array<u32>;`);
  if (scalars) decls.push(`@group(0) @binding(${binding++}) var<storage, read> _scalars: array<f32>;`);
  for (const t of bound) decls.push(`@group(0) @binding(${binding++}) var<storage, ${t.write ? 'read_write' : 'read'}> ${bindingName(t)}: array<f32>;`);
  src = fill(src, 'BINDINGS', decls, '');
  src = fill(src, 'ACTIVE', k.skipInactive ? ['if (_hyper[_h] == 0.0) { return; }'] : [], '  ');
  const lets = [
    ...layout.slice(RECORD_HEADER.length).map((name, i) => `let ${name} = _hyper[_h + ${RECORD_HEADER.length + i}u];`),
    ...(k.scalars ?? []).map((name, i) => `let ${name} = _scalars[_j * _SCALARS + ${i}u];`),
    ...Object.entries(k.consts ?? {}).map(([name, v]) => `let ${name} = ${f32Literal(v)};`),
  ];
  src = fill(src, 'LETS', lets, '  ');
  src = fill(src, 'BASES', bound.map((t) => `let _base_${t.name} = ${t.where === 'arena' ? '_trial_of[_j]' : '_j'} * _dims.s_${t.name} + _dims.o_${t.name};`), '  ');
  const load = (t: MapTensor): string => {
    if (!t.present) return `var ${t.name} = 0.0;`;
    const at = `${bindingName(t)}[_base_${t.name} + _i]`;
    if (t.name === 'g') return `let g = ${at} + select(0.0, _l2, _dims.o_g + _i < _dims.weight_count) * p;`;
    if (!t.read && t.where !== 'arena') return `var ${t.name} = 0.0;`;
    if (t.where === 'slot' && k.resetSlots) return `var ${t.name} = select(${at}, 0.0, _reset);`;
    return `var ${t.name} = ${at};`;
  };
  // p before g: the L2 term reads it.
  const order = [...k.tensors].sort((a, b) => Number(b.name === 'p') - Number(a.name === 'p'));
  src = fill(src, 'LOAD', order.map(load), '    ');
  src = fill(src, 'BODY', dedent(k.body), '      ');
  src = fill(src, 'STORE', bound.filter((t) => t.write).map((t) => `${bindingName(t)}[_base_${t.name} + _i] = ${t.name};`), '    ');
  return src;
}

/** The uniform of one dispatch: n elements per trial as [n / cols, cols], and each bound
 * tensor's offset and per-trial stride (elements), in boundTensors() order. */
export function mapUniform(n: number, cols: number, groups: number, weightCount: number, placed: ReadonlyArray<{ offset: number; stride: number }>): Uint32Array {
  const words = [n, cols, groups, weightCount, ...placed.flatMap((t) => [t.offset, t.stride])];
  while (words.length % 4) words.push(0);
  return Uint32Array.from(words);
}
