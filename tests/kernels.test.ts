import { describe, expect, it } from 'vitest';
import { colsum } from '../src/kernels/colsum.ts';
import { dropout, dropoutParams } from '../src/kernels/dropout.ts';
import { axpy, fill, relu, reluBackward, scale } from '../src/kernels/elementwise.ts';
import { packBytes } from '../src/kernels/bytes.ts';
import { colsumRef, dropoutRef, softmaxCeRef } from '../src/kernels/reference.ts';
import { permutation } from '../src/kernels/rng.ts';
import { softmaxCrossEntropy, STATS_WORDS } from '../src/kernels/softmax-ce.ts';
import { useGpu } from './helpers/gpu.ts';
import { concat, randomF32, randomU32 } from './helpers/random.ts';

const gpu = useGpu();
const U = 2 ** -24;

describe('element-wise kernels', () => {
  for (const T of [1, 3]) {
    it(`fill, scale, axpy, relu, relu backward (T=${T}, n=1037)`, async () => {
      const g = gpu();
      const n = 1037;
      const x = randomF32(n * T, 1), y = randomF32(n * T, 2), z = randomF32(n * T, 3);
      const X = g.upload(x, 'x'), Z = g.upload(z, 'z');
      const Y = g.upload(y, 'y');
      axpy(g, 0.5, { buf: X, trialStride: n }, { buf: Y, trialStride: n }, n, T);
      const ax = await g.readF32(Y);
      for (let i = 0; i < n * T; i++) expect(ax[i]).toBe(Math.fround(Math.fround(0.5 * x[i]) + y[i]));
      scale(g, { buf: Y, trialStride: n }, n, T, -2);
      const sc = await g.readF32(Y);
      for (let i = 0; i < n * T; i++) expect(sc[i]).toBe(Math.fround(-2 * ax[i]));
      relu(g, { buf: X, trialStride: n }, { buf: Y, trialStride: n }, n, T);
      const r = await g.readF32(Y);
      for (let i = 0; i < n * T; i++) expect(r[i]).toBe(Math.max(x[i], 0));
      reluBackward(g, { buf: Z, trialStride: n }, { buf: X, trialStride: n }, { buf: Y, trialStride: n }, n, T);
      const rb = await g.readF32(Y);
      for (let i = 0; i < n * T; i++) expect(rb[i]).toBe(x[i] > 0 ? z[i] : 0);
      fill(g, { buf: Y, offset: 5, trialStride: n }, n - 10, T, 3.25);
      const f = await g.readF32(Y);
      for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) expect(f[t * n + i]).toBe(i >= 5 && i < n - 5 ? 3.25 : rb[t * n + i]);
    });
  }
});

