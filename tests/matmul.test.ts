import { describe, expect, it } from 'vitest';
import { matmul, vec4Compatible, type MatmulForm, type MatmulVariant } from '../src/kernels/matmul.ts';
import { matmulAbsRef, matmulRef } from '../src/kernels/reference.ts';
import { useGpu } from './helpers/gpu.ts';
import { concat, randomF32, worstRatio } from './helpers/random.ts';

const gpu = useGpu();

// float32 unit roundoff. Recursive summation of K products has an error of at most
// about K * u * sum|a_k b_k| (Higham, gamma_K); we allow that bound plus a tiny absolute term.
const U = 2 ** -24;

const VARIANTS: MatmulVariant[] = [
  { kind: 'scalar', tileM: 4, tileN: 4, wg: 32 },
  { kind: 'scalar', tileM: 8, tileN: 2, wg: 8 },
  { kind: 'vec4', tileM: 8, tileN: 8, wg: 16 },
  { kind: 'vec4', tileM: 16, tileN: 16, wg: 16 },
  { kind: 'shared', wgX: 16, wgY: 16, tile: 4, bk: 16 },
  { kind: 'shared', wgX: 8, wgY: 4, tile: 2, bk: 8 },
];

interface Case {
  form: MatmulForm;
  M: number;
  N: number;
  K: number;
  T: number;
  bias?: boolean;
  relu?: boolean;
  mask?: boolean;
}

async function check(c: Case, variant: MatmulVariant, seed: number): Promise<void> {
  const g = gpu();
  const { form, M, N, K, T } = c;
  const aLen = M * K, bLen = K * N;
  const a = Array.from({ length: T }, (_, t) => randomF32(aLen, seed + 10 * t));
  const b = Array.from({ length: T }, (_, t) => randomF32(bLen, seed + 10 * t + 1));
  const bias = c.bias ? Array.from({ length: T }, (_, t) => randomF32(N, seed + 10 * t + 2)) : undefined;
  // Mask from a ReLU-like tensor: about half the entries zero.
  const mask = c.mask ? Array.from({ length: T }, (_, t) => randomF32(M * N, seed + 10 * t + 3).map((x) => Math.max(x, 0))) : undefined;
  const scales = c.mask ? Array.from({ length: T }, (_, t) => 1 + t / 2) : undefined;
  // Operands sit at a non-zero offset (a multiple of 4, so the vec4 kernel may read them).
  const pad = 8;
  const A = g.upload(concat([new Float32Array(pad), ...a]), 'A');
  const B = g.upload(concat([new Float32Array(pad), ...b]), 'B');
  const Cbuf = g.buffer((pad + T * M * N) * 4, 'C');
  const biasBuf = bias ? g.upload(concat(bias), 'bias') : undefined;
  const maskBuf = mask ? g.upload(concat(mask), 'mask') : undefined;
  // Scale per trial at stride 3 to exercise the trial stride.
  const scaleBuf = scales ? g.upload(Float32Array.from({ length: 3 * T }, (_, i) => (i % 3 === 1 ? scales[(i - 1) / 3] : -7)), 'scales') : undefined;
  const args = {
    form, M, N, K, trials: T,
    a: { buf: A, offset: pad, trialStride: aLen },
    b: { buf: B, offset: pad, trialStride: bLen },
    c: { buf: Cbuf, offset: pad, trialStride: M * N },
    bias: biasBuf ? { buf: biasBuf, trialStride: N } : undefined,
    relu: c.relu,
    mask: maskBuf ? { buf: maskBuf, trialStride: M * N } : undefined,
    maskScale: scaleBuf ? { buf: scaleBuf, offset: 1, trialStride: 3 } : undefined,
    variant,
  };
  matmul(g, args);
  const out = await g.readF32(Cbuf, pad, T * M * N);
  const refArgs = { form, M, N, K, trials: T, a, b, bias, relu: c.relu, mask, maskScale: scales };
  const ref = matmulRef(refArgs);
  const mag = matmulAbsRef(refArgs);
  const refFlat = concat(ref.map((r) => Float32Array.from(r)));
  const magFlat = Float64Array.from(mag.flatMap((m) => Array.from(m)));
  const { ratio, at } = worstRatio(out, Float64Array.from(ref.flatMap((r) => Array.from(r))), (i) => 1e-6 + (K + 2) * U * magFlat[i] * (scales ? 2 : 1));
  expect(ratio, `${JSON.stringify(c)} ${JSON.stringify(variant)}: worst at ${at}: gpu ${out[at]} ref ${refFlat[at]}`).toBeLessThanOrEqual(1);
  for (const buf of [A, B, Cbuf, biasBuf, maskBuf, scaleBuf]) g.release(buf);
}

