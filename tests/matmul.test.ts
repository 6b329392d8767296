import { describe, expect, it } from 'vitest';
import { mlpMatmulShapes } from '../src/bench/measure/tuning.ts';
import { candidateSet } from '../src/kernels/matmul-tuner.ts';
import { beyondLimits, matmul, variantKey, vec4Compatible, workgroupNeeds, type MatmulForm, type MatmulVariant } from '../src/kernels/matmul.ts';
import { Gpu } from '../src/kernels/gpu.ts';
import { DROPOUT_PARAM_WORDS, dropoutParams } from '../src/kernels/dropout.ts';
import { packBytes } from '../src/kernels/bytes.ts';
import { colsumRef, gatherImagesRef, matmulAbsRef, matmulRef } from '../src/kernels/reference.ts';
import { assertLegBackend, SWIFTSHADER_LEG, useGpu } from './helpers/gpu.ts';
import { concat, randomF32, randomU32, worstRatio } from './helpers/random.ts';

const gpu = useGpu();

// float32 unit roundoff. Recursive summation of K products has an error of at most
// about K * u * sum|a_k b_k| (Higham, gamma_K); we allow that bound plus a tiny absolute term.
const U = 2 ** -24;

// Every implementation the tuner can choose, on a CPU adapter and on a GPU alike (forced
// here, whatever this adapter is), plus two tile parameters it does not offer.
const EVERY: MatmulVariant[] = (() => {
  const all = [
    ...candidateSet('cpu', true), ...candidateSet('cpu', false), ...candidateSet('gpu', true), ...candidateSet('gpu', false),
    { kind: 'scalar', tileM: 8, tileN: 2, wg: 8 },
    { kind: 'shared', wgX: 8, wgY: 4, tile: 2, bk: 8 },
  ] satisfies MatmulVariant[];
  return [...new Map(all.map((v) => [variantKey(v), v])).values()];
})();

/** The last implementation of each kind in EVERY (vec4, scalar, tiled, shared). */
const ONE_OF_EACH_KIND = [...new Map(EVERY.map((v) => [v.kind, v])).values()];

interface Case {
  form: MatmulForm;
  M: number;
  N: number;
  K: number;
  T: number;
  bias?: boolean;
  relu?: boolean;
  mask?: boolean;
  biasGrad?: boolean;
  /** Inverted dropout (keep 0.7) after bias and ReLU. */
  dropout?: boolean;
  /** A also gathered from a uint8 data set of this many samples, whose bytes start at
   * `byteOffset` of their buffer (NN, TN: the first layer's products). */
  gather?: { samples: number; byteOffset: number };
}

/** A gathered A: a random uint8 data set, and per trial the index list that picks A's
 * stored rows (from position 1 of each trial's list, as mid-epoch batches do). */
function gatheredA(c: Case, seed: number) {
  const rows = c.form === 'TN' ? c.K : c.M, width = c.form === 'TN' ? c.M : c.K;
  const { samples, byteOffset } = c.gather!;
  const data = Uint8Array.from(randomU32(samples * width, seed + 5, 256));
  const lists = Array.from({ length: c.T }, (_, t) => randomU32(rows + 2, seed + 6 + t, samples));
  const a = lists.map((l) => gatherImagesRef(data, l.subarray(1, rows + 1), width));
  const bytes = new Uint8Array(byteOffset + data.length);
  bytes.set(data, byteOffset);
  return { a, bytes: packBytes(bytes), idx: Uint32Array.from(lists.flatMap((l) => Array.from(l))), listLength: rows + 2 };
}

/** Runs `variants` on one case (inputs and float64 reference built once) and checks each
 * against the reference: every output within the rounding bound of its own sum. With
 * `gather`, each variant also runs on the gathered A and must give the same bits as on
 * its float copy. */
