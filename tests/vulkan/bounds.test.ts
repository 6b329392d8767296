// What an index past the end of a binding does on each backend, as docs/kernels.md tells a
// kernel's author: with Dawn's clamps off (the engine's default), llvmpipe reads 0 and drops
// the write, so an off-by-one kernel can pass there; Vulkan reads and writes the neighbouring
// data. With OPTBENCH_BOUNDS_CHECKS=1 both clamp to the binding's last element.
import { describe, expect, it } from 'vitest';
import { Gpu } from '../../src/kernels/gpu.ts';

// Binding 0 is the first four floats (100..103) of an eight-float buffer; the kernel reads
// elements 4 and 6 of it (the buffer's 104 and 106) and writes -1 to element 5.
const CODE = `@group(0) @binding(0) var<storage, read_write> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1) fn main() {
  let n = arrayLength(&a);
  out[0] = a[n];
  out[1] = a[n + 2u];
  a[n + 1u] = -1.0;
}`;

async function pastTheEnd(backend: 'vulkan' | 'opengles', boundsChecks: boolean): Promise<{ read: number[]; buffer: number[] }> {
  const g = await Gpu.open({ backend, boundsChecks });
  try {
    const data = g.upload(Float32Array.from({ length: 8 }, (_, i) => 100 + i), 'data');
    const out = g.upload(new Float32Array(2), 'out');
    g.dispatch(await g.compile({ name: 'past_the_end', code: CODE }), { buffers: [{ buf: data, offset: 0, size: 16 }, out], workgroups: [1] });
    return { read: Array.from(await g.readF32(out, 0, 2)), buffer: Array.from(await g.readF32(data, 0, 8)) };
  } finally {
    g.destroy();
  }
}

describe('an index past the end of a binding', () => {
  it('without the clamps: Vulkan reads and writes the neighbouring data; llvmpipe reads 0 and drops the write', async () => {
    expect(await pastTheEnd('vulkan', false)).toEqual({ read: [104, 106], buffer: [100, 101, 102, 103, 104, -1, 106, 107] });
    expect(await pastTheEnd('opengles', false)).toEqual({ read: [0, 0], buffer: [100, 101, 102, 103, 104, 105, 106, 107] });
  });

  it('with the clamps (OPTBENCH_BOUNDS_CHECKS=1): both read and write the binding\'s last element', async () => {
    for (const backend of ['vulkan', 'opengles'] as const) {
      expect(await pastTheEnd(backend, true), backend).toEqual({ read: [103, 103], buffer: [100, 101, 102, -1, 104, 105, 106, 107] });
    }
  });
});
