import type { OptimizerSpec } from '../spec.ts';

/** The reference study's custom rule: Adam with a signed cube-root third moment.
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  u = b3 u + (1-b3) g^3  (hats: / (1 - b^t))
 *   denom = sign(v^) sqrt|v^| + cube_weight * sign(u^) |u^|^(1/3) + eps
 *   p -= lr m^ / denom
 * WGSL's pow(x, y) is undefined for x < 0, so the cube root is sign(u) * pow(|u|, 1/3).
 * cube_weight defaults to eps, as in the study (where it makes the rule almost Adam). */
export const custom: OptimizerSpec = {
  name: 'custom',
  description: 'Adam with a signed cube-root third moment (the reference study\'s rule)',
  slots: [{ name: 'm' }, { name: 'v' }, { name: 'u' }],
  hyper: {
    lr: { default: 1e-3, min: 0, max: 10, minExclusive: true, doc: 'learning rate' },
    beta1: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'first-moment decay' },
    beta2: { default: 0.999, min: 0, max: 1, maxExclusive: true, doc: 'second-moment decay' },
    beta3: { default: 0.999987, min: 0, max: 1, maxExclusive: true, doc: 'third-moment decay' },
    eps: { default: 1e-8, min: 0, max: 1, minExclusive: true, doc: 'denominator offset' },
    cube_weight: { default: 1e-8, min: -1e6, max: 1e6, doc: 'weight of the cube-root term' },
  },
  perStep: (h, t) => ({ bc1: 1 - h.beta1 ** t, bc2: 1 - h.beta2 ** t, bc3: 1 - h.beta3 ** t }),
  wgsl: `
    m = beta1 * m + (1.0 - beta1) * g;
    v = beta2 * v + (1.0 - beta2) * g * g;
    u = beta3 * u + (1.0 - beta3) * g * g * g;
    let mh = m / bc1;
    let vh = v / bc2;
    let uh = u / bc3;
    let cube_root = sign(uh) * select(0.0, pow(abs(uh), 1.0 / 3.0), abs(uh) > 0.0);
    let denom = sign(vh) * sqrt(abs(vh)) + cube_weight * cube_root + eps;
    p = p - lr * mh / denom;`,
  reference(p, g, s, h, d) {
    s.m = h.beta1 * s.m + (1 - h.beta1) * g;
    s.v = h.beta2 * s.v + (1 - h.beta2) * g * g;
    s.u = h.beta3 * s.u + (1 - h.beta3) * g * g * g;
    const mh = s.m / d.bc1, vh = s.v / d.bc2, uh = s.u / d.bc3;
    const denom = Math.sign(vh) * Math.sqrt(Math.abs(vh)) + h.cube_weight * Math.cbrt(uh) + h.eps;
    return p - (h.lr * mh) / denom;
  },
};
