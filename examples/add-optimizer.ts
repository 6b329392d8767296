// Add a fused optimizer: one spec, registered by name, then used like any built-in.
// Lion (Chen et al. 2023): c = b1 m + (1-b1) g; p -= lr (sign(c) + wd p); m = b2 m + (1-b2) g.
// Run: npx tsx examples/add-optimizer.ts
import '../src/platform/node.ts'; // the engine's Node side (a web page imports src/platform/browser.ts)
import { loadDataset } from '../src/bench/data/datasets.ts';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { TrainingGroup } from '../src/bench/study/trainer.ts';
import { Gpu } from '../src/kernels/gpu.ts';
import { registerOptimizer } from '../src/optim/registry.ts';

registerOptimizer({
  name: 'lion',
  description: 'Lion: sign of an interpolated momentum, decoupled weight decay',
  slots: [{ name: 'm' }],
  hyper: {
    lr: { default: 1e-4, min: 0, max: 1, minExclusive: true, doc: 'learning rate' },
    beta1: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'interpolation factor' },
    beta2: { default: 0.99, min: 0, max: 1, maxExclusive: true, doc: 'momentum decay' },
    wd: { default: 0, min: 0, max: 1, doc: 'decoupled weight decay' },
  },
  // Per element; g, var p, var m and every hyperparameter are f32 in scope.
  wgsl: `
    let c = beta1 * m + (1.0 - beta1) * g;
    p = p - lr * (sign(c) + wd * p);
    m = beta2 * m + (1.0 - beta2) * g;`,
  // The same rule in TypeScript: the tests' reference.
  reference(p, g, s, h) {
    const c = h.beta1 * s.m + (1 - h.beta1) * g;
    s.m = h.beta2 * s.m + (1 - h.beta2) * g;
    return p - h.lr * (Math.sign(c) + h.wd * p);
  },
});

const gpu = await Gpu.open();
const data = uploadDataset(gpu, await loadDataset('mnist'));
const group = new TrainingGroup(gpu, data, { sizes: [784, 128, 128, 10], batch: 128, trainCount: 10_000, validationCount: 0 }, [
  { seed: 1, optimizer: { optimizer: 'lion', hyper: { lr: 3e-4 } }, dropout: 0 },
]);
await group.trainEpoch(0);
console.log(`lion: test accuracy ${(await group.evaluate(data.test))[0].accuracy.toFixed(4)}`);
group.destroy();
gpu.destroy();
