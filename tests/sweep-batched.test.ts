// A grid of settings trains in one group: every trial reads its own learning rate, L2
// lambda and dropout rate, so the group's numbers equal each trial trained alone.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/bench/data/datasets.ts';
import { uploadDataset } from '../src/bench/data/gpu-data.ts';
import { resolveConfig } from '../src/bench/study/config.ts';
import { planTrials } from '../src/bench/study/plan.ts';
import type { TrialSetup } from '../src/bench/study/trainer.ts';
import { expectBatchedEqualsAlone } from './helpers/alone.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();

describe('a sweep in one group', () => {
  it('trains every setting exactly as alone (lr x lambda, lr x dropout, sgd lr)', async () => {
    const g = gpu();
    const data = uploadDataset(g, await loadDataset('mnist'));
    const c = resolveConfig({ datasets: 'mnist', optimizers: 'adam,sgd', regs: 'L2,dropout', seeds: '7', hyper: ['adam.lr=1e-3,1e-2', 'sgd.lr=0.05,0.2'], lambda: '0.01,0.7', dropout: '0.1,0.5' });
    const plan = planTrials(c);
    expect(plan).toHaveLength(2 * 2 + 2 * 2 + 2 * 2 + 2 * 2);
    const setups: TrialSetup[] = plan.map((p) => ({ seed: p.seed, optimizer: p.opt, dropout: p.dropout }));
    // 300 training images in batches of 64 (a partial last batch), 100 validation, 1 epoch.
    const config = { sizes: [784, 24, 10], batch: 64, trainCount: 300, validationCount: 100, evalBatch: 64 };
    const batched = await expectBatchedEqualsAlone(g, data, config, setups, 1, 200, plan.map((p) => p.id));
    // The settings matter: the same seed with another learning rate ends elsewhere.
    const bits = (t: number) => new Uint32Array(batched.params[t].buffer);
    const lr1 = plan.findIndex((p) => p.id === 'mnist/adam/L2/lr=0.001,lambda=0.01/7');
    const lr2 = plan.findIndex((p) => p.id === 'mnist/adam/L2/lr=0.01,lambda=0.01/7');
    const lam = plan.findIndex((p) => p.id === 'mnist/adam/L2/lr=0.001,lambda=0.7/7');
    expect(bits(lr1).some((v, i) => v !== bits(lr2)[i])).toBe(true);
    expect(bits(lr1).some((v, i) => v !== bits(lam)[i])).toBe(true);
  });
});
