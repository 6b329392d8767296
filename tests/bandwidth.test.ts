// bench:kernels' optimizer-against-copy bandwidth report (src/bench/perf/bandwidth.ts): what
// each update is counted as moving, and that every figure comes from a measurement.
import { describe, expect, it } from 'vitest';
import { formatBandwidth, measureBandwidth, updateBytes } from '../src/bench/perf/bandwidth.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();

describe('optimizer bandwidth against the copy', () => {
  it('counts (3 + 2 x slots) floats a parameter', () => {
    // SGD with momentum: p, g, v read; p, v written.
    expect(updateBytes(1, 100, 3)).toBe(5 * 4 * 100 * 3);
    expect(updateBytes(0, 8, 1)).toBe(3 * 4 * 8);
  });

  it('measures each study optimizer over the trials, with its real slot count, against one copy', async () => {
    const sizes = [8, 4, 3];
    const r = await measureBandwidth(gpu(), sizes, 2);
    expect(r.trials).toBe(2);
    expect(r.updates.map((u) => [u.optimizer, u.slots])).toEqual([['sgd', 1], ['adam', 2], ['rmsprop', 1], ['custom', 3]]);
    // The arena holds 8*4 + 4 + 4*3 + 3 = 51 values a trial, padded to 52 for vec4 access.
    for (const u of r.updates) {
      expect(u.bytes).toBe(updateBytes(u.slots, 52, 2));
      expect(u.ms).toBeGreaterThan(0);
      expect(u.gbps).toBeCloseTo(u.bytes / u.ms / 1e6, 9);
      expect(u.ofCopy).toBeCloseTo(u.gbps / r.copy.gbps, 9);
    }
    expect(r.copy.bytes).toBeGreaterThanOrEqual(64 * 2 ** 20);
    expect(r.copy.gbps).toBeCloseTo((2 * r.copy.bytes) / r.copy.ms / 1e6, 9);
    const text = formatBandwidth(r).join('\n');
    expect(text).toContain(`copyBufferToBuffer of ${(r.copy.bytes / 1e6).toFixed(1)} MB`);
    for (const u of r.updates) expect(text).toMatch(new RegExp(`\\n  ${u.optimizer} +${u.slots} `));
  });
});
