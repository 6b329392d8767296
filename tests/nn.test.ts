import { describe, expect, it } from 'vitest';
import { Tape } from '../src/autograd/tape.ts';
import { Tensor } from '../src/autograd/tensor.ts';
import { dropout, linear } from '../src/autograd/ops.ts';
import { DropoutState } from '../src/nn/dropout.ts';
import { softmaxCrossEntropyLoss } from '../src/nn/loss.ts';
import { MLP } from '../src/nn/mlp.ts';
import { mlpLossRef } from '../src/nn/reference.ts';
import { matmulRef } from '../src/kernels/reference.ts';
import { STATS_WORDS } from '../src/kernels/softmax-ce.ts';
import { useGpu } from './helpers/gpu.ts';
import { concat, randomF32, randomU32 } from './helpers/random.ts';

const gpu = useGpu();

describe('MLP gradients against central differences of a float64 reference', () => {
  for (const withDropout of [false, true]) {
    it(`sizes 7-5-4-3, 6 rows, 2 trials${withDropout ? ', dropout 0.3 on trial 1' : ''}`, async () => {
      const g = gpu();
      const sizes = [7, 5, 4, 3], rows = 6, T = 2, step = 9;
      const seeds = [11, 12];
      const model = new MLP(g, { sizes }, T);
      model.initialize(seeds);
      const xs = Array.from({ length: T }, (_, t) => randomF32(rows * sizes[0], 40 + t, 0, 1));
      const ys = Array.from({ length: T }, (_, t) => randomU32(rows, 50 + t, sizes[3]));
      const x = new Tensor(g, g.upload(concat(xs), 'x'), [rows, sizes[0]], T);
      const y = new Tensor(g, g.upload(Uint32Array.from(ys.flatMap((a) => Array.from(a))), 'y'), [rows], T, 0, rows, 'u32');
      const rates = withDropout ? [0, 0.3] : [0, 0];
      const drop = new DropoutState(g, seeds, rates);
      drop.setStep(step);
      const stats = g.upload(new Float32Array(T * STATS_WORDS), 'stats');
      const tape = new Tape(g);
      softmaxCrossEntropyLoss(tape, model.forward(tape, x, drop), y, { buf: stats });
      tape.backward();
      const grads = await model.arena.read('grads');
      const params = await model.arena.read('params');
      const s = await g.readF32(stats);
      tape.release();
      for (let t = 0; t < T; t++) {
        const p = Float64Array.from(params[t]);
        const ref = (q: Float64Array) =>
          mlpLossRef({ sizes, params: q, arena: model.arena, x: xs[t], labels: ys[t], rows, dropout: rates[t] > 0 ? { seed: seeds[t], rate: rates[t], step } : undefined });
        // The GPU's loss is the same function.
        expect(Math.abs(s[t * 4] / rows - ref(p))).toBeLessThan(1e-5);
        const h = 1e-6;
        for (const slot of model.arena.slots) {
          for (let e = 0; e < slot.size; e++) {
            const i = slot.offset + e;
            const save = p[i];
            p[i] = save + h;
            const up = ref(p);
            p[i] = save - h;
            const down = ref(p);
            p[i] = save;
            const fd = (up - down) / (2 * h);
            // float32 gradients of O(1) terms: 1e-5 absolute, 1e-3 relative.
            expect(Math.abs(grads[t][i] - fd), `trial ${t} ${slot.name}[${e}]: gpu ${grads[t][i]} fd ${fd}`).toBeLessThanOrEqual(1e-5 + 1e-3 * Math.abs(fd));
          }
        }
      }
      drop.destroy();
      model.destroy();
    });
  }
});

