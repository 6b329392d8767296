import type { OptimizerSpec } from '../spec.ts';

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, as PyTorch does it:
 *   p -= lr * (m^ / (sqrt(v^) + eps) + weight_decay * p)
 * Not part of the reference study; it shows that adding an optimizer is one spec. */
export const adamw: OptimizerSpec = {
  name: 'adamw',
  description: 'AdamW: Adam with decoupled weight decay (PyTorch form)',
  slots: [{ name: 'm' }, { name: 'v' }],
  hyper: {
    lr: { default: 1e-3, min: 0, max: 10, minExclusive: true, doc: 'learning rate' },
    beta1: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'first-moment decay' },
    beta2: { default: 0.999, min: 0, max: 1, maxExclusive: true, doc: 'second-moment decay' },
    eps: { default: 1e-8, min: 0, max: 1, minExclusive: true, doc: 'denominator offset' },
    weight_decay: { default: 0.01, min: 0, max: 1, doc: 'decoupled weight decay' },
  },
  perStep: (h, t) => ({ bc1: 1 - h.beta1 ** t, bc2: 1 - h.beta2 ** t }),
  wgsl: `
    m = beta1 * m + (1.0 - beta1) * g;
    v = beta2 * v + (1.0 - beta2) * g * g;
    p = p - lr * ((m / bc1) / (sqrt(v / bc2) + eps) + weight_decay * p);`,
  reference(p, g, s, h, d) {
    s.m = h.beta1 * s.m + (1 - h.beta1) * g;
    s.v = h.beta2 * s.v + (1 - h.beta2) * g * g;
    return p - h.lr * (s.m / d.bc1 / (Math.sqrt(s.v / d.bc2) + h.eps) + h.weight_decay * p);
  },
};
