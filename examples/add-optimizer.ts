// Add a fused optimizer from code: register a spec by name, then train with it like any
// built-in. (From the command line, `--optimizer-file examples/lion.ts` does the same for a
// whole study; see docs/extending.md.)
// Run: npx tsx examples/add-optimizer.ts
import '../src/platform/node.ts'; // the engine's Node side (a web page imports src/platform/browser.ts)
import { loadDataset } from '../src/bench/data/datasets.ts';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { TrainingGroup } from '../src/bench/study/trainer.ts';
import { Gpu } from '../src/kernels/gpu.ts';
import { registerOptimizer } from '../src/optim/registry.ts';
import lion from './lion.ts';

registerOptimizer(lion);

const gpu = await Gpu.open();
const data = uploadDataset(gpu, await loadDataset('mnist'));
const group = new TrainingGroup(gpu, data, { sizes: [784, 128, 128, 10], batch: 128, trainCount: 10_000, validationCount: 0 }, [
  { seed: 1, optimizer: { optimizer: 'lion', hyper: { lr: 3e-4 } }, dropout: 0 },
]);
await group.trainEpoch(0);
console.log(`lion: test accuracy ${(await group.evaluate(data.test))[0].accuracy.toFixed(4)}`);
group.destroy();
gpu.destroy();
