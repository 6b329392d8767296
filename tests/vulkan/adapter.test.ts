// The Vulkan leg opens what a GPU machine opens: Dawn's Vulkan backend at core feature
// level with timestamp queries, here on SwiftShader, and nothing else.
import { describe, expect, it } from 'vitest';
import { Gpu } from '../../src/kernels/gpu.ts';
import { SWIFTSHADER_LEG, useGpu } from '../helpers/gpu.ts';

const gpu = useGpu();

describe('the Vulkan leg', () => {
  it('runs as the Vulkan leg, with the Vulkan backend forced', () => {
    expect(SWIFTSHADER_LEG).toBe(true);
    expect(process.env.OPTBENCH_BACKEND).toBe('vulkan');
  });

  it('opens SwiftShader through Dawn\'s Vulkan backend at core feature level, with timestamp queries', () => {
    const g = gpu();
    expect(g.report.backend).toBe('vulkan');
    expect(g.report.featureLevel).toBe('core');
    expect(g.report.isCpu).toBe(true);
    expect(`${g.report.vendor} ${g.report.description}`.toLowerCase()).toContain('swiftshader');
    expect(g.hasTimestamps).toBe(true);
    expect(g.describe()).toMatch(/swiftshader.*\| backend vulkan \(core\) \| CPU \(software\) \| timing: timestamp-query$/i);
  });

  it('has core-level limits, above those a compatibility-mode device gets by default', () => {
    // Core feature level guarantees 256 invocations and 16 KiB of workgroup memory; the
    // OpenGL ES device of the other leg gets 128 invocations unless it asks for more.
    // (runtime.test.ts checks that the device holds the adapter's limits, in both legs.)
    expect(gpu().limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    expect(gpu().limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
  });

  it('never falls back: a device asked for with no backend named opens on Vulkan too', async () => {
    const g = await Gpu.open();
    try {
      expect(g.report.backend).toBe('vulkan');
    } finally {
      g.destroy();
    }
  });
});
