// The matmul kernel a run trains each shape with. The tuner picks it per machine by timing,
// and the candidates sum in different orders, so two machines that tuned apart can differ
// in the last bits. A run records its choices (results.json `mode.matmulKernels`, the
// journal); `--kernels FILE` pins them instead of measuring; `--tune-only` writes such a
// file; a merge compares the shards' choices (merge.ts).
import type { Gpu } from '../../kernels/gpu.ts';
import { platform } from '../../kernels/platform.ts';
import { beyondLimits, shapeKey, variantKey, vec4Compatible, type MatmulVariant, type TunedShape } from '../../kernels/matmul.ts';
import { knownCandidates, pinKey, type TuneResult } from '../../kernels/matmul-tuner.ts';
import type { KernelAgreement } from '../results/types.ts';

/** A file or choice that cannot pin kernels; the caller makes it bad input (exit 2). */
export class KernelChoiceError extends Error {
  override name = 'KernelChoiceError';
}

/** Tuning key -> candidate name (variantKey), as a run records them. */
export type KernelChoices = Record<string, string>;

export const KERNELS_SCHEMA = 'webgpu-optbench/matmul-kernels@1';

/** What --tune-only writes: one choice per shape (pinKey), on the adapter named. */
export interface KernelsFile {
  schema: typeof KERNELS_SCHEMA;
  createdAt: string;
  adapter: string;
  kernels: KernelChoices;
}

/** form[g]:MxNxK[:trials]:a4|u:epilogue, as kernels/matmul.ts shapeKey writes it. */
const KEY = /^(NN|TN|NT)g?:\d+x\d+x\d+(:T(n|\d+(-\d+)?))?:(a4|u):([a-z]+|-)$/;

/** The choices of a run's tuning. */
export function choicesOf(tuned: TuneResult[]): KernelChoices {
  return Object.fromEntries(tuned.map((t) => [t.key, variantKey(t.chosen)]));
}

/** Choices by pinKey; throws where one shape has two kernels (at two group sizes). */
export function byShape(choices: KernelChoices, source: string): KernelChoices {
  const out: KernelChoices = {};
  const from: Record<string, string> = {};
  for (const [key, name] of Object.entries(choices)) {
    const shape = pinKey(key);
    if (out[shape] !== undefined && out[shape] !== name) {
      throw new KernelChoiceError(`${source} names two matmul kernels for shape ${shape} (${from[shape]}: ${out[shape]}, ${key}: ${name}); a pin is one kernel per shape: keep one of them`);
    }
    out[shape] = name;
    from[shape] = key;
  }
  return out;
}

/** Pins (pinKey -> candidate name) from a JSON file: a run's results.json (its
 * mode.matmulKernels), a --tune-only file, or a plain object of key -> name. Every key must
 * be a matmul shape and every name a candidate of this version. */
export function readKernelChoices(path: string): KernelChoices {
  let v: unknown;
  try {
    v = JSON.parse(platform().readTextFile(path));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new KernelChoiceError(`--kernels ${path}: cannot read it as JSON (${why}); give a run's results.json or a file written by --tune-only`);
  }
  const obj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!obj(v)) throw new KernelChoiceError(`--kernels ${path}: not a JSON object; give a run's results.json or a file written by --tune-only`);
  const map = v.schema === 'webgpu-optbench/results@1' ? (obj(v.mode) ? v.mode.matmulKernels : undefined) : v.schema === KERNELS_SCHEMA ? v.kernels : v;
  if (!obj(map) || Object.keys(map).length === 0) {
    throw new KernelChoiceError(`--kernels ${path}: it records no matmul kernels (results.json written before they were recorded, or a merge of shards that differed?); write a file with --tune-only`);
  }
  const known = knownCandidates();
  for (const [key, name] of Object.entries(map)) {
    if (!KEY.test(key)) throw new KernelChoiceError(`--kernels ${path}: '${key}' is not a matmul shape key (e.g. NN:128x32x784:a4:br)`);
    if (typeof name !== 'string' || !known.has(name)) {
      throw new KernelChoiceError(`--kernels ${path}: ${JSON.stringify(name)} (for ${key}) is not a matmul kernel of this version (known: ${[...known.keys()].join(', ')})`);
    }
    if (known.get(name)!.kind === 'vec4' && key.includes(':u:')) {
      throw new KernelChoiceError(`--kernels ${path}: ${name} reads by fours, which shape ${key} does not allow; name another kernel`);
    }
  }
  return byShape(map as KernelChoices, `--kernels ${path}`);
}