describe('softmax cross-entropy', () => {
  for (const [rows, classes, T] of [[1, 1, 1], [3, 10, 1], [129, 10, 3], [37, 13, 2]] as const) {
    it(`matches the reference: ${rows} rows, ${classes} classes, T=${T}`, async () => {
      const g = gpu();
      const logits = Array.from({ length: T }, (_, t) => randomF32(rows * classes, 10 + t, -8, 8));
      const labels = Array.from({ length: T }, (_, t) => randomU32(rows, 20 + t, classes));
      const Z = g.upload(concat(logits), 'z');
      const L = g.upload(Uint32Array.from(labels.flatMap((l) => Array.from(l))), 'labels');
      const G = g.buffer(T * rows * classes * 4, 'grad');
      const S = g.upload(new Float32Array(T * STATS_WORDS + 4), 'stats');
      const args = { rows, classes, trials: T, logits: { buf: Z, trialStride: rows * classes }, labels: { buf: L, trialStride: rows }, grad: { buf: G, trialStride: rows * classes }, stats: { buf: S, offset: 4 } };
      softmaxCrossEntropy(g, args);
      softmaxCrossEntropy(g, { ...args, grad: undefined }); // evaluation form: statistics only
      const grad = await g.readF32(G);
      const stats = await g.readF32(S, 4, T * STATS_WORDS);
      for (let t = 0; t < T; t++) {
        const ref = softmaxCeRef(logits[t], labels[t], rows, classes);
        // Loss: each row's log-sum-exp carries a few ulps of the logits' scale (|z| <= 8).
        expect(Math.abs(stats[t * 4] - 2 * ref.loss)).toBeLessThanOrEqual(2 * rows * 64 * U * 16 + 1e-6);
        expect(stats[t * 4 + 1]).toBe(2 * ref.correct);
        expect(stats[t * 4 + 2]).toBe(2 * rows);
        expect(stats[t * 4 + 3]).toBe(0);
        for (let i = 0; i < rows * classes; i++) expect(Math.abs(grad[t * rows * classes + i] - ref.grad[i])).toBeLessThanOrEqual(1e-6 / rows + 1e-7);
      }
    });
  }

  it('hand-checked rows: logits of +-1000 (the max subtraction), ties (first max wins), a label past the last class', async () => {
    const g = gpu();
    const rows = 4, C = 3;
    const Z = g.upload(new Float32Array([1000, 1000, 0, 1000, 1000, 0, -1000, -1001, -1002, 0, 1, 2]), 'z');
    const L = g.upload(new Uint32Array([0, 1, 2, 7]), 'l');
    const G = g.buffer(rows * C * 4, 'g');
    const S = g.upload(new Float32Array(4), 's');
    softmaxCrossEntropy(g, { rows, classes: C, trials: 1, logits: { buf: Z }, labels: { buf: L }, grad: { buf: G }, stats: { buf: S } });
    const [s, grad] = [await g.readF32(S), await g.readF32(G)];
    const e = Math.E;
    const sum2 = 1 + 1 / e + 1 / e ** 2; // row 2 after its max (-1000) is taken away
    // Row losses logsumexp(z) - z[y], worked out by hand; label 7 reads the last class (2).
    const losses = [Math.LN2, Math.LN2, Math.log(sum2) + 2, Math.log(1 + e + e * e) - 2];
    // Rows 0 and 1 end at 1000.69 in float32 (ulp 6e-5) before z[y] is taken away.
    expect(Math.abs(s[0] - losses.reduce((a, b) => a + b))).toBeLessThanOrEqual(4e-4);
    // Correct: rows 0 and 3 (row 1's tie goes to class 0; row 2's argmax is 0; row 3's
    // label 7 counts as class 2, its argmax).
    expect([s[1], s[2], s[3]]).toEqual([2, 4, 0]);
    const p2 = [1 / sum2, 1 / e / sum2, 1 / e ** 2 / sum2];
    const p3 = [1 / (1 + e + e * e), e / (1 + e + e * e), (e * e) / (1 + e + e * e)];
    const ref = [[-0.5, 0.5, 0], [0.5, -0.5, 0], [p2[0], p2[1], p2[2] - 1], [p3[0], p3[1], p3[2] - 1]];
    for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) expect(Math.abs(grad[r * C + c] - ref[r][c] / rows), `grad[${r}][${c}]`).toBeLessThanOrEqual(1e-7);
  });

  it('counts non-finite logits', async () => {
    const g = gpu();
    const Z = g.upload(new Float32Array([0, 1, Infinity, 0, NaN, 2, 1, 1, 1]), 'z');
    const L = g.upload(new Uint32Array([0, 1, 2]), 'l');
    const S = g.upload(new Float32Array(4), 's');
    softmaxCrossEntropy(g, { rows: 3, classes: 3, trials: 1, logits: { buf: Z }, labels: { buf: L }, stats: { buf: S } });
    const s = await g.readF32(S);
    expect(s[3]).toBe(2);
    expect(s[2]).toBe(3);
  });
});

describe('column sum', () => {
  for (const [rows, cols, T] of [[1, 1, 1], [128, 10, 1], [129, 131, 3]] as const) {
    it(`${rows}x${cols}, T=${T}`, async () => {
      const g = gpu();
      const x = Array.from({ length: T }, (_, t) => randomF32(rows * cols, 30 + t));
      const X = g.upload(concat(x), 'x');
      const Y = g.buffer((T * cols + 3) * 4, 'y');
      colsum(g, { buf: X, trialStride: rows * cols }, { buf: Y, offset: 3, trialStride: cols }, rows, cols, T);
      const y = await g.readF32(Y, 3, T * cols);
      for (let t = 0; t < T; t++) {
        const ref = colsumRef(x[t], rows, cols);
        for (let j = 0; j < cols; j++) expect(Math.abs(y[t * cols + j] - ref[j])).toBeLessThanOrEqual(rows * U * rows + 1e-6);
      }
    });
  }
});

