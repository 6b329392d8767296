// A data set resident on the GPU: uploaded once as uint8 (four bytes to a u32 word), read
// by the gather kernels through index buffers.
import type { GBuf, Gpu } from '../../kernels/gpu.ts';
import { packBytes } from '../../kernels/bytes.ts';

/** What the GPU side needs of a split (src/bench/data/datasets.ts provides it). */
export interface SplitBytes {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface GpuSplit {
  images: GBuf;
  labels: GBuf;
  count: number;
  features: number;
}

export interface GpuDataset {
  train: GpuSplit;
  test: GpuSplit;
  /** 0, 1, 2, ... (as many as the larger split): the index list of in-order evaluation. */
  identity: GBuf;
  classes: number;
}

export function uploadSplit(gpu: Gpu, s: SplitBytes, label: string): GpuSplit {
  const features = s.rows * s.cols;
  if (s.images.length !== s.count * features || s.labels.length !== s.count) throw new RangeError(`${label}: ${s.count} samples do not match the byte counts`);
  return {
    images: gpu.upload(packBytes(s.images), `${label}-images`),
    labels: gpu.upload(packBytes(s.labels), `${label}-labels`),
    count: s.count,
    features,
  };
}

export function uploadDataset(gpu: Gpu, d: { train: SplitBytes; test: SplitBytes }, classes = 10): GpuDataset {
  const n = Math.max(d.train.count, d.test.count);
  return {
    train: uploadSplit(gpu, d.train, 'train'),
    test: uploadSplit(gpu, d.test, 'test'),
    identity: gpu.upload(Uint32Array.from({ length: n }, (_, i) => i), 'identity-index'),
    classes,
  };
}

export function releaseDataset(gpu: Gpu, d: GpuDataset): void {
  for (const b of [d.train.images, d.train.labels, d.test.images, d.test.labels, d.identity]) gpu.release(b);
}
