// bench:kernels' rows for the optimizers with per-matrix steps: the update alone (dispatches
// and kernels of one update), a training step of Muon trials with its per-matrix share, and
// the labeled Newton-Schulz products its table times. Nothing here asserts a speed.
import { describe, expect, it } from 'vitest';
import { formatStepReport, measureTrainingStep, optimizerSetups } from '../src/bench/perf/step-report.ts';
import { formatTensorSteps, measureTensorSteps, tensorStepOptimizers } from '../src/bench/perf/tensor-steps-bench.ts';
import { labeledOptimizerShapes } from '../src/bench/study/optimizer-needs.ts';
import { NS_STEPS } from '../src/optim/specs/muon.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();
/** Dispatches of one hidden matrix's Muon step: momentum, norm, normalize, 4 per
 * Newton-Schulz iteration (Gram, square, polynomial, apply), the update. */
const PER_MATRIX = 3 + 4 * NS_STEPS + 1;

describe("bench:kernels' per-matrix optimizer steps", () => {
  it('labels each distinct Newton-Schulz product of the study MLP once', () => {
    expect(tensorStepOptimizers()).toEqual(['muon']);
    expect(labeledOptimizerShapes('muon', [784, 128, 128, 10], 3).map((m) => `${m.label}: ${m.shape.form} ${m.shape.M}x${m.shape.N}x${m.shape.K} T${m.shape.trials}`)).toEqual([
      'muon ns_gram W1: TN 128x128x784 T3',
      'muon ns_square W1: NN 128x128x128 T3',
      'muon ns_apply W1: NT 784x128x128 T3',
      'muon ns_gram W2: TN 128x128x128 T3',
      'muon ns_apply W2: NT 128x128x128 T3',
    ]);
  });

  it("an update alone: its dispatches, each kernel's calls, against adamw's", async () => {
    const r = await measureTensorSteps(gpu(), [784, 32, 16, 10], 2);
    const [row] = r.rows;
    expect(row.optimizer).toBe('muon');
    // Two hidden matrices, then one range (output layer and biases) by the per-element rule.
    expect(row.dispatchesPerUpdate).toBe(2 * PER_MATRIX + 1);
    const calls = Object.fromEntries(row.perUpdate.map((k) => [k.kernel, k.calls]));
    expect(calls).toEqual({
      'muon.momentum': 2, 'muon.norm': 2, 'muon.normalize': 2, 'muon.ns_gram': 2 * NS_STEPS, 'muon.ns_square': 2 * NS_STEPS,
      'muon.ns_poly': 2 * NS_STEPS, 'muon.ns_apply': 2 * NS_STEPS, 'muon.apply': 2, update_muon: 1,
    });
    for (const k of row.perUpdate) expect(k.ms, k.kernel).toBeGreaterThan(0);
    expect(row.msPerUpdate).toBeGreaterThan(0);
    expect(row.baselineMs).toBeGreaterThan(0);
    const text = formatTensorSteps(r).join('\n');
    expect(text).toMatch(/^ {2}muon: [\d.]+ ms per update \(49 dispatches\) = [\d.]+x adamw's element-wise [\d.]+ ms$/m);
    expect(text).toMatch(/^ {4}muon\.ns_gram +10 +[\d.]+$/m);
  });

  it('a training step of Muon trials: the per-matrix steps among its kernels, and their share', async () => {
    const step = await measureTrainingStep(gpu(), 2, 64, optimizerSetups('muon', 2));
    expect(step.mix).toBe('muon x default');
    expect(step.tensorSteps.callsPerStep).toBe(2 * PER_MATRIX); // W1 784x128 and W2 128x128
    expect(step.tensorSteps.msPerStep).toBeGreaterThan(0);
    expect(step.tensorSteps.msPerStep).toBeLessThanOrEqual(step.overhead.kernelMsPerStep);
    expect(step.perStep.map((k) => k.kernel)).toEqual(expect.arrayContaining(['muon.ns_gram', 'muon.apply', 'update_muon', 'matmul_nn_u8']));
    expect(formatStepReport(step)).toMatch(/per-matrix optimizer steps: 48 dispatches, [\d.]+ ms per step = \d+% of the per-kernel sum$/m);
  });
});
