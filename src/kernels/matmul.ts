// Typed launcher of the matmul family: C = op(A) * op(B) (+ bias, ReLU, mask), batched over
// trials. Four implementations (shaders/matmul_*.wgsl): vec4 register tiles (fast on
// llvmpipe), scalar register tiles (any alignment), shared-memory tiles with scalar reads,
// and register-blocked shared-memory tiles with vec4 reads (the GPU SGEMM form). A is either
// stored floats or gathered on the fly from a uint8 data set through an index list (the
// first layer's input). Which implementation runs for a shape comes from the tuner's
// measurements (matmul-tuner.ts), or from a per-adapter default until it has measured.
import type { Gpu, Kernel } from './gpu.ts';
import { off, stride, type Operand } from './operand.ts';

export type MatmulForm = 'NN' | 'TN' | 'NT';
const FORM_ID: Record<MatmulForm, number> = { NN: 0, TN: 1, NT: 2 };

export type MatmulVariant =
  | { kind: 'vec4' | 'scalar'; tileM: number; tileN: number; wg: number }
  | { kind: 'shared'; wgX: number; wgY: number; tile: number; bk: number }
  /** WG_X x WG_Y invocations, each a tm x tn register tile (multiples of 4), bk deep. */
  | { kind: 'tiled'; wgX: number; wgY: number; tm: number; tn: number; bk: number };

/** Which epilogue steps run; they change the generated code, so tuning measures them. */
export interface EpilogueFlags {
  bias: boolean;
  relu: boolean;
  mask: boolean;
  maskScale: boolean;
  biasGrad?: boolean;
  dropout?: boolean;
}

export interface MatmulShape {
  form: MatmulForm;
  M: number;
  N: number;
  K: number;
  trials: number;
}

/** A shape as the tuner measures it: with the epilogue it will run with, and whether A is
 * gathered from a uint8 data set (MatmulArgs.aGather). */
export interface TunedShape extends MatmulShape {
  epilogue: EpilogueFlags;
  gatherA?: boolean;
}

export interface MatmulArgs extends MatmulShape {
  /** Stored floats; or, with `aGather`, a uint8 data set: u32 words holding its bytes,
   * `offset` counted in bytes, `trialStride` unused. */
  a: Operand;
  /** Sample indices: row `row` of trial t of A's stored layout ([M, K] for NN and NT, [K, M]
   * for TN) is the sample aGather[offset + t * trialStride + row] of `a`, its bytes / 255.
   * Fuses a mini-batch gather into the product: no float copy of the batch. */
  aGather?: Operand;
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
  /** Inverted dropout on the output (after bias and ReLU), drawn as kernels/dropout.ts draws
   * it in place: `params` holds its per-trial words (seed, keep, step, 1 / keep), `stream`
   * the layer's random stream. Not with `mask` (both read binding 6). */
  dropout?: { params: Operand; stream: number };
  /** TN only: also write the column sums of B (the bias gradient), [N] per trial, into a
   * view of C's buffer (the gradient arena holds weights and biases). */
  biasGrad?: Operand;
  /** Force an implementation (tests, tuner); otherwise the tuned or default choice. */
  variant?: MatmulVariant;
  /** The dispatch's name in profiles, instead of matmul_<form>: an optimizer's per-matrix
   * products are then told apart from the training step's (same code, same choice). */
  label?: string;
}