describe('layer backward passes against their references', () => {
  it('linear + ReLU + dropout: dW, db and dx (fused and unfused mask paths)', async () => {
    const g = gpu();
    const rows = 5, fin = 6, fout = 8, T = 2;
    const model = new MLP(g, { sizes: [fin, fout, 3] }, T);
    model.initialize([1, 2]);
    const W = model.arena.tensor('W1'), b = model.arena.tensor('b1');
    const xs = Array.from({ length: T }, (_, t) => randomF32(rows * fin, 70 + t));
    const dys = Array.from({ length: T }, (_, t) => randomF32(rows * fout, 80 + t));
    const drop = new DropoutState(g, [5, 6], [0.5, 0.25]);
    drop.setStep(3);
    const params = await model.arena.read();
    for (const fused of [false, true]) {
      const tape = new Tape(g);
      const x = new Tensor(g, g.upload(concat(xs), 'x'), [rows, fin], T, 0, rows * fin, 'f32', true);
      const h = dropout(tape, linear(tape, x, W, b, { relu: true }), drop.operand, 16);
      const out = await h.read();
      if (fused) {
        // A consumer's input-gradient matmul applies h's mask: feed it through an identity layer.
        const I = new Tensor(g, g.upload(concat(Array.from({ length: T }, () => Float32Array.from({ length: fout * fout }, (_, k) => (k % (fout + 1) === 0 ? 1 : 0)))), 'I'), [fout, fout], T, 0, fout * fout);
        const z = new Tensor(g, g.upload(new Float32Array(T * fout), 'zb'), [fout], T, 0, fout);
        const o = linear(tape, h, I, z, { relu: false });
        o.grad = new Tensor(g, g.upload(concat(dys), 'dy'), [rows, fout], T);
      } else {
        h.grad = new Tensor(g, g.upload(concat(dys), 'dy'), [rows, fout], T);
      }
      tape.backward();
      // backward() gives the input (requiresGrad) a gradient of its own shape.
      expect(x.grad?.shape).toEqual([rows, fin]);
      const [dW, dx] = [await model.arena.read('grads'), await x.grad!.read()];
      for (let t = 0; t < T; t++) {
        const Wt = model.arena.pick(params[t], 'W1');
        // Reference: d(pre) = dy * mask/keep * (pre > 0), read off the forward output.
        const keep = Math.fround(1 - [0.5, 0.25][t]);
        const dpre = Float32Array.from(dys[t], (d, e) => (out[t][e] > 0 ? d / keep : 0));
        const dWref = matmulRef({ form: 'TN', M: fin, N: fout, K: rows, trials: 1, a: [xs[t]], b: [dpre] })[0];
        const dxRef = matmulRef({ form: 'NT', M: rows, N: fin, K: fout, trials: 1, a: [dpre], b: [Wt] })[0];
        const gW = model.arena.pick(dW[t], 'W1');
        const gb = model.arena.pick(dW[t], 'b1');
        for (let e = 0; e < gW.length; e++) expect(Math.abs(gW[e] - dWref[e])).toBeLessThan(1e-5);
        for (let j = 0; j < fout; j++) {
          let col = 0;
          for (let i = 0; i < rows; i++) col += dpre[i * fout + j];
          expect(Math.abs(gb[j] - col)).toBeLessThan(1e-5);
        }
        for (let e = 0; e < dxRef.length; e++) expect(Math.abs(dx[t][e] - dxRef[e])).toBeLessThan(1e-5);
      }
      tape.release();
    }
    drop.destroy();
    model.destroy();
  });

  it('Glorot initialization: limits, zero biases, one set of weights per seed', async () => {
    const g = gpu();
    const model = new MLP(g, { sizes: [784, 128, 10] }, 3);
    model.initialize([1, 2, 1]);
    const p = await model.arena.read();
    // Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), written out.
    for (const [name, lim] of [['W1', Math.sqrt(6 / (784 + 128))], ['W2', Math.sqrt(6 / (128 + 10))]] as const) {
      const W = model.arena.pick(p[0], name);
      const top = Math.max(...W.map(Math.abs));
      // The largest of n uniform draws sits within a few 1/n of the limit (n >= 1280 here).
      expect(top, name).toBeLessThanOrEqual(Math.fround(lim));
      expect(top, name).toBeGreaterThan((1 - 10 / W.length) * lim);
      // Uniform on [-l, l]: mean 0, variance l^2/3; the sample variance's relative standard
      // error is sqrt(0.8 / n) <= 2.5%: within 5 standard errors.
      const v = W.reduce((s, w) => s + w * w, 0) / W.length;
      expect(Math.abs(v / ((lim * lim) / 3) - 1), name).toBeLessThan(5 * Math.sqrt(0.8 / W.length));
      const mean = W.reduce((s, w) => s + w, 0) / W.length;
      expect(Math.abs(mean), name).toBeLessThan(5 * lim / Math.sqrt(3 * W.length));
    }
    expect(Array.from(model.arena.pick(p[0], 'b1')).every((b) => b === 0)).toBe(true);
    expect(Array.from(model.arena.pick(p[0], 'b2')).every((b) => b === 0)).toBe(true);
    expect(Array.from(p[2])).toEqual(Array.from(p[0]));
    expect(Array.from(p[1])).not.toEqual(Array.from(p[0]));
    model.destroy();
  });

  it('He initialization: U(-l, l) with l = sqrt(6 / fan_in)', async () => {
    const g = gpu();
    const model = new MLP(g, { sizes: [784, 128, 10], init: 'he-uniform' }, 1);
    model.initialize([5]);
    const [p] = await model.arena.read();
    const W1 = model.arena.pick(p, 'W1');
    const lim = Math.sqrt(6 / 784);
    expect(Math.max(...W1.map(Math.abs))).toBeLessThanOrEqual(Math.fround(lim));
    expect(Math.max(...W1.map(Math.abs))).toBeGreaterThan((1 - 10 / W1.length) * lim);
    model.destroy();
  });
});
