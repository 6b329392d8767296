// Typed launcher of the matmul family: C = op(A) * op(B) (+ bias, ReLU, mask), batched over
// trials. Three implementations (shaders/matmul_*.wgsl): vec4 register tiles (fast on
// llvmpipe), scalar register tiles (any alignment) and shared-memory tiles (real GPUs).
// Which one runs for a shape comes from the tuner's measurements (matmul-tuner.ts), or from
// a per-adapter default until it has measured.
import type { Gpu, Kernel } from './gpu.ts';
import { off, stride, type Operand } from './operand.ts';

export type MatmulForm = 'NN' | 'TN' | 'NT';
const FORM_ID: Record<MatmulForm, number> = { NN: 0, TN: 1, NT: 2 };

export type MatmulVariant =
  | { kind: 'vec4' | 'scalar'; tileM: number; tileN: number; wg: number }
  | { kind: 'shared'; wgX: number; wgY: number; tile: number; bk: number };

/** Which epilogue steps run; they change the generated code, so tuning measures them. */
export interface EpilogueFlags {
  bias: boolean;
  relu: boolean;
  mask: boolean;
  maskScale: boolean;
  biasGrad?: boolean;
}

export interface MatmulShape {
  form: MatmulForm;
  M: number;
  N: number;
  K: number;
  trials: number;
}

/** A shape as the tuner measures it: with the epilogue it will run with. */
export interface TunedShape extends MatmulShape {
  epilogue: EpilogueFlags;
}

export interface MatmulArgs extends MatmulShape {
  a: Operand;
  b: Operand;
  c: Operand;
  /** [N] per trial, added to every row. */
  bias?: Operand;
  relu?: boolean;
  /** [M, N] per trial: the output is zeroed where mask <= 0 (a ReLU's output). */
  mask?: Operand;
  /** An f32 per trial (element `offset + t * trialStride`) multiplying the masked output:
   * 1 / dropout keep probability. */
  maskScale?: Operand;
  /** TN only: also write the column sums of B (the bias gradient), [N] per trial, into a
   * view of C's buffer (the gradient arena holds weights and biases). */
  biasGrad?: Operand;
  /** Force an implementation (tests, tuner); otherwise the tuned or default choice. */
  variant?: MatmulVariant;
}

export function variantKey(v: MatmulVariant): string {
  return v.kind === 'shared' ? `shared_${v.wgX}x${v.wgY}_t${v.tile}_k${v.bk}` : `${v.kind}_${v.tileM}x${v.tileN}_wg${v.wg}`;
}

/** Whether the vec4 kernel may read this shape: the vectorized dimensions and the offsets
 * and trial strides of the vectorized operands must be multiples of 4. */
export function vec4Compatible(s: MatmulShape, a: Operand, b: Operand): boolean {
  const m4 = (x: number) => x % 4 === 0;
  const aOk = m4(off(a)) && m4(stride(a));
  const bOk = m4(off(b)) && m4(stride(b));
  if (s.form === 'NN') return bOk && m4(s.N); // A is read one float at a time
  if (!aOk || !bOk) return false;
  if (s.form === 'TN') return m4(s.M) && m4(s.N);
  return m4(s.K);
}

/** The implementation used before (or without) tuning: measured defaults per adapter kind. */
export function defaultVariant(gpu: Gpu, s: MatmulShape, vec4Ok: boolean): MatmulVariant {
  if (!gpu.report.isCpu) return { kind: 'shared', wgX: 16, wgY: 16, tile: 4, bk: 16 };
  if (vec4Ok) {
    // Large tiles amortize llvmpipe's per-load cost; small outputs need small tiles to keep
    // both cores busy. (128x784x128 on 2 cores: 8x8 tiles ~13 GFLOP/s, 16x16 ~20.)
    const big = s.M * s.N * s.trials >= 128 * 128;
    return { kind: 'vec4', tileM: big ? 16 : 8, tileN: big ? 16 : 8, wg: 16 };
  }
  return { kind: 'scalar', tileM: 4, tileN: 4, wg: 32 };
}

function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

export function epilogueOf(args: MatmulArgs): EpilogueFlags {
  return { bias: !!args.bias, relu: !!args.relu, mask: !!args.mask, maskScale: !!args.maskScale, biasGrad: !!args.biasGrad };
}