export function variantKey(v: MatmulVariant): string {
  if (v.kind === 'shared') return `shared_${v.wgX}x${v.wgY}_t${v.tile}_k${v.bk}`;
  if (v.kind === 'tiled') return `tiled_${v.wgX}x${v.wgY}_r${v.tm}x${v.tn}_k${v.bk}`;
  return `${v.kind}_${v.tileM}x${v.tileN}_wg${v.wg}`;
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

/** Whether the tiled kernel may stage its operands four floats at a time: the contiguous
 * dimension of each operand (A: K for NN and NT, M for TN; B: N for NN and TN, K for NT),
 * its offset and trial stride are multiples of 4. */
export function load4Compatible(s: MatmulShape, a: Operand, b: Operand): boolean {
  const m4 = (x: number) => x % 4 === 0;
  const aDim = s.form === 'TN' ? s.M : s.K;
  const bDim = s.form === 'NT' ? s.K : s.N;
  return m4(aDim) && m4(bDim) && m4(off(a)) && m4(stride(a)) && m4(off(b)) && m4(stride(b));
}

/** What a variant asks of the device: its workgroup's size and bytes of workgroup memory
 * (the var<workgroup> tiles of matmul_shared.wgsl, [BM][BK] and [BK][BN] floats, and of
 * matmul_tiled.wgsl, the same in vec4s; the register-tiled kernels use none). */
export function workgroupNeeds(v: MatmulVariant): { x: number; y: number; invocations: number; storageBytes: number } {
  if (v.kind === 'shared' || v.kind === 'tiled') {
    const bm = v.kind === 'shared' ? v.wgY * v.tile : v.wgY * v.tm;
    const bn = v.kind === 'shared' ? v.wgX * v.tile : v.wgX * v.tn;
    return { x: v.wgX, y: v.wgY, invocations: v.wgX * v.wgY, storageBytes: (bm + bn) * v.bk * 4 };
  }
  return { x: v.wg, y: 1, invocations: v.wg, storageBytes: 0 };
}

/** Why a variant cannot run on a device with these limits (read from the device, which
 * holds the adapter's: a compatibility-mode device that did not ask has 128 invocations per
 * workgroup, where the 16x16 kernels need 256), or null when it can. */
export function beyondLimits(v: MatmulVariant, limits: Readonly<Record<string, number>>): string | null {
  const n = workgroupNeeds(v);
  const needs: Array<[string, number, string]> = [
    ['maxComputeInvocationsPerWorkgroup', n.invocations, 'invocations per workgroup'],
    ['maxComputeWorkgroupSizeX', n.x, 'invocations along x'],
    ['maxComputeWorkgroupSizeY', n.y, 'invocations along y'],
    ['maxComputeWorkgroupStorageSize', n.storageBytes, 'bytes of workgroup memory'],
  ];
  for (const [limit, need, what] of needs) {
    if (need > limits[limit]) return `matmul kernel ${variantKey(v)} needs ${need} ${what}; this device allows ${limits[limit]} (${limit})`;
  }
  return null;
}

/** The implementation used before (or without) tuning: measured defaults per adapter kind. */
export function defaultVariant(gpu: Gpu, s: MatmulShape, vec4Ok: boolean): MatmulVariant {
  if (!gpu.report.isCpu) {
    const big: MatmulVariant = { kind: 'shared', wgX: 16, wgY: 16, tile: 4, bk: 16 };
    // 8x8 (64 invocations, 4 KiB) fits every WebGPU device, compatibility mode's included.
    return beyondLimits(big, gpu.limits) ? { kind: 'shared', wgX: 8, wgY: 8, tile: 4, bk: 16 } : big;
  }
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
  return { bias: !!args.bias, relu: !!args.relu, mask: !!args.mask, maskScale: !!args.maskScale, biasGrad: !!args.biasGrad, dropout: !!args.dropout };
}

interface KernelChoice {
  form: MatmulForm;
  label?: string;
  flags: EpilogueFlags;
  gatherA: boolean;
  /** tiled only: stage operands four floats at a time. */
  load4: boolean;
}

function kernelFor(gpu: Gpu, v: MatmulVariant, { form, flags, gatherA, load4, label }: KernelChoice): Kernel {
  const common = {
    FORM: FORM_ID[form],
    HAS_BIAS: flags.bias,
    RELU: flags.relu,
    MASK: flags.mask,
    MASK_SCALE: flags.maskScale,
    BIAS_GRAD: !!flags.biasGrad,
    DROPOUT: !!flags.dropout,
  };
  const consts =
    v.kind === 'shared'
      ? { ...common, WG_X: v.wgX, WG_Y: v.wgY, TILE: v.tile, BK: v.bk }
      : v.kind === 'tiled'
        ? { ...common, WG_X: v.wgX, WG_Y: v.wgY, TM: v.tm, TN: v.tn, BK: v.bk }
        : { ...common, TILE_M: v.tileM, TILE_N: v.tileN, WG: v.wg };
  const file = `matmul_${v.kind}`;
  // The gathered form gets its own name: profiles then show the fused first layer apart.
  const name = label ?? `matmul_${form.toLowerCase()}${gatherA ? '_u8' : ''}`;
  const includes = ['rng', 'matmul_common', gatherA ? 'matmul_a_u8' : 'matmul_a_f32'];
  if (v.kind === 'tiled') includes.push(load4 ? 'matmul_tiled_load4' : 'matmul_tiled_load1');
  if (v.kind === 'vec4') {
    const { FORM: _form, ...rest } = consts;
    return gpu.kernel({ name, file, entry: `main_${form.toLowerCase()}`, consts: rest, includes });
  }
  return gpu.kernel({ name, file, consts, includes });
}

/** Chosen implementation per shape, filled by the tuner (per Gpu instance). */
const chosen = new WeakMap<Gpu, Map<string, MatmulVariant>>();

/** The trial counts that share one tuning choice. On a CPU adapter all counts beyond 1 (T1
 * / Tn): more trials only add workgroups to the same two cores, and measuring T = 120 there
 * would take minutes. On a GPU the count decides how many workgroups fill the machine, so
 * which tile wins: one key per power-of-two range (T = 120: T64-127), measured at its T. */
export function trialsKey(gpu: Gpu, trials: number): string {
  if (trials === 1) return 'T1';
  if (gpu.report.isCpu) return 'Tn';
  const lo = 2 ** Math.floor(Math.log2(trials));
  return `T${lo}-${2 * lo - 1}`;
}

/** The tuning key of a shape. */
export function shapeKey(gpu: Gpu, s: MatmulShape & { gatherA?: boolean }, vec4Ok: boolean, e: EpilogueFlags): string {
  const epi = `${e.bias ? 'b' : ''}${e.relu ? 'r' : ''}${e.dropout ? 'd' : ''}${e.mask ? 'm' : ''}${e.maskScale ? 's' : ''}${e.biasGrad ? 'g' : ''}`;
  return `${s.form}${s.gatherA ? 'g' : ''}:${s.M}x${s.N}x${s.K}:${trialsKey(gpu, s.trials)}:${vec4Ok ? 'a4' : 'u'}:${epi || '-'}`;
}

export function setChosenVariant(gpu: Gpu, key: string, v: MatmulVariant): void {
  let m = chosen.get(gpu);
  if (!m) chosen.set(gpu, (m = new Map()));
  m.set(key, v);
}

export function chosenVariant(gpu: Gpu, args: MatmulArgs): MatmulVariant {
  const ok = vec4Compatible(args, args.a, args.b);
  return chosen.get(gpu)?.get(shapeKey(gpu, { ...args, gatherA: !!args.aGather }, ok, epilogueOf(args))) ?? defaultVariant(gpu, args, ok);
}

export function matmul(gpu: Gpu, args: MatmulArgs): void {
  const { form, M, N, K, trials } = args;
  for (const [k, v] of Object.entries({ M, N, K, trials })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`matmul: ${k} must be a positive integer, got ${v}`);
  }
  if (args.biasGrad && (form !== 'TN' || args.bias || args.biasGrad.buf !== args.c.buf)) {
    throw new RangeError('matmul: biasGrad needs the TN form, no bias input, and the same buffer as C');
  }
  if (args.dropout && (args.mask || args.maskScale)) throw new RangeError('matmul: dropout and a mask cannot share one epilogue');
  let v = args.variant ?? chosenVariant(gpu, args);
  if (v.kind === 'vec4' && !vec4Compatible(args, args.a, args.b)) {
    if (args.variant) throw new RangeError(`matmul ${form} ${M}x${N}x${K}: the vec4 kernel needs its vectorized dimensions, offsets and trial strides to be multiples of 4`);
    v = defaultVariant(gpu, args, false);
  }
  // The tuner offers only kernels that fit; a forced or pinned one may not.
  const unfit = beyondLimits(v, gpu.limits);
  if (unfit) throw new RangeError(unfit);
  const gatherA = !!args.aGather;
  const load4 = v.kind === 'tiled' && load4Compatible(args, args.a, args.b);
  const kernel = kernelFor(gpu, v, { form, flags: epilogueOf(args), gatherA, load4, label: args.label });
  let tilesM: number, tilesN: number, wg: [number, number, number];
  if (v.kind === 'shared' || v.kind === 'tiled') {
    tilesM = ceilDiv(M, v.kind === 'shared' ? v.wgY * v.tile : v.wgY * v.tm);
    tilesN = ceilDiv(N, v.kind === 'shared' ? v.wgX * v.tile : v.wgX * v.tn);
    wg = [tilesN, tilesM, trials];
  } else {
    tilesM = ceilDiv(M, v.tileM);
    tilesN = ceilDiv(N, v.tileN);
    wg = [ceilDiv(tilesM * tilesN, v.wg), 1, trials];
  }
  // Binding 6: the mask's scales, or the dropout parameters.
  const scales = args.maskScale ?? args.dropout?.params;
  const u = new Uint32Array([
    M, N, K, tilesN,
    off(args.a), stride(args.a), off(args.b), stride(args.b),
    off(args.c), stride(args.c), off(args.bias ?? args.biasGrad ?? args.c), stride(args.bias ?? args.biasGrad ?? args.c),
    args.mask ? off(args.mask) : 0, args.mask ? stride(args.mask) : 0, scales ? off(scales) : 0, tilesM,
    scales ? stride(scales) : 0, args.aGather ? off(args.aGather) : 0, args.aGather ? stride(args.aGather) : 0, args.dropout?.stream ?? 0,
  ]);
  const dummy = gpu.dummy;
  const buffers = [args.a.buf, args.b.buf, args.c.buf, args.bias?.buf ?? dummy, args.mask?.buf ?? dummy, scales?.buf ?? dummy];
  if (args.aGather) buffers.push(args.aGather.buf);
  gpu.dispatch(kernel, { uniforms: u, buffers, workgroups: wg });
}
