import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // tests/vulkan/ needs Dawn's Vulkan backend: the Vulkan leg (vitest.vulkan.config.ts) runs it.
    exclude: [...configDefaults.exclude, 'tests/vulkan/**'],
    // Dawn's node addon lives in one process per test file (forks, not worker threads).
    pool: 'forks',
    // The engine's Node side (src/kernels/platform.ts), installed before every test file.
    setupFiles: ['src/platform/node.ts'],
    // Each file opens its own GPU device; on the 2-core CPU fallback the kernels are slow.
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
