// Launcher of shaders/sumsq.wgsl: per trial, the sum of squares of n elements (a squared
// Frobenius norm) into one float.
import type { Gpu } from './gpu.ts';
import { assertCount } from './grid.ts';
import { off, stride, type Operand } from './operand.ts';

/** out[t] = sum_i x[t, i]^2 for i < n, per trial. `name` labels the dispatch in profiles
 * (an optimizer's per-matrix steps name theirs). */
export function sumsq(gpu: Gpu, x: Operand, out: Operand, n: number, trials: number, name = 'sumsq'): void {
  assertCount('sumsq', 'n', n);
  assertCount('sumsq', 'trials', trials);
  const kernel = gpu.kernel({ name, file: 'sumsq' });
  const u = new Uint32Array([n, off(x), stride(x), off(out), stride(out), 0, 0, 0]);
  gpu.dispatch(kernel, { uniforms: u, buffers: [x.buf, out.buf], workgroups: [1, 1, trials] });
}
