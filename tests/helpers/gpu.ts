// One GPU runtime per test file.
import { afterAll, beforeAll } from 'vitest';
import { Gpu } from '../../src/kernels/gpu.ts';

export function useGpu(): () => Gpu {
  let gpu: Gpu | null = null;
  beforeAll(async () => {
    gpu = await Gpu.open();
  });
  afterAll(() => {
    gpu?.destroy();
    gpu = null;
  });
  return () => {
    if (!gpu) throw new Error('GPU not open');
    return gpu;
  };
}
