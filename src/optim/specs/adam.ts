import type { OptimizerSpec } from '../spec.ts';

/** Adam. Default formulation (`keras` 0) is the paper's Algorithm 1, as PyTorch does it:
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 * `keras` 1 is tf.keras' (optimizer_v2) form, with "epsilon hat" outside the correction:
 *   p -= lr * sqrt(1-b2^t) / (1-b1^t) * m / (sqrt(v) + eps)
 * The two differ only in where eps acts (by a factor sqrt(1-b2^t)). */
export const adam: OptimizerSpec = {
  name: 'adam',
  description: 'Adam (paper/PyTorch form; keras=1 for tf.keras epsilon-hat form)',
  slots: [{ name: 'm' }, { name: 'v' }],
  hyper: {
    lr: { default: 1e-3, min: 0, max: 10, minExclusive: true, doc: 'learning rate' },
    beta1: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'first-moment decay' },
    beta2: { default: 0.999, min: 0, max: 1, maxExclusive: true, doc: 'second-moment decay' },
    eps: { default: 1e-8, min: 0, max: 1, minExclusive: true, doc: 'denominator offset' },
    keras: { default: 0, min: 0, max: 1, flag: true, doc: 'tf.keras epsilon-hat formulation (0 or 1)' },
  },
  perStep: (h, t) => ({ bc1: 1 - h.beta1 ** t, bc2: 1 - h.beta2 ** t }),
  wgsl: `
    m = beta1 * m + (1.0 - beta1) * g;
    v = beta2 * v + (1.0 - beta2) * g * g;
    if (keras != 0.0) {
      p = p - (lr * sqrt(bc2) / bc1) * m / (sqrt(v) + eps);
    } else {
      p = p - lr * (m / bc1) / (sqrt(v / bc2) + eps);
    }`,
  reference(p, g, s, h, d) {
    s.m = h.beta1 * s.m + (1 - h.beta1) * g;
    s.v = h.beta2 * s.v + (1 - h.beta2) * g * g;
    if (h.keras) return p - ((h.lr * Math.sqrt(d.bc2)) / d.bc1) * (s.m / (Math.sqrt(s.v) + h.eps));
    return p - (h.lr * (s.m / d.bc1)) / (Math.sqrt(s.v / d.bc2) + h.eps);
  },
};
