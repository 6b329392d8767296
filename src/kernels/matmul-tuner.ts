// Picks the fastest matmul implementation per adapter and shape by measuring, once.
// llvmpipe wants large register tiles and no barriers; real GPUs want shared-memory tiles;
// the right tile size depends on the shape. Choices are cached per process and in the
// platform's store (a file in Node, localStorage in a page; keyed by adapter and shape), so
// later runs pay nothing.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { DROPOUT_PARAM_WORDS, dropoutParams } from './dropout.ts';
import type { Gpu } from './gpu.ts';
import {
  beyondLimits,
  matmul,
  setChosenVariant,
  shapeKey,
  variantKey,
  vec4Compatible,
  type MatmulArgs,
  type MatmulVariant,
  type TunedShape,
} from './matmul.ts';
import { fastestOfRounds } from './interleaved-timing.ts';
import { platform } from './platform.ts';

export interface TuneResult {
  shape: TunedShape;
  key: string;
  chosen: MatmulVariant;
  /** Median time per call of each candidate measured (empty when read from the cache or pinned). */
  measured: Array<{ variant: string; ms: number }>;
  fromCache: boolean;
  /** Installed from options.pinned, nothing measured. */
  pinned: boolean;
}

/** Where choices are kept: a file in Node (~/.cache/webgpu-optbench/matmul-tuning.json), a
 * localStorage key in a page. */
export function defaultTuningCache(): string {
  return platform().store.defaultTuningCache();
}

/** What the tuner measures on this adapter for a shape (vec4Ok: see vec4Compatible): the
 * candidates of its class that fit the device's workgroup limits. */
export function candidates(gpu: Gpu, vec4Ok: boolean): MatmulVariant[] {
  return candidateSet(gpu.report.isCpu ? 'cpu' : 'gpu', vec4Ok).filter((v) => !beyondLimits(v, gpu.limits));
}

/** The candidates of an adapter class (tests run both sets on any adapter). */
export function candidateSet(adapter: 'cpu' | 'gpu', vec4Ok: boolean): MatmulVariant[] {
  const out: MatmulVariant[] = [];
  if (adapter === 'cpu') {
    // Register tiles only: the shared-memory kernel measured 5-10x slower on llvmpipe
    // (barriers), so measuring it there only costs start-up time.
    if (vec4Ok) {
      for (const [tileM, tileN, wg] of [[8, 8, 16], [8, 16, 16], [16, 16, 16], [16, 16, 8]]) out.push({ kind: 'vec4', tileM, tileN, wg });
    }
    for (const [tileM, tileN, wg] of [[4, 4, 32], [8, 4, 16]]) out.push({ kind: 'scalar', tileM, tileN, wg });
  } else {
    // Register-blocked tiles (matmul_tiled), from big blocks that suit many trials (128x128,
    // 128x64, 64x64: 4x4 to 8x8 outputs per invocation; 8x8 reads workgroup memory least
    // per FMA, 4x4 keeps more invocations in flight) to small ones that still fill the
    // machine at T = 12 or suit the 10-wide head (32x32, 128x16). Workgroup memory
    // (BM + BN) * BK * 4 bytes stays within WebGPU's default 16 KiB; candidates() drops
    // those a device's limits do not allow (beyondLimits).
    for (const [wgX, wgY, tm, tn, bk] of [
      [16, 16, 8, 8, 8], [16, 16, 8, 8, 16], [16, 16, 8, 4, 16], [8, 16, 8, 8, 16], [8, 8, 8, 8, 16],
      [16, 16, 4, 4, 16], [16, 16, 4, 4, 32], [16, 8, 4, 4, 16], [8, 8, 4, 4, 16], [4, 32, 4, 4, 16],
    ]) out.push({ kind: 'tiled', wgX, wgY, tm, tn, bk });
    for (const [wgX, wgY, tile, bk] of [[16, 16, 4, 16], [8, 8, 4, 16]]) out.push({ kind: 'shared', wgX, wgY, tile, bk });
    if (vec4Ok) for (const [tileM, tileN, wg] of [[4, 4, 64], [8, 8, 64], [4, 8, 128]]) out.push({ kind: 'vec4', tileM, tileN, wg });
    out.push({ kind: 'scalar', tileM: 4, tileN: 4, wg: 64 });
  }
  return out;
}

