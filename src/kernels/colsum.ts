// Launcher of shaders/colsum.wgsl: y[j] = sum_i x[i, j] per trial (bias gradients).
import type { Gpu } from './gpu.ts';
import { assertCount } from './grid.ts';
import { off, stride, type Operand } from './operand.ts';

const WG = 64;

export function colsum(gpu: Gpu, x: Operand, y: Operand, rows: number, cols: number, trials: number): void {
  assertCount('colsum', 'rows', rows);
  assertCount('colsum', 'cols', cols);
  assertCount('colsum', 'trials', trials);
  const kernel = gpu.kernel({ name: 'colsum', file: 'colsum' });
  const u = new Uint32Array([rows, cols, off(x), stride(x), off(y), stride(y), 0, 0]);
  gpu.dispatch(kernel, { uniforms: u, buffers: [x.buf, y.buf], workgroups: [Math.ceil(cols / WG), 1, trials] });
}
