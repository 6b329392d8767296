import type { OptimizerSpec } from '../spec.ts';

/** SGD with momentum as Keras does it: v = momentum v - lr g; p += v (Nesterov:
 * p += momentum v - lr g). momentum 0 is plain SGD and keeps no state. */
export const sgd: OptimizerSpec = {
  name: 'sgd',
  description: 'SGD with momentum (Keras form: v = momentum*v - lr*g; p += v)',
  slots: [{ name: 'velocity', when: 'momentum' }],
  hyper: {
    lr: { default: 0.1, min: 0, max: 1e3, minExclusive: true, doc: 'learning rate' },
    momentum: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'momentum factor' },
    nesterov: { default: 0, min: 0, max: 1, flag: true, doc: 'Nesterov momentum (0 or 1)' },
  },
  wgsl: `
    velocity = momentum * velocity - lr * g;
    if (nesterov != 0.0) { p = p + momentum * velocity - lr * g; } else { p = p + velocity; }`,
  reference(p, g, s, h) {
    const v = h.momentum * (s.velocity ?? 0) - h.lr * g;
    if (h.momentum !== 0) s.velocity = v;
    return h.nesterov ? p + h.momentum * v - h.lr * g : p + v;
  },
};
