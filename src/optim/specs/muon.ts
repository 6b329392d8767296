import { lerp } from '../reference-math.ts';
import type { OptimizerSpec } from '../spec.ts';
import type { TensorReferenceArgs } from '../tensor-spec.ts';

/**
 * Muon (MomentUm Orthogonalized by Newton-Schulz), as Keller Jordan's reference
 * implementation, https://github.com/KellerJordan/Muon, muon.py at commit 857d1ad
 * (SingleDeviceMuonWithAuxAdam), with one named difference: the Newton-Schulz iteration runs
 * in float32, where the reference casts to bfloat16 (this engine computes in float32).
 *
 * Hidden weight matrices (the MLP's all but its last), per trial:
 *   m = lerp(m, g, 1 - momentum);  u = nesterov ? lerp(g, m, momentum) : m
 *   X = u / (||u||_F + 1e-7); five times: A = X X^T; B = b A + c A A; X = a X + B X,
 *     (a, b, c) = (3.4445, -4.7750, 2.0315), X taken "wide" (transposed when it has more
 *     rows than columns, so A is the smaller Gram matrix)
 *   p = p (1 - lr weight_decay) - lr max(1, rows / cols)^0.5 X
 * with rows x cols the matrix as PyTorch stores it ([fan_out, fan_in], this engine's
 * transpose). Biases and the output layer: the reference's auxiliary Adam, decoupled weight
 * decay included (betas 0.9, 0.95, eps 1e-10, lr 3e-4 by default, as it has them):
 *   m = lerp(m, g, 1 - b1); v = lerp(v, g^2, 1 - b2)
 *   p = p (1 - adam_lr adam_weight_decay) - adam_lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * The slot m is each matrix's momentum and each other parameter's first moment; v is kept
 * for every parameter (the matrices' part unused), so both keep the arena's layout.
 * On the GPU the Newton-Schulz step is X <- X (aI + B)^T (or (aI + B) X), one product
 * instead of a product and a sum: the same polynomial, rounded differently.
 */
export const NS_COEFFICIENTS = [3.4445, -4.775, 2.0315] as const;
export const NS_STEPS = 5;
const NORM_EPS = 1e-7;

/** C = A B for row-major A [n, k], B [k, m]. */
function matmul(A: Float64Array, B: Float64Array, n: number, k: number, m: number): Float64Array {
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let l = 0; l < k; l++) {
    const a = A[i * k + l];
    for (let j = 0; j < m; j++) C[i * m + j] += a * B[l * m + j];
  }
  return C;
}

function transpose(A: Float64Array, rows: number, cols: number): Float64Array {
  const T = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) T[j * rows + i] = A[i * cols + j];
  return T;
}

/** zeropower_via_newtonschulz5 of the reference, in float64: G is [rows, cols] row-major. */
export function newtonSchulz(G: Float64Array, rows: number, cols: number, steps = NS_STEPS): Float64Array {
  const [a, b, c] = NS_COEFFICIENTS;
  const wide = rows <= cols;
  let X = wide ? Float64Array.from(G) : transpose(G, rows, cols);
  const [r, k] = wide ? [rows, cols] : [cols, rows];
  const norm = Math.sqrt(X.reduce((s, x) => s + x * x, 0));
  X = X.map((x) => x / (norm + NORM_EPS));
  for (let s = 0; s < steps; s++) {
    const A = matmul(X, transpose(X, r, k), r, k, r);
    const AA = matmul(A, A, r, r, r);
    const B = A.map((x, i) => b * x + c * AA[i]);
    const BX = matmul(B, X, r, r, k);
    X = X.map((x, i) => a * x + BX[i]);
  }
  return wide ? X : transpose(X, r, k);
}

function muonReference({ param, p, g, state, h }: TensorReferenceArgs): void {
  const [fanIn, fanOut] = param.shape;
  const m = state.m;
  const u = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    m[i] = lerp(m[i], g[i], 1 - h.momentum);
    u[i] = h.nesterov ? lerp(g[i], m[i], h.momentum) : m[i];
  }
  // PyTorch's weight is [fan_out, fan_in]: this engine's [fan_in, fan_out] transposed.
  const X = transpose(newtonSchulz(transpose(u, fanIn, fanOut), fanOut, fanIn), fanOut, fanIn);
  const scale = Math.sqrt(Math.max(1, fanOut / fanIn));
  for (let i = 0; i < p.length; i++) p[i] = p[i] * (1 - h.lr * h.weight_decay) - h.lr * scale * X[i];
}

