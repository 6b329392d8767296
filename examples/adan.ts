// Adan (Xie et al. 2022, "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing
// Deep Models"), as the authors' PyTorch code (github.com/sail-sg/Adan, adan.py) runs it,
// with its default proximal weight decay (no_prox False) and no gradient clipping:
//   d = g - g_prev (0 at the first step)
//   m = b1 m + (1-b1) g;   v = b2 v + (1-b2) d;   n = b3 n + (1-b3) (g + b2 d)^2
//   denom = sqrt(n) / sqrt(1 - b3^t) + eps
//   p = (p - lr (m / (1-b1^t)) / denom - lr b2 (v / (1-b2^t)) / denom) / (1 + lr wd)
// It needs per-step scalars: three bias corrections (one under a square root), computed on
// the host in float64 from the step t, and `first`, which says t = 1. The previous gradient
// is a fourth state slot.
//
// Check it:      npm run bench -- --check-optimizer examples/adan.ts
// Benchmark it:  npm run bench -- --optimizer-file examples/adan.ts --preset quick
import type { OptimizerSpec } from 'webgpu-optbench';

export const adan: OptimizerSpec = {
  name: 'adan',
  description: 'Adan: Nesterov-style momentum of the gradient and its difference, proximal weight decay',
  slots: [{ name: 'm' }, { name: 'v' }, { name: 'n' }, { name: 'g_prev' }],
  hyper: {
    lr: { default: 1e-3, min: 0, max: 10, minExclusive: true, doc: 'learning rate' },
    beta1: { default: 0.98, min: 0, max: 1, maxExclusive: true, doc: 'gradient moment decay' },
    beta2: { default: 0.92, min: 0, max: 1, maxExclusive: true, doc: 'gradient-difference moment decay' },
    beta3: { default: 0.99, min: 0, max: 1, maxExclusive: true, doc: 'second moment decay' },
    eps: { default: 1e-8, min: 0, max: 1, minExclusive: true, doc: 'denominator offset' },
    weight_decay: { default: 0, min: 0, max: 1, doc: 'proximal weight decay: p / (1 + lr weight_decay)' },
  },
  // Host side, each step t (1, 2, ...; 1 at every step when the state is reset every step).
  // Each name becomes a WGSL `let` beside the hyperparameters.
  perStep: (h, t) => ({
    bc1: 1 - h.beta1 ** t,
    bc2: 1 - h.beta2 ** t,
    bc3_sqrt: Math.sqrt(1 - h.beta3 ** t),
    first: t === 1 ? 1 : 0,
  }),
  wgsl: `
    let d = select(g - g_prev, 0.0, first != 0.0);
    m = beta1 * m + (1.0 - beta1) * g;
    v = beta2 * v + (1.0 - beta2) * d;
    let u = g + beta2 * d;
    n = beta3 * n + (1.0 - beta3) * u * u;
    let denom = sqrt(n) / bc3_sqrt + eps;
    p = (p - lr * (m / bc1) / denom - lr * beta2 * (v / bc2) / denom) / (1.0 + lr * weight_decay);
    g_prev = g;`,
  reference(p, g, s, h, d) {
    const diff = d.first ? 0 : g - s.g_prev;
    s.m = h.beta1 * s.m + (1 - h.beta1) * g;
    s.v = h.beta2 * s.v + (1 - h.beta2) * diff;
    const u = g + h.beta2 * diff;
    s.n = h.beta3 * s.n + (1 - h.beta3) * u * u;
    const denom = Math.sqrt(s.n) / d.bc3_sqrt + h.eps;
    s.g_prev = g;
    return (p - (h.lr * (s.m / d.bc1)) / denom - (h.lr * h.beta2 * (s.v / d.bc2)) / denom) / (1 + h.lr * h.weight_decay);
  },
};
