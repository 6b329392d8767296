// Launchers of shaders/elementwise.wgsl: fill, scale, axpy, relu and its backward, over `n`
// elements per trial for `trials` trials.
import type { Gpu } from './gpu.ts';
import { assertCount, strideGroups } from './grid.ts';
import { off, stride, type Operand } from './operand.ts';

const WG = 64;

type Entry = 'fill' | 'scale' | 'axpy' | 'relu' | 'relu_bwd';

function launch(gpu: Gpu, entry: Entry, n: number, trials: number, alpha: number, y: Operand, x?: Operand, z?: Operand): void {
  assertCount(entry, 'n', n);
  assertCount(entry, 'trials', trials);
  const groups = strideGroups(gpu, n, WG);
  const u = new ArrayBuffer(48);
  const w = new Uint32Array(u);
  w.set([n, 0, groups, 0, off(y), stride(y), x ? off(x) : 0, x ? stride(x) : 0, z ? off(z) : 0, z ? stride(z) : 0]);
  new Float32Array(u)[1] = alpha;
  const kernel = gpu.kernel({ name: entry, file: 'elementwise', entry });
  const buffers = [y.buf];
  if (x) buffers.push(x.buf);
  if (z) buffers.push(z.buf);
  gpu.dispatch(kernel, { uniforms: w, buffers, workgroups: [groups, 1, trials] });
}

export function fill(gpu: Gpu, y: Operand, n: number, trials: number, value: number): void {
  launch(gpu, 'fill', n, trials, value, y);
}

export function scale(gpu: Gpu, y: Operand, n: number, trials: number, alpha: number): void {
  launch(gpu, 'scale', n, trials, alpha, y);
}

/** y = alpha * x + y */
export function axpy(gpu: Gpu, alpha: number, x: Operand, y: Operand, n: number, trials: number): void {
  launch(gpu, 'axpy', n, trials, alpha, y, x);
}

/** y = max(x, 0) */
export function relu(gpu: Gpu, x: Operand, y: Operand, n: number, trials: number): void {
  launch(gpu, 'relu', n, trials, 0, y, x);
}

/** dx = dy * (out > 0), with `out` the ReLU's output. */
export function reluBackward(gpu: Gpu, dy: Operand, out: Operand, dx: Operand, n: number, trials: number): void {
  launch(gpu, 'relu_bwd', n, trials, 0, dx, dy, out);
}
