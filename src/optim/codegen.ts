// Generates an optimizer's fused WGSL kernel from its spec and shaders/optimizer.wgsl.
import { readShader, specialize } from '../kernels/shader-source.ts';
import { perStepValues, defaults, type OptimizerSpec, type SlotSpec } from './spec.ts';

/** Words per trial record: active, reset, l2, then hyperparameters, then per-step scalars. */
export const RECORD_HEADER = ['active', 'reset', 'l2'] as const;

export function recordLayout(spec: OptimizerSpec): string[] {
  return [...RECORD_HEADER, ...Object.keys(spec.hyper), ...Object.keys(perStepValues(spec, defaults(spec), 1))];
}

export function fill(src: string, marker: string, lines: string[], indent: string): string {
  const tag = `//{{${marker}}}`;
  if (!src.includes(tag)) throw new Error(`optimizer template lacks ${tag}`);
  return src.replace(tag, lines.join(`\n${indent}`) || '// (none)');
}

/** The lines of a block with their common indentation removed. */
export function dedent(block: string): string[] {
  const lines = block.split('\n').filter((l) => l.trim() !== '');
  const indent = Math.min(...lines.map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent).trimEnd());
}

/** WGSL for `spec` with the given slots present (the others read as 0 and are not stored).
 * The rule runs once per vec4 component, each copy in its own block so its `let`s stay
 * local; component indices are constants (no dynamic vector indexing, which llvmpipe
 * handles poorly). */
export function optimizerSource(spec: OptimizerSpec, present: readonly SlotSpec[]): string {
  const layout = recordLayout(spec);
  const has = new Set(present.map((s) => s.name));
  let src = specialize(readShader('optimizer'), { RECORD: layout.length });
  src = `// Generated from optimizer spec '${spec.name}': ${spec.description}\n// slots stored: ${[...has].join(', ') || 'none'}\n${src}`;
  src = fill(src, 'SLOT_BINDINGS', present.map((s, k) => `@group(0) @binding(${5 + k}) var<storage, read_write> slot_${s.name}: array<vec4<f32>>;`), '');
  src = fill(
    src,
    'HYPER_LETS',
    layout.slice(RECORD_HEADER.length).map((name, k) => `let ${name} = hyper[h + ${RECORD_HEADER.length + k}u];`),
    '  ',
  );
  src = fill(src, 'LOAD_SLOTS', present.map((s) => `var ${s.name}4 = select(slot_${s.name}[sbase + i], vec4<f32>(0.0), reset);`), '    ');
  const body: string[] = [];
  for (const c of ['x', 'y', 'z', 'w']) {
    body.push('{');
    body.push(`  var p = p4.${c};`);
    body.push(`  let g = g4.${c} + l2_here * p;`);
    for (const s of spec.slots) body.push(has.has(s.name) ? `  var ${s.name} = ${s.name}4.${c};` : `  var ${s.name} = 0.0;`);
    for (const line of dedent(spec.wgsl)) body.push(`  ${line}`);
    body.push(`  p4.${c} = p;`);
    for (const s of present) body.push(`  ${s.name}4.${c} = ${s.name};`);
    body.push('}');
  }
  src = fill(src, 'BODY', body, '    ');
  src = fill(src, 'STORE_SLOTS', present.map((s) => `slot_${s.name}[sbase + i] = ${s.name}4;`), '    ');
  return src;
}
