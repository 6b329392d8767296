import type { OptimizerSpec } from '../spec.ts';
import { adam } from './adam.ts';

// Adam's moments and their bias corrections (its paper form: no `keras` switch here).
const { keras: _keras, ...adamHyper } = adam.hyper;

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, as PyTorch does it:
 *   p -= lr * (m^ / (sqrt(v^) + eps) + weight_decay * p)
 * Not part of the reference study; it shows that adding an optimizer is one spec. */
export const adamw: OptimizerSpec = {
  name: 'adamw',
  description: 'AdamW: Adam with decoupled weight decay (PyTorch form)',
  slots: [{ name: 'm' }, { name: 'v' }],
  hyper: {
    ...adamHyper,
    weight_decay: { default: 0.01, min: 0, max: 1, doc: 'decoupled weight decay' },
  },
  perStep: adam.perStep,
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
