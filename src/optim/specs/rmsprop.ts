import type { OptimizerSpec } from '../spec.ts';

/** RMSprop with Keras' defaults (rho 0.9, eps 1e-7). Default formulation (`keras` 0):
 *   ms = rho ms + (1-rho) g^2;  d = sqrt(ms) + eps;  p -= lr g / d
 * `keras` 1 is tf.keras' (optimizer_v2, ApplyRMSProp) form, eps inside the root:
 *   d = sqrt(ms + eps)
 * momentum > 0: buf = momentum buf + lr g / d; p -= buf. centered 1: ms is replaced by
 * ms - mg^2, with mg = rho mg + (1-rho) g. */
export const rmsprop: OptimizerSpec = {
  name: 'rmsprop',
  description: 'RMSprop (eps outside the root; keras=1 puts it inside, as tf.keras)',
  slots: [{ name: 'ms' }, { name: 'mom', when: 'momentum' }, { name: 'mg', when: 'centered' }],
  hyper: {
    lr: { default: 1e-3, min: 0, max: 10, minExclusive: true, doc: 'learning rate' },
    rho: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'squared-gradient decay' },
    eps: { default: 1e-7, min: 0, max: 1, minExclusive: true, doc: 'denominator offset' },
    momentum: { default: 0, min: 0, max: 1, maxExclusive: true, doc: 'momentum factor' },
    centered: { default: 0, min: 0, max: 1, flag: true, doc: 'centered variant (0 or 1)' },
    keras: { default: 0, min: 0, max: 1, flag: true, doc: 'tf.keras formulation, eps inside the root (0 or 1)' },
  },
  wgsl: `
    ms = rho * ms + (1.0 - rho) * g * g;
    var second = ms;
    if (centered != 0.0) {
      mg = rho * mg + (1.0 - rho) * g;
      second = ms - mg * mg;
    }
    var d = sqrt(second) + eps;
    if (keras != 0.0) { d = sqrt(second + eps); }
    if (momentum != 0.0) {
      mom = momentum * mom + lr * g / d;
      p = p - mom;
    } else {
      p = p - lr * g / d;
    }`,
  reference(p, g, s, h) {
    s.ms = h.rho * s.ms + (1 - h.rho) * g * g;
    let second = s.ms;
    if (h.centered) {
      s.mg = h.rho * s.mg + (1 - h.rho) * g;
      second = s.ms - s.mg * s.mg;
    }
    const d = h.keras ? Math.sqrt(second + h.eps) : Math.sqrt(second) + h.eps;
    if (h.momentum) {
      s.mom = h.momentum * s.mom + (h.lr * g) / d;
      return p - s.mom;
    }
    return p - (h.lr * g) / d;
  },
};