function kernelFor(gpu: Gpu, v: MatmulVariant, form: MatmulForm, flags: EpilogueFlags): Kernel {
  const common = {
    FORM: FORM_ID[form],
    HAS_BIAS: flags.bias,
    RELU: flags.relu,
    MASK: flags.mask,
    MASK_SCALE: flags.maskScale,
    BIAS_GRAD: !!flags.biasGrad,
  };
  const consts =
    v.kind === 'shared'
      ? { ...common, WG_X: v.wgX, WG_Y: v.wgY, TILE: v.tile, BK: v.bk }
      : { ...common, TILE_M: v.tileM, TILE_N: v.tileN, WG: v.wg };
  const file = `matmul_${v.kind}`;
  const name = `matmul_${form.toLowerCase()}`;
  if (v.kind === 'vec4') {
    const { FORM: _form, ...rest } = consts;
    return gpu.kernel({ name, file, entry: `main_${form.toLowerCase()}`, consts: rest, includes: ['matmul_common'] });
  }
  return gpu.kernel({ name, file, consts, includes: ['matmul_common'] });
}

/** Chosen implementation per shape, filled by the tuner (per Gpu instance). */
const chosen = new WeakMap<Gpu, Map<string, MatmulVariant>>();

/** The tuning key of a shape. Trial counts share one key beyond 1 (T1 / Tn): with more
 * trials only the grid's z extent grows, and measuring T = 120 would take minutes. */
export function shapeKey(s: MatmulShape, vec4Ok: boolean, e: EpilogueFlags): string {
  const epi = `${e.bias ? 'b' : ''}${e.relu ? 'r' : ''}${e.mask ? 'm' : ''}${e.maskScale ? 's' : ''}${e.biasGrad ? 'g' : ''}`;
  return `${s.form}:${s.M}x${s.N}x${s.K}:${s.trials === 1 ? 'T1' : 'Tn'}:${vec4Ok ? 'a4' : 'u'}:${epi || '-'}`;
}

export function setChosenVariant(gpu: Gpu, key: string, v: MatmulVariant): void {
  let m = chosen.get(gpu);
  if (!m) chosen.set(gpu, (m = new Map()));
  m.set(key, v);
}

export function chosenVariant(gpu: Gpu, args: MatmulArgs): MatmulVariant {
  const ok = vec4Compatible(args, args.a, args.b);
  return chosen.get(gpu)?.get(shapeKey(args, ok, epilogueOf(args))) ?? defaultVariant(gpu, args, ok);
}

export function matmul(gpu: Gpu, args: MatmulArgs): void {
  const { form, M, N, K, trials } = args;
  for (const [k, v] of Object.entries({ M, N, K, trials })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`matmul: ${k} must be a positive integer, got ${v}`);
  }
  if (args.biasGrad && (form !== 'TN' || args.bias || args.biasGrad.buf !== args.c.buf)) {
    throw new RangeError('matmul: biasGrad needs the TN form, no bias input, and the same buffer as C');
  }
  let v = args.variant ?? chosenVariant(gpu, args);
  if (v.kind === 'vec4' && !vec4Compatible(args, args.a, args.b)) {
    if (args.variant) throw new RangeError(`matmul ${form} ${M}x${N}x${K}: the vec4 kernel needs its vectorized dimensions, offsets and trial strides to be multiples of 4`);
    v = defaultVariant(gpu, args, false);
  }
  const kernel = kernelFor(gpu, v, form, epilogueOf(args));
  let tilesM: number, tilesN: number, wg: [number, number, number];
  if (v.kind === 'shared') {
    tilesM = ceilDiv(M, v.wgY * v.tile);
    tilesN = ceilDiv(N, v.wgX * v.tile);
    wg = [tilesN, tilesM, trials];
  } else {
    tilesM = ceilDiv(M, v.tileM);
    tilesN = ceilDiv(N, v.tileN);
    wg = [ceilDiv(tilesM * tilesN, v.wg), 1, trials];
  }
  const u = new Uint32Array([
    M, N, K, tilesN,
    off(args.a), stride(args.a), off(args.b), stride(args.b),
    off(args.c), stride(args.c), off(args.bias ?? args.biasGrad ?? args.c), stride(args.bias ?? args.biasGrad ?? args.c),
    args.mask ? off(args.mask) : 0, args.mask ? stride(args.mask) : 0, args.maskScale ? off(args.maskScale) : 0, tilesM,
    args.maskScale ? stride(args.maskScale) : 0, 0, 0, 0,
  ]);
  const dummy = gpu.dummy;
  gpu.dispatch(kernel, {
    uniforms: u,
    buffers: [args.a.buf, args.b.buf, args.c.buf, args.bias?.buf ?? dummy, args.mask?.buf ?? dummy, args.maskScale?.buf ?? dummy],
    workgroups: wg,
  });
}
