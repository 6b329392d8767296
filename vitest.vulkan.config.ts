// The Vulkan test leg (npm run test:vulkan; CI runs it after npm test): the GPU code path,
// Dawn's Vulkan backend at core feature level with timestamp queries, on SwiftShader's CPU
// Vulkan driver (Debian: apt-get install --no-install-recommends chromium-common). Every
// device opens on Vulkan or the test fails: OPTBENCH_BACKEND=vulkan, never a fallback.
//
// SwiftShader runs kernels about 100x slower than llvmpipe and takes up to a few
// CPU-seconds to compile a pipeline, so the leg runs the files below (kernels, autograd,
// optimizers, runtime errors and device loss, matmul with every tuner candidate, batched
// training, and tests/vulkan/: adapter, timestamp profiler, training against llvmpipe,
// out-of-bounds behaviour, missing drivers), with shapes chosen for it where the llvmpipe
// leg's would take too long (tests/helpers/gpu.ts: SWIFTSHADER_LEG). About 350 CPU-seconds
// on the 2-core development VM.
//
// Run one file on both backends: npx vitest run tests/x.test.ts; npm run test:vulkan -- tests/x.test.ts
import { defineConfig } from 'vitest/config';
import { swiftShaderEnv } from './src/platform/vulkan-drivers.ts';

// The workers inherit this environment (LD_LIBRARY_PATH counts only when a process starts,
// so it is set here, before vitest starts them). Throws one line when SwiftShader is missing.
Object.assign(process.env, swiftShaderEnv(), { OPTBENCH_TEST_LEG: 'swiftshader' });

export default defineConfig({
  test: {
    include: [
      'tests/vulkan/**/*.test.ts',
      'tests/kernels.test.ts',
      'tests/runtime.test.ts',
      'tests/nn.test.ts',
      'tests/optimizers.test.ts',
      'tests/matmul.test.ts',
      'tests/batched.test.ts',
    ],
    pool: 'forks',
    // The engine's Node side (src/kernels/platform.ts), installed before every test file.
    setupFiles: ['src/platform/node.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
