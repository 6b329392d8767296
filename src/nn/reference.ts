// A plain TypeScript (float64) MLP: forward, loss and the same dropout masks as the GPU.
// Tests differentiate it by central differences and compare with the engine's gradients.
import { hash4, STREAM, unitF32 } from '../kernels/rng.ts';
import type { ParamArena } from './params.ts';

export interface MlpRefInput {
  sizes: number[];
  /** One trial's parameters in arena layout. */
  params: ArrayLike<number>;
  arena: ParamArena;
  /** [rows, sizes[0]] */
  x: ArrayLike<number>;
  labels: ArrayLike<number>;
  rows: number;
  /** Inverted dropout after each hidden ReLU, drawn as shaders/dropout.wgsl draws it. */
  dropout?: { seed: number; rate: number; step: number };
}

/** Mean softmax cross-entropy of the MLP on the batch. */
export function mlpLossRef(r: MlpRefInput): number {
  let h = Float64Array.from(r.x);
  const layers = r.sizes.length - 1;
  for (let l = 0; l < layers; l++) {
    const fin = r.sizes[l], fout = r.sizes[l + 1];
    const W = r.arena.slot(`W${l + 1}`), b = r.arena.slot(`b${l + 1}`);
    const out = new Float64Array(r.rows * fout);
    for (let i = 0; i < r.rows; i++) {
      for (let j = 0; j < fout; j++) {
        let s = r.params[b.offset + j];
        for (let k = 0; k < fin; k++) s += h[i * fin + k] * r.params[W.offset + k * fout + j];
        out[i * fout + j] = s;
      }
    }
    if (l + 1 < layers) {
      for (let e = 0; e < out.length; e++) out[e] = Math.max(out[e], 0);
      if (r.dropout && r.dropout.rate > 0) {
        const keep = Math.fround(1 - r.dropout.rate);
        for (let e = 0; e < out.length; e++) {
          const kept = unitF32(hash4(r.dropout.seed, STREAM.dropout + l, r.dropout.step, e)) < keep;
          out[e] = kept ? out[e] / keep : 0;
        }
      }
    }
    h = out;
  }
  const C = r.sizes[layers];
  let loss = 0;
  for (let i = 0; i < r.rows; i++) {
    const z = h.subarray(i * C, (i + 1) * C);
    const m = Math.max(...z);
    let s = 0;
    for (const v of z) s += Math.exp(v - m);
    loss += Math.log(s) + m - z[r.labels[i]];
  }
  return loss / r.rows;
}