async function check(c: Case, variants: MatmulVariant[], seed: number, g: Gpu = gpu()): Promise<void> {
  const { form, M, N, K, T } = c;
  const aLen = M * K, bLen = K * N;
  const gathered = c.gather ? gatheredA(c, seed) : null;
  const a = gathered ? gathered.a : Array.from({ length: T }, (_, t) => randomF32(aLen, seed + 10 * t));
  const b = Array.from({ length: T }, (_, t) => randomF32(bLen, seed + 10 * t + 1));
  const bias = c.bias ? Array.from({ length: T }, (_, t) => randomF32(N, seed + 10 * t + 2)) : undefined;
  // Mask from a ReLU-like tensor: about half the entries zero.
  const mask = c.mask ? Array.from({ length: T }, (_, t) => randomF32(M * N, seed + 10 * t + 3).map((x) => Math.max(x, 0))) : undefined;
  const scales = c.mask ? Array.from({ length: T }, (_, t) => 1 + t / 2) : undefined;
  const drops = c.dropout ? Array.from({ length: T }, (_, t) => ({ seed: seed + t, keep: 0.7, step: 3 + t, stream: 17 })) : undefined;
  // Operands sit at a non-zero offset (a multiple of 4, so the vec4 kernel may read them).
  // With biasGrad, C's buffer holds per trial the product then the N column sums (like the
  // gradient arena).
  const pad = 8;
  const span = M * N + (c.biasGrad ? N + ((4 - ((M * N + N) % 4)) % 4) : 0);
  const A = g.upload(concat([new Float32Array(pad), ...a]), 'A');
  const B = g.upload(concat([new Float32Array(pad), ...b]), 'B');
  const Cbuf = g.buffer((pad + T * span) * 4, 'C');
  const biasBuf = bias ? g.upload(concat(bias), 'bias') : undefined;
  const maskBuf = mask ? g.upload(concat(mask), 'mask') : undefined;
  // Scale per trial at stride 3 to exercise the trial stride.
  const scaleBuf = scales ? g.upload(Float32Array.from({ length: 3 * T }, (_, i) => (i % 3 === 1 ? scales[(i - 1) / 3] : -7)), 'scales') : undefined;
  // Dropout parameters as kernels/dropout.ts lays them out, one record per trial.
  const dropBuf = drops ? g.upload(Uint32Array.from(drops.flatMap((d) => [...dropoutParams(d.seed, d.keep, d.step)])), 'dropout') : undefined;
  const refArgs = { form, M, N, K, trials: T, a, b, bias, relu: c.relu, mask, maskScale: scales, dropout: drops };
  const ref = Float64Array.from(matmulRef(refArgs).flatMap((r) => Array.from(r)));
  const mag = Float64Array.from(matmulAbsRef(refArgs).flatMap((m) => Array.from(m)));
  const sums = b.map((bt) => colsumRef(bt, K, N));
  const sumsMag = b.map((bt) => colsumRef(bt.map(Math.abs), K, N));
  const bytesBuf = gathered ? g.upload(gathered.bytes, 'A-bytes') : undefined;
  const idxBuf = gathered ? g.upload(gathered.idx, 'A-idx') : undefined;
  const nan = new Float32Array(pad + T * span).fill(NaN);
  const run = async (variant: MatmulVariant, fromBytes: boolean): Promise<Float32Array> => {
    g.write(Cbuf, nan); // an output a kernel forgets stays NaN and fails
    matmul(g, {
      form, M, N, K, trials: T,
      a: fromBytes ? { buf: bytesBuf!, offset: c.gather!.byteOffset } : { buf: A, offset: pad, trialStride: aLen },
      aGather: fromBytes ? { buf: idxBuf!, offset: 1, trialStride: gathered!.listLength } : undefined,
      b: { buf: B, offset: pad, trialStride: bLen },
      c: { buf: Cbuf, offset: pad, trialStride: span },
      bias: biasBuf ? { buf: biasBuf, trialStride: N } : undefined,
      relu: c.relu,
      mask: maskBuf ? { buf: maskBuf, trialStride: M * N } : undefined,
      maskScale: scaleBuf ? { buf: scaleBuf, offset: 1, trialStride: 3 } : undefined,
      biasGrad: c.biasGrad ? { buf: Cbuf, offset: pad + M * N, trialStride: span } : undefined,
      dropout: dropBuf ? { params: { buf: dropBuf, trialStride: DROPOUT_PARAM_WORDS }, stream: 17 } : undefined,
      variant,
    });
    return g.readF32(Cbuf, pad, T * span);
  };
  try {
    for (const variant of variants) {
      if (variant.kind === 'vec4' && !vec4Compatible({ form, M, N, K, trials: T }, { buf: A, offset: pad, trialStride: aLen }, { buf: B, offset: pad, trialStride: bLen })) continue;
      const raw = await run(variant, false);
      const what = `${JSON.stringify(c)} ${variantKey(variant)}`;
      if (gathered) {
        const fused = await run(variant, true);
        const differ = fused.findIndex((x, i) => !Object.is(x, raw[i]));
        expect(differ, `${what}: gathered A gives ${fused[differ]} at ${differ}, its float copy ${raw[differ]}`).toBe(-1);
      }
      const out = Float32Array.from({ length: T * M * N }, (_, i) => raw[Math.floor(i / (M * N)) * span + (i % (M * N))]);
      const { ratio, at } = worstRatio(out, ref, (i) => 1e-6 + (K + 2) * U * mag[i] * (scales || drops ? 2 : 1));
      expect(ratio, `${what}: worst at ${at}: gpu ${out[at]} ref ${ref[at]}`).toBeLessThanOrEqual(1);
      if (c.biasGrad) {
        for (let t = 0; t < T; t++) {
          const got = raw.subarray(t * span + M * N, t * span + M * N + N);
          const r = worstRatio(got, sums[t], (j) => 1e-6 + K * U * sumsMag[t][j]);
          expect(r.ratio, `${what}: bias gradient of trial ${t}, column ${r.at}: gpu ${got[r.at]} ref ${sums[t][r.at]}`).toBeLessThanOrEqual(1);
        }
      }
    }
  } finally {
    for (const buf of [A, B, Cbuf, biasBuf, maskBuf, scaleBuf, dropBuf, bytesBuf, idxBuf]) g.release(buf);
  }
}

