// Launcher of shaders/dropout.wgsl: inverted dropout in place, per-trial seed, keep
// probability and step read from a params buffer (layout: DROPOUT_PARAM_WORDS u32 words
// per trial: seed, keep as f32 bits, step, 1 / keep as f32 bits).
import type { Gpu } from './gpu.ts';
import { assertCount, strideGroups } from './grid.ts';
import { off, stride, type Operand } from './operand.ts';

const WG = 64;
export const DROPOUT_PARAM_WORDS = 4;

export function dropout(gpu: Gpu, y: Operand, n: number, trials: number, params: Operand, stream: number): void {
  assertCount('dropout', 'n', n);
  assertCount('dropout', 'trials', trials);
  const groups = strideGroups(gpu, n, WG);
  const u = new Uint32Array([n, off(y), stride(y), groups, off(params), stride(params), stream, 0]);
  const kernel = gpu.kernel({ name: 'dropout', file: 'dropout', includes: ['rng'] });
  gpu.dispatch(kernel, { uniforms: u, buffers: [y.buf, params.buf], workgroups: [groups, 1, trials] });
}

/** One trial's words of the params buffer. */
export function dropoutParams(seed: number, keep: number, step: number): Uint32Array {
  const w = new Uint32Array(DROPOUT_PARAM_WORDS);
  const f = new Float32Array(w.buffer);
  w[0] = seed >>> 0;
  f[1] = keep;
  w[2] = step >>> 0;
  f[3] = keep >= 1 ? 1 : 1 / keep;
  return w;
}
