// Add an optimizer whose update is not one element at a time: LARS (You et al. 2017), whose
// step for each weight matrix is scaled by the trust ratio ||w|| / (||g|| + wd ||w||), two
// per-trial norms. One spec: the per-element rule (SGD with momentum, for the biases), a
// tensor step for the weights built from the engine's maps and norms, and a TypeScript
// reference of each, checked against the GPU before training. See docs/optimizers.md.
// Run: npx tsx examples/add-tensor-optimizer.ts
import '../src/platform/node.ts'; // the engine's Node side (a web page imports src/platform/browser.ts)
import { loadDataset } from '../src/bench/data/datasets.ts';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { TrainingGroup } from '../src/bench/study/trainer.ts';
import { Gpu } from '../src/kernels/gpu.ts';
import { registerOptimizer } from '../src/optim/registry.ts';
import type { OptimizerSpec } from '../src/optim/spec.ts';
import { checkAgainstReference } from '../src/optim/tensor-check.ts';

const lars: OptimizerSpec = {
  name: 'lars',
  description: 'LARS: SGD with momentum, each weight matrix scaled by its trust ratio',
  slots: [{ name: 'v' }],
  hyper: {
    lr: { default: 0.1, min: 0, max: 10, minExclusive: true, doc: 'learning rate' },
    momentum: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'momentum' },
    eta: { default: 0.02, min: 0, max: 1, minExclusive: true, doc: 'trust coefficient' },
    wd: { default: 1e-4, min: 0, max: 1, doc: 'weight decay' },
  },
  // Biases: SGD with momentum.
  wgsl: `
    v = momentum * v + lr * g;
    p = p - v;`,
  reference(p, g, s, h) {
    s.v = h.momentum * s.v + h.lr * g;
    return p - s.v;
  },
  tensorStep: {
    applies: (param) => param.kind === 'weight',
    scalars: ['wsq', 'gsq'],
    build(s) {
      const [rows, cols] = s.param.shape;
      // Norms reduce slots or temporaries: copy the weight and its gradient first.
      s.temp('w', rows, cols);
      s.temp('gw', rows, cols);
      s.map('copy', { reads: ['p', 'g'], writes: ['w', 'gw'] }, 'w = p;\ngw = g;');
      s.sumsq('weight_norm', 'w', 'wsq');
      s.sumsq('grad_norm', 'gw', 'gsq');
      s.map('update', { reads: ['p', 'g', 'v'], writes: ['p', 'v'] }, `
        let trust = select(1.0, eta * sqrt(wsq) / (sqrt(gsq) + wd * sqrt(wsq)), wsq > 0.0 && gsq > 0.0);
        v = momentum * v + lr * trust * (g + wd * p);
        p = p - v;`);
    },
    reference({ p, g, state, h }) {
      const norm = (x: Float64Array) => Math.sqrt(x.reduce((a, b) => a + b * b, 0));
      const [wn, gn] = [norm(p), norm(g)];
      const trust = wn > 0 && gn > 0 ? (h.eta * wn) / (gn + h.wd * wn) : 1;
      for (let i = 0; i < p.length; i++) {
        state.v[i] = h.momentum * state.v[i] + h.lr * trust * (g[i] + h.wd * p[i]);
        p[i] -= state.v[i];
      }
    },
  },
};
registerOptimizer(lars);

const gpu = await Gpu.open();
// The check the suite runs on the built-ins: 25 steps of awkward gradients, every value
// against the reference.
const check = await checkAgainstReference(gpu, lars);
console.log(`lars: check against its reference ${check.pass ? 'passed' : `FAILED: ${check.failures[0]}`}`);
if (!check.pass) process.exit(1);
const data = uploadDataset(gpu, await loadDataset('mnist'));
const group = new TrainingGroup(gpu, data, { sizes: [784, 128, 128, 10], batch: 128, trainCount: 10_000, validationCount: 0 }, [
  { seed: 1, optimizer: { optimizer: 'lars' }, dropout: 0 },
]);
await group.trainEpoch(0);
console.log(`lars: test accuracy ${(await group.evaluate(data.test))[0].accuracy.toFixed(4)}`);
group.destroy();
gpu.destroy();