// Not multiples of any tile size (1x1x1 is smaller than every tile); the last spans
// several tiles of 128 rows and 64 columns and many k-slices, with a remainder in each.
const ODD_SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 5, 7],
  [131, 67, 263],
];
// Multiples of 4 (so the vec4 kernels and vec4 staging run) that are not multiples of any tile size.
const ALIGNED_SHAPES: Array<[number, number, number]> = [
  [4, 4, 4],
  [20, 36, 28],
  [132, 68, 268],
];

/** The study's products (MLP 784-128-128-10, batch 128) with their epilogues. */
function studyCases(T: number, dropout: boolean): Array<{ label: string; c: Case }> {
  return mlpMatmulShapes([784, 128, 128, 10], 128, T, { backward: true, dropout }).map(({ label, shape: s }) => ({
    label,
    c: {
      form: s.form, M: s.M, N: s.N, K: s.K, T,
      bias: s.epilogue.bias, relu: s.epilogue.relu, mask: s.epilogue.mask, biasGrad: s.epilogue.biasGrad, dropout: s.epilogue.dropout,
      gather: s.gatherA ? { samples: 300, byteOffset: 8 } : undefined,
    },
  }));
}

// The epilogue each form runs with in training (forward: bias; weight gradient: bias
// gradient; input gradient: ReLU/dropout mask and scale), so that the pipelines compiled
// here are the study's own (compiling every variant is most of this file's time on llvmpipe).
const EPILOGUE: Record<MatmulForm, Partial<Case>> = { NN: { bias: true }, TN: { biasGrad: true }, NT: { mask: true } };