/** Pins of a resumed run: the kernels its earlier sessions ran, by tuning key, and by shape
 * where the shape ran one kernel, so a group of another size (the rest of a group) runs it too. */
export function resumePins(recorded: KernelChoices): KernelChoices {
  const byShape = new Map<string, Set<string>>();
  for (const [key, name] of Object.entries(recorded)) byShape.set(pinKey(key), (byShape.get(pinKey(key)) ?? new Set()).add(name));
  const shapes = [...byShape].filter(([, names]) => names.size === 1).map(([shape, names]) => [shape, [...names][0]]);
  return { ...Object.fromEntries(shapes), ...recorded };
}

/** Pins as the tuner installs them (tuning key or pinKey -> variant). */
export function pinnedVariants(choices: KernelChoices): Record<string, MatmulVariant> {
  const known = knownCandidates();
  // A journal of an older version may name a kernel that is gone: that shape is tuned.
  return Object.fromEntries(Object.entries(choices).filter(([, name]) => known.has(name)).map(([k, name]) => [k, known.get(name)!]));
}

/** The first shape a run trains that the pins leave out, or null. */
export function unpinnedShape(gpu: Gpu, shapes: TunedShape[], pins: KernelChoices): string | null {
  for (const s of shapes) {
    const probe = { buf: null as never };
    const key = pinKey(shapeKey(gpu, s, vec4Compatible(s, probe, probe), s.epilogue));
    if (pins[key] === undefined) return key;
  }
  return null;
}

/** Why a pinned kernel cannot run on this device (its workgroup limits: pins tuned on a GPU
 * given to a smaller device), or null. */
export function pinBeyondLimits(limits: Readonly<Record<string, number>>, pins: KernelChoices): string | null {
  const known = knownCandidates();
  for (const [key, name] of Object.entries(pins)) {
    const v = known.get(name);
    const why = v ? beyondLimits(v, limits) : null;
    if (why) return `${why}, pinned for ${key}`;
  }
  return null;
}

export function kernelsFile(gpu: Gpu, tuned: TuneResult[]): KernelsFile {
  return { schema: KERNELS_SCHEMA, createdAt: new Date().toISOString(), adapter: gpu.describe(), kernels: byShape(choicesOf(tuned), 'the tuning') };
}

export function compareChoices(runs: Array<{ dir: string; choices: KernelChoices | undefined }>): KernelAgreement {
  const byKey = new Map<string, Map<string, string[]>>();
  for (const r of runs) {
    for (const [key, name] of Object.entries(r.choices ?? {})) {
      const kernels = byKey.get(pinKey(key)) ?? new Map<string, string[]>();
      byKey.set(pinKey(key), kernels);
      const dirs = kernels.get(name) ?? [];
      if (!dirs.includes(r.dir)) dirs.push(r.dir);
      kernels.set(name, dirs);
    }
  }
  const differences = [...byKey].filter(([, k]) => k.size > 1).map(([shape, k]) => ({ shape, kernels: Object.fromEntries(k) }));
  const unrecorded = runs.filter((r) => !r.choices || Object.keys(r.choices).length === 0).map((r) => r.dir);
  return { identical: differences.length === 0 && unrecorded.length === 0, differences, unrecorded };
}

/** One line for the console: what differs, or null when nothing does. */
export function agreementWarning(a: KernelAgreement): string | null {
  if (a.identical) return null;
  const parts = a.differences.map((d) => `${d.shape}: ${Object.entries(d.kernels).map(([k, dirs]) => `${k} in ${dirs.join(', ')}`).join(' vs ')}`);
  if (a.unrecorded.length) parts.push(`no record of the kernels in ${a.unrecorded.join(', ')}`);
  return `warning: the shards did not all run the same matmul kernels (${parts.join('; ')}); their numbers may differ from one run's in the last bits. Pin one set with --kernels (docs/deploy.md, "The same kernels on every machine")`;
}
