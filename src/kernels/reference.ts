// Plain TypeScript references of the kernels, computed in float64. Tests compare the GPU
// against these; nothing in the engine calls them.
import type { MatmulForm } from './matmul.ts';
import { hash4, unitF32 } from './rng.ts';

export interface MatmulRefArgs {
  form: MatmulForm;
  M: number;
  N: number;
  K: number;
  trials: number;
  /** Per trial, in the stored layout of the form (see shaders/matmul_common.wgsl). */
  a: Float32Array[];
  b: Float32Array[];
  bias?: Float32Array[];
  relu?: boolean;
  mask?: Float32Array[];
  maskScale?: number[];
  /** Inverted dropout after bias and ReLU, per trial (as dropoutRef draws it). */
  dropout?: Array<{ seed: number; keep: number; step: number; stream: number }>;
}

export function matmulRef(x: MatmulRefArgs): Float64Array[] {
  const out: Float64Array[] = [];
  for (let t = 0; t < x.trials; t++) {
    const A = x.a[t], B = x.b[t];
    const C = new Float64Array(x.M * x.N);
    for (let i = 0; i < x.M; i++) {
      for (let j = 0; j < x.N; j++) {
        let s = 0;
        for (let k = 0; k < x.K; k++) {
          const a = x.form === 'TN' ? A[k * x.M + i] : A[i * x.K + k];
          const b = x.form === 'NT' ? B[j * x.K + k] : B[k * x.N + j];
          s += a * b;
        }
        if (x.bias) s += x.bias[t][j];
        if (x.relu) s = Math.max(s, 0);
        const drop = x.dropout?.[t];
        if (drop && Math.fround(drop.keep) < 1) {
          const keep = Math.fround(drop.keep);
          s = unitF32(hash4(drop.seed, drop.stream, drop.step, i * x.N + j)) < keep ? s / keep : 0;
        }
        if (x.mask) s = x.mask[t][i * x.N + j] > 0 ? s * (x.maskScale ? x.maskScale[t] : 1) : 0;
        C[i * x.N + j] = s;
      }
    }
    out.push(C);
  }
  return out;
}

/** Sum of |a_k b_k| over a reduction: the scale that float32 rounding error grows with
 * (before any mask or dropout scale, which the caller allows for). */
export function matmulAbsRef(x: MatmulRefArgs): Float64Array[] {
  const abs = (v: Float32Array[]) => v.map((a) => a.map(Math.abs));
  return matmulRef({ ...x, a: abs(x.a), b: abs(x.b), bias: x.bias ? abs(x.bias) : undefined, relu: false, dropout: undefined, mask: undefined, maskScale: x.maskScale?.map(Math.abs) });
}

export interface SoftmaxCeRef {
  loss: number;
  correct: number;
  /** Gradient of the mean loss, [rows, classes]. */
  grad: Float64Array;
}

export function softmaxCeRef(logits: Float32Array, labels: Uint32Array, rows: number, classes: number): SoftmaxCeRef {
  const grad = new Float64Array(rows * classes);
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const z = logits.subarray(r * classes, (r + 1) * classes);
    let m = z[0];
    let arg = 0;
    for (let c = 1; c < classes; c++) if (z[c] > m) { m = z[c]; arg = c; }
    let s = 0;
    for (let c = 0; c < classes; c++) s += Math.exp(z[c] - m);
    const y = Math.min(labels[r], classes - 1); // as the kernel: past the last class is the last class
    loss += Math.log(s) + m - z[y];
    if (arg === y) correct++;
    for (let c = 0; c < classes; c++) grad[r * classes + c] = (Math.exp(z[c] - m) / s - (c === y ? 1 : 0)) / rows;
  }
  return { loss, correct, grad };
}

export function colsumRef(x: Float32Array, rows: number, cols: number): Float64Array {
  const y = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[j] += x[i * cols + j];
  return y;
}

/** Sum of squares of x (shaders/sumsq.wgsl), in float64. */
export function sumsqRef(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

/** The floats a gathered A holds (shaders/matmul_a_u8.wgsl): bytes of the picked samples / 255. */
export function gatherImagesRef(data: Uint8Array, idx: ArrayLike<number>, features: number): Float32Array {
  const out = new Float32Array(idx.length * features);
  for (let b = 0; b < idx.length; b++) for (let f = 0; f < features; f++) out[b * features + f] = Math.fround(data[idx[b] * features + f] * Math.fround(1 / 255));
  return out;
}

/** Inverted dropout as shaders/dropout.wgsl draws it. */
export function dropoutRef(x: Float32Array, seed: number, keep: number, step: number, stream: number): Float32Array {
  const k = Math.fround(keep);
  if (k >= 1) return x.slice();
  const inv = Math.fround(1 / k);
  return x.map((v, i) => (unitF32(hash4(seed, stream, step, i)) < k ? Math.fround(v * inv) : 0));
}