describe('matmul against the float64 reference, every implementation the tuner can choose', () => {
  for (const form of ['NN', 'TN', 'NT'] as const) {
    for (const T of [1, 3]) {
      it(`${form}, T=${T}, odd shapes and multiples of 4, with its training epilogue`, async () => {
        let seed = 1;
        for (const [M, N, K] of [...ODD_SHAPES, ...ALIGNED_SHAPES]) await check({ form, M, N, K, T, ...EPILOGUE[form] }, EVERY, seed++);
      });
    }
  }

  // The Vulkan leg (SwiftShader, ~100x slower) runs the study's shapes at T = 1 only: the
  // same pipelines, and the odd shapes above check the trial strides at T = 3.
  for (const T of SWIFTSHADER_LEG ? [1] : [1, 2]) {
    studyCases(T, false).forEach(({ label, c }, i) => {
      it(`the study's ${label} ${c.M}x${c.N}x${c.K}, T=${T}`, () => check(c, EVERY, 500 + i));
    });
  }

  // The dropout step is epilogue code shared by every implementation (matmul_common.wgsl),
  // so one implementation of each kind checks it (a full pass over every candidate would
  // compile two more pipelines each, most of this file's time on a cold shader cache).
  it('fuses inverted dropout into the forward epilogue (one implementation of each kind)', async () => {
    const drop = { bias: true, relu: true, dropout: true } as const;
    await check({ form: 'NN', M: 20, N: 36, K: 28, T: 2, ...drop }, ONE_OF_EACH_KIND, 21);
    await check({ form: 'NN', M: 13, N: 10, K: 9, T: 2, ...drop }, ONE_OF_EACH_KIND, 22);
    await check({ form: 'NN', M: 20, N: 36, K: 132, T: 2, ...drop, gather: { samples: 50, byteOffset: 4 } }, ONE_OF_EACH_KIND, 23);
    await check(studyCases(2, true)[0].c, ONE_OF_EACH_KIND, 24); // the study's first layer, gathered
  });

  // matmul_vec4 stores a tile with dropout through its own loop (store_tile): every tile size
  // it is offered, on a shape whose edges cut through tiles of each.
  it('fuses inverted dropout in every vec4 tile size', async () => {
    const vec4 = EVERY.filter((v) => v.kind === 'vec4');
    await check({ form: 'NN', M: 20, N: 36, K: 28, T: 2, bias: true, relu: true, dropout: true }, vec4, 25);
  });

  it('reads A from uint8 images through an index list, bit for bit as from their float copy (NN, TN)', async () => {
    // Odd widths put rows at unaligned byte addresses; an odd byte offset too. These read A
    // one float at a time, pipelines of their own for every implementation: the Vulkan leg,
    // where a pipeline takes seconds to compile, reads them with one implementation of each
    // kind (the byte reads are code all kinds share, matmul_a_u8.wgsl).
    const unaligned = SWIFTSHADER_LEG ? ONE_OF_EACH_KIND : EVERY;
    await check({ form: 'NN', M: 13, N: 10, K: 21, T: 3, bias: true, relu: true, gather: { samples: 40, byteOffset: 3 } }, unaligned, 13);
    await check({ form: 'TN', M: 21, N: 10, K: 13, T: 3, biasGrad: true, gather: { samples: 40, byteOffset: 3 } }, unaligned, 14);
    await check({ form: 'NN', M: 20, N: 36, K: 132, T: 2, bias: true, relu: true, gather: { samples: 50, byteOffset: 4 } }, EVERY, 15);
    await check({ form: 'TN', M: 132, N: 36, K: 20, T: 2, biasGrad: true, gather: { samples: 50, byteOffset: 4 } }, EVERY, 16);
  });

  it('shares one operand across trials with trial stride 0', async () => {
    const g = gpu();
    const M = 5, N = 8, K = 12, T = 3;
    const a = randomF32(M * K, 50);
    const b = Array.from({ length: T }, (_, t) => randomF32(K * N, 51 + t));
    const A = g.upload(a, 'A'), B = g.upload(concat(b), 'B'), C = g.buffer(T * M * N * 4, 'C');
    matmul(g, { form: 'NN', M, N, K, trials: T, a: { buf: A, trialStride: 0 }, b: { buf: B, trialStride: K * N }, c: { buf: C, trialStride: M * N } });
    const out = await g.readF32(C, 0, T * M * N);
    const ref = matmulRef({ form: 'NN', M, N, K, trials: T, a: [a, a, a], b });
    for (let t = 0; t < T; t++) for (let i = 0; i < M * N; i++) expect(Math.abs(out[t * M * N + i] - ref[t][i])).toBeLessThan(1e-5);
  });

  it('refuses the vec4 kernel on unaligned shapes and bad sizes', () => {
    const g = gpu();
    const X = g.buffer(64, 'x');
    const base = { M: 3, N: 5, K: 7, trials: 1, a: { buf: X }, b: { buf: X }, c: { buf: g.buffer(64, 'c') } };
    expect(() => matmul(g, { ...base, form: 'NN', variant: { kind: 'vec4', tileM: 8, tileN: 8, wg: 16 } })).toThrow(/multiples of 4/);
    expect(() => matmul(g, { ...base, form: 'NN', M: 0 })).toThrow(/M must be a positive integer/);
  });
});

