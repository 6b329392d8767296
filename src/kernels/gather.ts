// Launcher of shaders/gather.wgsl: a mini-batch of labels from a uint8 data set resident on
// the GPU, through an index buffer (images are read by the first layer's matmuls directly:
// MatmulArgs.aGather).
import type { Gpu } from './gpu.ts';
import { assertCount, strideGroups } from './grid.ts';
import { off, stride, type Operand } from './operand.ts';

const WG = 64;

export interface GatherArgs {
  /** u32 words holding the data set's bytes; `offset` here counts bytes. */
  data: Operand;
  /** Sample indices: row b of trial t reads sample idx[offset + t * trialStride + b]. */
  idx: Operand;
  out: Operand;
  rows: number;
  trials: number;
}

/** out[t, b] = data[s] (u32 labels) */
export function gatherLabels(gpu: Gpu, a: GatherArgs): void {
  assertCount('gather_labels', 'rows', a.rows);
  assertCount('gather_labels', 'trials', a.trials);
  const groups = strideGroups(gpu, a.rows, WG);
  const u = new Uint32Array([a.rows, 1, off(a.idx), stride(a.idx), off(a.out), stride(a.out), off(a.data), groups]);
  const kernel = gpu.kernel({ name: 'gather_labels', file: 'gather', entry: 'gather_labels' });
  gpu.dispatch(kernel, { uniforms: u, buffers: [a.data.buf, a.idx.buf, a.out.buf], workgroups: [groups, 1, a.trials] });
}

/** Packs bytes into u32 words (zero-padded) for upload. */
export function packBytes(bytes: Uint8Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(bytes.length / 4));
  new Uint8Array(words.buffer).set(bytes);
  return words;
}
