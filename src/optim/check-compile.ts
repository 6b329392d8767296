// Whether an optimizer's generated kernel compiles, and if not, where in the spec the
// compiler's complaint points: the generated shader wraps the spec's `wgsl` text in a
// template and repeats it once per vec4 component, so its line numbers mean nothing to the
// spec's author. Each error line is mapped back to the line of the spec's own text (and,
// when the spec's file is known and holds that text verbatim, to the line of the file).
import type { Gpu } from '../kernels/gpu.ts';
import { platform } from '../kernels/platform.ts';
import { optimizerSource } from './codegen.ts';
import type { OptimizerSpec, SlotSpec } from './spec.ts';

/** One compiler error, placed in the spec where it can be. */
export interface CompileProblem {
  message: string;
  /** 1-based line and column in the spec's `wgsl` text; null when the line is the
   * template's (e.g. a spec name that clashes with one the kernel declares). */
  wgslLine: number | null;
  column: number;
  /** The same place in the spec's file, when known. */
  fileLine: number | null;
  /** The offending line as written, without its indentation, and the column in it. */
  text: string;
  textColumn: number;
  /** The line of the generated kernel (what OPTBENCH_PRINT_WGSL=1 prints). */
  generatedLine: number;
}

/** The 1-based line and column of the spec's own text that a generated line came from, or
 * null. Codegen copies the rule's non-blank lines in order (re-indented), so an error line
 * is found inside a run of generated lines equal, trimmed, to the rule's. */
export function mapToWgslLine(generated: string, wgsl: string, line: number, column: number): { line: number; column: number } | null {
  const own = wgsl.split('\n');
  const kept = own.map((l, k) => ({ k, text: l.trim() })).filter((x) => x.text !== '');
  const gen = generated.split('\n');
  const at = line - 1;
  for (let start = Math.max(0, at - kept.length + 1); start <= at; start++) {
    if (start + kept.length > gen.length) break;
    if (!kept.every((x, j) => gen[start + j].trim() === x.text)) continue;
    const k = kept[at - start].k;
    const indentGen = gen[at].length - gen[at].trimStart().length;
    const indentOwn = own[k].length - own[k].trimStart().length;
    return { line: k + 1, column: Math.max(1, column - indentGen + indentOwn) };
  }
  return null;
}

/** The line of `file` where the spec's `wgsl` text starts (its line 1), when the file
 * holds the text verbatim (a template literal without interpolations or escapes). */
export function wgslOffsetInFile(file: string | undefined, wgsl: string): number | null {
  if (!file) return null;
  let text: string;
  try {
    text = platform().readTextFile(file);
  } catch {
    return null;
  }
  const at = text.indexOf(wgsl);
  if (at < 0 || text.indexOf(wgsl, at + 1) >= 0) return null;
  return text.slice(0, at).split('\n').length;
}

/** Compiles the spec's kernel with these slots stored; [] when it compiles. Errors in
 * building the pipeline (e.g. more storage buffers than the adapter allows) come without
 * a line. Uses an error scope, so nothing reaches Dawn's uncaptured-error log. */
export async function compileProblems(gpu: Gpu, spec: OptimizerSpec, present: readonly SlotSpec[], file?: string): Promise<CompileProblem[]> {
  const code = optimizerSource(spec, present);
  const device = gpu.device;
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code, label: `check_${spec.name}` });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length === 0) device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: `check_${spec.name}` });
  const scope = await device.popErrorScope();
  const lines = code.split('\n');
  const fileStart = wgslOffsetInFile(file, spec.wgsl);
  const problems = errors.map((m): CompileProblem => {
    const own = mapToWgslLine(code, spec.wgsl, m.lineNum, m.linePos);
    const raw = (own ? spec.wgsl.split('\n')[own.line - 1] : lines[m.lineNum - 1]) ?? '';
    const column = own?.column ?? m.linePos;
    const indent = raw.length - raw.trimStart().length;
    return {
      message: m.message,
      wgslLine: own?.line ?? null,
      column,
      fileLine: own && fileStart !== null ? fileStart + own.line - 1 : null,
      text: raw.trim(),
      textColumn: Math.max(1, column - indent),
      generatedLine: m.lineNum,
    };
  });
  if (problems.length === 0 && scope) problems.push({ message: scope.message.split('\n')[0], wgslLine: null, column: 0, fileLine: null, text: '', textColumn: 0, generatedLine: 0 });
  return problems;
}

/** Where a problem is, for people: `lion.ts:24:13 (line 3 of its wgsl)`, `line 3 of its
 * wgsl`, or the generated kernel's line. */
export function placeOf(p: CompileProblem, shownFile?: string): string {
  if (p.wgslLine === null) return p.generatedLine ? `line ${p.generatedLine} of the generated kernel (not of its wgsl text: a name it declares may clash with the kernel's own)` : 'building the pipeline';
  const own = `line ${p.wgslLine}:${p.column} of its wgsl`;
  return p.fileLine !== null && shownFile ? `${shownFile}:${p.fileLine}:${p.column} (${own})` : own;
}

/** One line per problem: place, message, the offending line. */
export function compileProblemLine(p: CompileProblem, shownFile?: string): string {
  return `${placeOf(p, shownFile)}: ${p.message}${p.text ? `  >> ${p.text}` : ''}`;
}