/** Every candidate of either adapter class by its name (variantKey): what a pinned choice
 * may name. Any candidate runs on any adapter (tests/matmul.test.ts checks both sets). */
export function knownCandidates(): Map<string, MatmulVariant> {
  const all = (['cpu', 'gpu'] as const).flatMap((a) => [...candidateSet(a, true), ...candidateSet(a, false)]);
  return new Map(all.map((v) => [variantKey(v), v]));
}

/** A tuning key without its trial range (`NN:128x32x784:Tn:a4:br` -> `NN:128x32x784:a4:br`).
 * A kernel sums in the same order whatever the trial count, so one pinned choice serves a
 * shape at every group size. */
export function pinKey(key: string): string {
  const parts = key.split(':');
  return parts.length === 5 ? [...parts.slice(0, 2), ...parts.slice(3)].join(':') : key;
}

type CacheFile = Record<string, Record<string, MatmulVariant>>;

/** The cache's key for an adapter: what it is, and a hash of the candidates it is offered
 * and of whether Dawn clamps their indices, so a new candidate set (or new kernels behind
 * the same names, or other generated code) measures afresh instead of reusing choices made
 * among the old ones. */
export function adapterKey(gpu: Gpu): string {
  const r = gpu.report;
  const offered = bytesToHex(sha256(utf8ToBytes(JSON.stringify([candidates(gpu, true), candidates(gpu, false), KERNELS_VERSION, gpu.boundsChecks])))).slice(0, 12);
  return `${r.backend}|${r.vendor}|${r.architecture}|${r.device}|${r.description}|${offered}`;
}

/** Bump when a kernel's code, or how candidates are timed, changes in a way that may change
 * which candidate wins (3: interleaved rounds, see interleaved-timing.ts; 4: matmul_vec4's dropout epilogue). */
const KERNELS_VERSION = 4;

function readCache(file: string): CacheFile {
  try {
    return JSON.parse(platform().store.read(file) ?? '{}') as CacheFile;
  } catch {
    return {}; // unreadable: measure again
  }
}

function writeCache(file: string, data: CacheFile): void {
  platform().store.write(file, JSON.stringify(data, null, 1));
}

/** Samples in the stand-in data set of a gathered A: as many as a training split. */
const GATHER_SAMPLES = 60000;

/** Operands for timing a shape, the same for every candidate; release() gives them back. */
function tuningOperands(gpu: Gpu, s: TunedShape): { args: Omit<MatmulArgs, 'variant'>; release: () => void } {
  const aLen = s.M * s.K, bLen = s.K * s.N, cLen = s.M * s.N;
  const e = s.epilogue;
  // A gathered A reads rows of `width` bytes of a data set through a scattered index list.
  const rows = s.form === 'TN' ? s.K : s.M, width = s.form === 'TN' ? s.M : s.K;
  const bufs = [
    s.gatherA ? gpu.buffer(Math.ceil((GATHER_SAMPLES * width) / 4) * 4, 'tune-a-bytes') : gpu.buffer(aLen * s.trials * 4, 'tune-a'),
    gpu.buffer(bLen * s.trials * 4, 'tune-b'),
    gpu.buffer(cLen * s.trials * 4, 'tune-c'),
    gpu.buffer(Math.max(s.N, cLen, 1) * s.trials * 4, 'tune-epilogue'),
  ];
  const I = s.gatherA ? gpu.upload(Uint32Array.from({ length: rows * s.trials }, (_, i) => (i * 7919) % GATHER_SAMPLES), 'tune-a-idx') : undefined;
  // Dropout at keep 0.7 (the study's p = 0.3), each trial its own seed.
  const D = e.dropout ? gpu.upload(Uint32Array.from(Array.from({ length: s.trials }, (_, t) => [...dropoutParams(t + 1, 0.7, 1)]).flat()), 'tune-dropout') : undefined;
  const [A, B, C, E] = bufs;
  for (const x of [I, D]) if (x) bufs.push(x);
  const args = {
    ...s,
    a: { buf: A, trialStride: s.gatherA ? 0 : aLen },
    aGather: I ? { buf: I, trialStride: rows } : undefined,
    b: { buf: B, trialStride: bLen },
    c: { buf: C, trialStride: cLen },
    bias: e.bias ? { buf: E, trialStride: s.N } : undefined,
    biasGrad: e.biasGrad ? { buf: C, trialStride: cLen } : undefined,
    relu: e.relu,
    mask: e.mask ? { buf: E, trialStride: cLen } : undefined,
    maskScale: e.maskScale ? { buf: E, trialStride: 1 } : undefined,
    dropout: D ? { params: { buf: D, trialStride: DROPOUT_PARAM_WORDS }, stream: 1 } : undefined,
  };
  return { args, release: () => { for (const b of bufs) gpu.release(b); } };
}

