// One GPU runtime per test file, and which test leg this is.
import { afterAll, beforeAll } from 'vitest';
import { Gpu } from '../../src/kernels/gpu.ts';

/**
 * True in the Vulkan leg (vitest.vulkan.config.ts): every device opens on Dawn's Vulkan
 * backend over SwiftShader, which runs kernels about 100x slower than llvmpipe and compiles
 * each pipeline in about a CPU-second. Tests use it to pick smaller shapes or fewer
 * repetitions there, never to skip what they check.
 */
export const SWIFTSHADER_LEG = process.env.OPTBENCH_TEST_LEG === 'swiftshader';

/** Fails a Vulkan-leg test whose device did not open on Vulkan (a fallback would pass unseen). */
export function assertLegBackend(gpu: Gpu): void {
  if (SWIFTSHADER_LEG && gpu.report.backend !== 'vulkan') throw new Error(`the Vulkan leg opened ${gpu.describe()}`);
}

export function useGpu(): () => Gpu {
  let gpu: Gpu | null = null;
  beforeAll(async () => {
    gpu = await Gpu.open();
    assertLegBackend(gpu);
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
