// Grid sizing shared by the launchers of grid-stride kernels.

import type { Gpu } from './gpu.ts';

/** Workgroups along x for `n` elements per trial in a grid-stride kernel: enough to cover
 * n, capped per adapter (each invocation then loops). On llvmpipe every workgroup is a task
 * for its thread pool: a 128x128 ReLU took ~0.14 ms as 256 workgroups and ~0.09 ms as 2 to
 * 8; a GPU wants many workgroups in flight. */
export function strideGroups(gpu: Gpu, n: number, wg: number): number {
  const cap = gpu.report.isCpu ? 8 : 4096;
  return Math.max(1, Math.min(Math.ceil(n / wg), cap));
}

export function assertCount(kernel: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${kernel}: ${name} must be a positive integer, got ${v}`);
}