/** Each candidate's time per call on shape s: every pipeline compiled first, then batches of
 * `reps` calls in one submit (as in a training step), in interleaved rounds. */
async function timeCandidates(gpu: Gpu, s: TunedShape, variants: MatmulVariant[], reps: number): Promise<Array<{ candidate: MatmulVariant; ms: number }>> {
  const { args, release } = tuningOperands(gpu, s);
  try {
    for (const variant of variants) matmul(gpu, { ...args, variant });
    await gpu.sync();
    return await fastestOfRounds(variants, async (variant) => {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) matmul(gpu, { ...args, variant });
      await gpu.sync();
      return (performance.now() - t0) / reps;
    });
  } finally {
    release();
  }
}

/** Measures every candidate for each shape (unless cached or pinned) and installs the fastest.
 * `pinned` (by tuning key, or by pinKey for every trial range) installs a choice as it is. */
export async function tuneMatmul(
  gpu: Gpu,
  shapes: TunedShape[],
  options: { cacheFile?: string | null; log?: (line: string) => void; pinned?: Record<string, MatmulVariant> } = {},
): Promise<TuneResult[]> {
  const cacheFile = options.cacheFile === undefined ? defaultTuningCache() : options.cacheFile;
  const cache = cacheFile ? readCache(cacheFile) : {};
  const mine = (cache[adapterKey(gpu)] ??= {});
  const results: TuneResult[] = [];
  // Time whole batches, not dispatch by dispatch, and keep tuning out of the user's profile.
  await gpu.sync();
  const profile = gpu.profile;
  gpu.profile = null;
  try {
    const seen = new Set<string>();
    for (const s of shapes) {
      // Contiguous operands at offset 0: vec4-readable exactly when the dimensions allow.
      const probe = { buf: null as never };
      const ok = vec4Compatible(s, probe, probe);
      const key = shapeKey(gpu, s, ok, s.epilogue);
      if (seen.has(key)) continue;
      seen.add(key);
      const pin = options.pinned?.[key] ?? options.pinned?.[pinKey(key)];
      if (pin) {
        setChosenVariant(gpu, key, pin);
        results.push({ shape: s, key, chosen: pin, measured: [], fromCache: false, pinned: true });
        continue;
      }
      const hit = mine[key];
      if (hit) {
        setChosenVariant(gpu, key, hit);
        results.push({ shape: s, key, chosen: hit, measured: [], fromCache: true, pinned: false });
        continue;
      }
      // On a CPU adapter several trials are measured as 4 (see trialsKey).
      const m = { ...s, trials: gpu.report.isCpu ? Math.min(s.trials, 4) : s.trials };
      const flops = 2 * m.M * m.N * m.K * m.trials;
      // About 20 ms per measured batch at 10 GFLOP/s on a CPU, 10 TFLOP/s on a GPU (where a
      // few calls would time the submit, not the kernel); 3 to 200 calls.
      const rate = gpu.report.isCpu ? 1e10 : 1e13;
      const reps = Math.max(3, Math.min(200, Math.round((0.02 * rate) / Math.max(flops, 1))));
      const measured = (await timeCandidates(gpu, m, candidates(gpu, ok), reps)).map(({ candidate, ms }) => ({ variant: variantKey(candidate), ms, v: candidate }));
      measured.sort((x, y) => x.ms - y.ms);
      const best = measured[0].v;
      mine[key] = best;
      setChosenVariant(gpu, key, best);
      options.log?.(`tuned matmul ${key}: ${variantKey(best)} ${measured[0].ms.toFixed(3)} ms`);
      results.push({ shape: s, key, chosen: best, measured: measured.map(({ variant, ms }) => ({ variant, ms })), fromCache: false, pinned: false });
    }
  } finally {
    gpu.profile = profile;
  }
  if (cacheFile && results.some((r) => !r.fromCache && !r.pinned)) writeCache(cacheFile, cache);
  return results;
}
