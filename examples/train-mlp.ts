// Train the study's MLP from code: one epoch of Adam on 10,000 MNIST images, then the test
// accuracy. Run: npx tsx examples/train-mlp.ts
import '../src/platform/node.ts'; // the engine's Node side (a web page imports src/platform/browser.ts)
import { loadDataset } from '../src/bench/data/datasets.ts';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { TrainingGroup } from '../src/bench/study/trainer.ts';
import { Gpu } from '../src/kernels/gpu.ts';

const gpu = await Gpu.open(); // native GPU if there is one, else llvmpipe
console.log(gpu.describe());
const data = uploadDataset(gpu, await loadDataset('mnist')); // verified IDX files -> GPU, once

// Two trials trained together in the same dispatches: each has its own seed, optimizer,
// hyperparameters, L2 lambda and dropout rate. One entry is an ordinary training run.
const group = new TrainingGroup(gpu, data, { sizes: [784, 128, 128, 10], batch: 128, trainCount: 10_000, validationCount: 2_000 }, [
  { seed: 1, optimizer: { optimizer: 'adam', hyper: { lr: 1e-3 } }, dropout: 0 },
  { seed: 1, optimizer: { optimizer: 'sgd', hyper: { lr: 0.1, momentum: 0.9 }, l2: 0.7 }, dropout: 0.3 },
]);
const [adam, sgd] = await group.trainEpoch(0);
console.log(`adam: train loss ${adam.trainLoss.toFixed(4)}, validation accuracy ${adam.validation!.accuracy.toFixed(4)}`);
console.log(`sgd + L2 + dropout: train loss ${sgd.trainLoss.toFixed(4)}, validation accuracy ${sgd.validation!.accuracy.toFixed(4)}`);
const test = await group.evaluate(data.test);
console.log(`test accuracy: adam ${test[0].accuracy.toFixed(4)}, sgd ${test[1].accuracy.toFixed(4)}`);
group.destroy();
gpu.destroy();
