// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2):
//   c = beta1 m + (1 - beta1) g;   p -= lr (sign(c) + wd p);   m = beta2 m + (1 - beta2) g
// The update is the sign of an interpolated momentum: every weight moves by lr (plus its
// decay), so Lion wants a learning rate 3-10x smaller than AdamW's.
//
// Check it:      npm run bench -- --check-optimizer examples/lion.ts
// Benchmark it:  npm run bench -- --optimizer-file examples/lion.ts --preset quick
// (in a project that installed the package: npx optbench ...). See docs/extending.md.
import type { OptimizerSpec } from 'webgpu-optbench';

const lion: OptimizerSpec = {
  name: 'lion',
  description: 'Lion: sign of an interpolated momentum, decoupled weight decay',
  // Per-parameter state, zero at the start.
  slots: [{ name: 'm' }],
  // Defaults as the paper's; values outside a range are refused with its doc text.
  hyper: {
    lr: { default: 1e-4, min: 0, max: 1, minExclusive: true, doc: 'learning rate' },
    beta1: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'interpolation factor of the update' },
    beta2: { default: 0.99, min: 0, max: 1, maxExclusive: true, doc: 'momentum decay' },
    wd: { default: 0, min: 0, max: 1, doc: 'decoupled weight decay' },
  },
  // Per element, in WGSL: g, var p, var m and every hyperparameter are f32 in scope.
  wgsl: `
    let c = beta1 * m + (1.0 - beta1) * g;
    p = p - lr * (sign(c) + wd * p);
    m = beta2 * m + (1.0 - beta2) * g;`,
  // The same rule in TypeScript (float64): the checker's reference. Updates the state in
  // place and returns the new parameter.
  reference(p, g, s, h) {
    const c = h.beta1 * s.m + (1 - h.beta1) * g;
    s.m = h.beta2 * s.m + (1 - h.beta2) * g;
    return p - h.lr * (Math.sign(c) + h.wd * p);
  },
};

export default lion;