const ODD_SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 5, 7],
  [127, 129, 785],
];
// Multiples of 4 (so the vec4 kernel runs) that are not multiples of any tile size.
const ALIGNED_SHAPES: Array<[number, number, number]> = [
  [4, 4, 4],
  [20, 36, 28],
  [132, 140, 788],
];

describe('matmul against the float64 reference', () => {
  for (const form of ['NN', 'TN', 'NT'] as const) {
    for (const T of [1, 3]) {
      it(`${form}, T=${T}, every variant, odd shapes`, async () => {
        let seed = 1;
        for (const [M, N, K] of ODD_SHAPES) {
          for (const v of VARIANTS) {
            const shape = { form, M, N, K, trials: T };
            if (v.kind === 'vec4' && !vec4Compatible(shape, { buf: null as never, offset: 8, trialStride: M * K }, { buf: null as never, offset: 8, trialStride: K * N })) continue;
            await check({ form, M, N, K, T }, v, seed++);
          }
        }
      });
      it(`${form}, T=${T}, every variant, multiples of 4`, async () => {
        let seed = 100;
        for (const [M, N, K] of ALIGNED_SHAPES) for (const v of VARIANTS) await check({ form, M, N, K, T }, v, seed++);
      });
    }
  }

  it('fuses bias and ReLU into the forward product (NN)', async () => {
    for (const v of VARIANTS) await check({ form: 'NN', M: 20, N: 36, K: 28, T: 3, bias: true, relu: true }, v, 7);
    for (const v of VARIANTS.filter((x) => x.kind !== 'vec4')) await check({ form: 'NN', M: 13, N: 10, K: 9, T: 2, bias: true, relu: true }, v, 8);
  });

  it('fuses the ReLU/dropout mask and its scale into the input gradient (NT)', async () => {
    for (const v of VARIANTS) await check({ form: 'NT', M: 20, N: 36, K: 28, T: 3, mask: true }, v, 9);
    for (const v of VARIANTS.filter((x) => x.kind !== 'vec4')) await check({ form: 'NT', M: 13, N: 10, K: 9, T: 2, mask: true }, v, 10);
  });

  it('writes the bias gradient (column sums of B) beside the weight gradient (TN)', async () => {
    const g = gpu();
    for (const [M, N, K] of [[20, 36, 28], [7, 10, 13]] as const) {
      for (const v of VARIANTS) {
        const T = 2;
        const shape = { form: 'TN' as const, M, N, K, trials: T };
        if (v.kind === 'vec4' && !vec4Compatible(shape, { buf: null as never, trialStride: K * M }, { buf: null as never, trialStride: K * N })) continue;
        const a = Array.from({ length: T }, (_, t) => randomF32(K * M, 300 + t));
        const b = Array.from({ length: T }, (_, t) => randomF32(K * N, 310 + t));
        // C's buffer holds, per trial, the M x N product then the N sums (like the arena).
        const span = M * N + N + 4 - ((M * N + N) % 4);
        const C = g.buffer(T * span * 4, 'grads');
        matmul(g, { ...shape, a: { buf: g.upload(concat(a), 'a'), trialStride: K * M }, b: { buf: g.upload(concat(b), 'b'), trialStride: K * N }, c: { buf: C, trialStride: span }, biasGrad: { buf: C, offset: M * N, trialStride: span }, variant: v });
        const out = await g.readF32(C, 0, T * span);
        const ref = matmulRef({ ...shape, a, b });
        for (let t = 0; t < T; t++) {
          for (let i = 0; i < M * N; i++) expect(Math.abs(out[t * span + i] - ref[t][i]), JSON.stringify(v)).toBeLessThan(1e-4);
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += b[t][k * N + j];
            expect(Math.abs(out[t * span + M * N + j] - s), `${JSON.stringify(v)} column ${j}`).toBeLessThan(1e-5);
          }
        }
      }
    }
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