describe('labels read from a uint8 label set through the batch index', () => {
  it('softmax cross-entropy with gathered labels matches the reference on the picked labels (odd sizes, T=3)', async () => {
    const g = gpu();
    const samples = 23, rows = 7, classes = 10, T = 3;
    const labelSet = Uint8Array.from({ length: samples }, (_, i) => (i * 7) % classes);
    // Per trial an index list; rows start at position 1 of each (as mid-epoch batches do).
    const idx = Array.from({ length: T }, (_, t) => permutation(samples, 5, t).slice(0, rows + 2));
    const logits = Array.from({ length: T }, (_, t) => randomF32(rows * classes, 40 + t, -8, 8));
    // The label set sits 3 bytes into its buffer: odd byte addresses.
    const Lb = g.upload(packBytes(Uint8Array.from([9, 9, 9, ...labelSet])), 'labels');
    const I = g.upload(Uint32Array.from(idx.flatMap((a) => Array.from(a))), 'idx');
    const Z = g.upload(concat(logits), 'z');
    const G = g.buffer(T * rows * classes * 4, 'grad');
    const S = g.upload(new Float32Array(T * STATS_WORDS), 'stats');
    softmaxCrossEntropy(g, { rows, classes, trials: T, logits: { buf: Z, trialStride: rows * classes }, labels: { buf: Lb, offset: 3 }, labelIdx: { buf: I, offset: 1, trialStride: rows + 2 }, grad: { buf: G, trialStride: rows * classes }, stats: { buf: S } });
    const grad = await g.readF32(G);
    const stats = await g.readF32(S);
    for (let t = 0; t < T; t++) {
      const picked = Uint32Array.from(idx[t].slice(1, rows + 1), (s) => labelSet[s]);
      const ref = softmaxCeRef(logits[t], picked, rows, classes);
      expect(Math.abs(stats[t * 4] - ref.loss)).toBeLessThanOrEqual(rows * 64 * U * 16 + 1e-6);
      expect(stats[t * 4 + 1]).toBe(ref.correct);
      for (let i = 0; i < rows * classes; i++) expect(Math.abs(grad[t * rows * classes + i] - ref.grad[i])).toBeLessThanOrEqual(1e-6 / rows + 1e-7);
    }
  });
});

describe('counter-based generator and dropout', () => {
  it('permutations are permutations and depend on seed and epoch', () => {
    const p = permutation(1000, 42, 0);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(permutation(1000, 42, 0)).toEqual(p);
    expect(permutation(1000, 42, 1)).not.toEqual(p);
    expect(permutation(1000, 43, 0)).not.toEqual(p);
  });

  it('dropout on the GPU draws the same masks as the CPU reference, per trial', async () => {
    const g = gpu();
    const n = 1000, T = 3;
    const x = randomF32(n * T, 60, 0.1, 1);
    const X = g.upload(x, 'x');
    const seeds = [36549, 13790, 36549];
    const keeps = [0.7, 0.5, 1];
    const params = concat(seeds.map((s, t) => new Float32Array(dropoutParams(s, keeps[t], 17).buffer)));
    const P = g.upload(params, 'params');
    dropout(g, { buf: X, trialStride: n }, n, T, { buf: P, trialStride: 4 }, 16);
    const y = await g.readF32(X);
    for (let t = 0; t < T; t++) {
      const ref = dropoutRef(x.subarray(t * n, (t + 1) * n), seeds[t], keeps[t], 17, 16);
      let kept = 0;
      for (let i = 0; i < n; i++) {
        expect(Math.abs(y[t * n + i] - ref[i])).toBeLessThanOrEqual(4 * U * Math.abs(ref[i]));
        if (y[t * n + i] !== 0) kept++;
      }
      // The kept fraction is Binomial(n, keep): within 5 standard deviations.
      expect(Math.abs(kept / n - keeps[t])).toBeLessThanOrEqual(5 * Math.sqrt((keeps[t] * (1 - keeps[t])) / n) + 1e-9);
    }
  });
});