describe("matmul within the device's limits", () => {
  it('asks of the device what its workgroup declares (written out per kind)', () => {
    expect(workgroupNeeds({ kind: 'tiled', wgX: 16, wgY: 16, tm: 8, tn: 8, bk: 16 })).toEqual({ x: 16, y: 16, invocations: 256, storageBytes: (128 + 128) * 16 * 4 });
    expect(workgroupNeeds({ kind: 'tiled', wgX: 4, wgY: 32, tm: 4, tn: 4, bk: 16 })).toEqual({ x: 4, y: 32, invocations: 128, storageBytes: (128 + 16) * 16 * 4 });
    expect(workgroupNeeds({ kind: 'shared', wgX: 8, wgY: 4, tile: 2, bk: 8 })).toEqual({ x: 8, y: 4, invocations: 32, storageBytes: (8 + 16) * 8 * 4 });
    expect(workgroupNeeds({ kind: 'vec4', tileM: 4, tileN: 8, wg: 128 })).toEqual({ x: 128, y: 1, invocations: 128, storageBytes: 0 });
  });

  it("every candidate fits core feature level's default limits (256 invocations, 16 KiB); compatibility mode's 128 leave out the 16x16 ones", () => {
    const core = { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupSizeY: 256, maxComputeWorkgroupStorageSize: 16384 };
    for (const v of EVERY) expect(beyondLimits(v, core), variantKey(v)).toBeNull();
    const compat = { ...core, maxComputeInvocationsPerWorkgroup: 128, maxComputeWorkgroupSizeX: 128, maxComputeWorkgroupSizeY: 128 };
    const left = EVERY.filter((v) => beyondLimits(v, compat)).map(variantKey);
    expect(left).toEqual(EVERY.filter((v) => workgroupNeeds(v).invocations > 128).map(variantKey));
    expect(left).toContain('tiled_16x16_r8x8_k16');
    expect(beyondLimits({ kind: 'tiled', wgX: 16, wgY: 16, tm: 8, tn: 8, bk: 16 }, { ...core, maxComputeWorkgroupStorageSize: 16380 })).toBe(
      'matmul kernel tiled_16x16_r8x8_k16 needs 16384 bytes of workgroup memory; this device allows 16380 (maxComputeWorkgroupStorageSize)',
    );
  });

  it("on a device with WebGPU's default limits: the kernels that fit run right (the largest at the limit), one that does not is refused by name", async () => {
    const g = await Gpu.open({ defaultLimits: true });
    try {
      assertLegBackend(g);
      const limits = g.limits;
      // Read from the device: its feature level's defaults, not the adapter's.
      expect(limits.maxComputeInvocationsPerWorkgroup).toBe(g.report.featureLevel === 'core' ? 256 : 128);
      expect(limits.maxComputeWorkgroupStorageSize).toBe(16384);
      const fit = EVERY.filter((v) => !beyondLimits(v, limits));
      const most = (f: (v: MatmulVariant) => number) => fit.filter((v) => f(v) === Math.max(...fit.map(f)));
      const largest = [...new Set([...most((v) => workgroupNeeds(v).invocations), ...most((v) => workgroupNeeds(v).storageBytes)])];
      await check({ form: 'NN', M: 131, N: 67, K: 45, T: 2, bias: true }, largest, 31, g);
      const wide: MatmulVariant = { kind: 'shared', wgX: 32, wgY: 16, tile: 4, bk: 16 };
      const X = g.buffer(64, 'x');
      expect(() => matmul(g, { form: 'NN', M: 3, N: 5, K: 7, trials: 1, a: { buf: X }, b: { buf: X }, c: { buf: g.buffer(64, 'c') }, variant: wide })).toThrow(
        `matmul kernel shared_32x16_t4_k16 needs 512 invocations per workgroup; this device allows ${limits.maxComputeInvocationsPerWorkgroup} (maxComputeInvocationsPerWorkgroup)`,
      );
    } finally {
      g.destroy();
    }
  });
});