export const muon: OptimizerSpec = {
  name: 'muon',
  description: 'Muon: Nesterov momentum orthogonalized by 5 Newton-Schulz steps on hidden matrices, AdamW elsewhere (Keller Jordan\'s reference)',
  slots: [{ name: 'm' }, { name: 'v' }],
  hyper: {
    lr: { default: 0.02, min: 0, max: 10, minExclusive: true, doc: 'learning rate of the hidden matrices (spectral norm per update)' },
    momentum: { default: 0.95, min: 0, max: 1, maxExclusive: true, doc: 'momentum of the hidden matrices' },
    nesterov: { default: 1, min: 0, max: 1, flag: true, doc: 'Nesterov momentum (0 or 1)' },
    weight_decay: { default: 0, min: 0, max: 1, doc: 'decoupled weight decay of the hidden matrices' },
    adam_lr: { default: 3e-4, min: 0, max: 10, minExclusive: true, doc: 'learning rate of biases and the output layer (AdamW)' },
    adam_beta1: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'AdamW first-moment decay' },
    adam_beta2: { default: 0.95, min: 0, max: 1, maxExclusive: true, doc: 'AdamW second-moment decay' },
    adam_eps: { default: 1e-10, min: 0, max: 1, minExclusive: true, doc: 'AdamW denominator offset' },
    adam_weight_decay: { default: 0, min: 0, max: 1, doc: 'AdamW decoupled weight decay' },
  },
  perStep: (h, t) => ({ bc1: 1 - h.adam_beta1 ** t, bc2: 1 - h.adam_beta2 ** t }),
  // Biases and the output layer (the reference's adam_update, then p *= 1 - lr wd; p -= lr update).
  wgsl: `
    m = m + (1.0 - adam_beta1) * (g - m);
    v = v + (1.0 - adam_beta2) * (g * g - v);
    p = p * (1.0 - adam_lr * adam_weight_decay) - adam_lr * ((m / bc1) / (sqrt(v / bc2) + adam_eps));`,
  reference(p, g, s, h, d) {
    s.m = lerp(s.m, g, 1 - h.adam_beta1);
    s.v = lerp(s.v, g * g, 1 - h.adam_beta2);
    return p * (1 - h.adam_lr * h.adam_weight_decay) - h.adam_lr * (s.m / d.bc1 / (Math.sqrt(s.v / d.bc2) + h.adam_eps));
  },
  tensorStep: {
    applies: (param) => param.kind === 'weight' && param.role === 'hidden' && param.shape.length === 2,
    scalars: ['sq'],
    build(s) {
      const [rows, cols] = s.param.shape;
      // This engine's [fan_in, fan_out] is PyTorch's weight transposed. Tall or square here
      // is wide there: A = X^T X [cols, cols], X <- X (aI + B)^T. Wide here is tall there,
      // which the reference transposes: A = X X^T [rows, rows], X <- (aI + B) X.
      const tall = rows >= cols;
      const n = Math.min(rows, cols);
      s.temp('x', rows, cols);
      s.temp('y', rows, cols);
      s.temp('gram', n, n);
      s.temp('poly', n, n);
      s.map('momentum', { reads: ['g', 'm'], writes: ['m', 'x'] }, `
        m = m + (1.0 - momentum) * (g - m);
        x = select(m, m - (m - g) * (1.0 - momentum), nesterov != 0.0);`);
      s.sumsq('norm', 'x', 'sq');
      s.map('normalize', { reads: ['x'], writes: ['x'] }, `x = x / (sqrt(sq) + ${NORM_EPS});`);
      const [ns_a, ns_b, ns_c] = NS_COEFFICIENTS;
      let [cur, next] = ['x', 'y'];
      for (let k = 0; k < NS_STEPS; k++) {
        s.matmul('ns_gram', 'gram', cur, cur, tall ? 'TN' : 'NT');
        s.matmul('ns_square', 'poly', 'gram', 'gram', 'NN');
        s.map('ns_poly', { reads: ['gram', 'poly'], writes: ['poly'] }, 'poly = ns_b * gram + ns_c * poly + select(0.0, ns_a, row == col);', { ns_a, ns_b, ns_c });
        if (tall) s.matmul('ns_apply', next, cur, 'poly', 'NT');
        else s.matmul('ns_apply', next, 'poly', cur, 'NN');
        [cur, next] = [next, cur];
      }
      // max(1, fan_out / fan_in)^0.5: PyTorch's rows over its columns.
      s.map('apply', { reads: ['p', cur], writes: ['p'] }, `p = p * (1.0 - lr * weight_decay) - lr * shape_scale * ${cur};`, { shape_scale: Math.sqrt(Math.max(1, cols / rows)) });
    },
    reference: muonReference,
  },
};
