import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { sizeClass } from '../src/kernels/buffer-pool.ts';
import { boundsChecksFromEnv, dawnToggles, openDevice } from '../src/kernels/device.ts';
import { axpy, fill } from '../src/kernels/elementwise.ts';
import { GpuDeviceLostError, GpuUnavailableError, GpuValidationError, ShaderCompileError } from '../src/kernels/errors.ts';
import { Gpu } from '../src/kernels/gpu.ts';
import { specialize } from '../src/kernels/shader-source.ts';
import { useGpu } from './helpers/gpu.ts';

const gpu = useGpu();

describe('device acquisition', () => {
  it('finds an adapter here and reports what it runs on', () => {
    const r = gpu().report;
    expect(r.backend).toMatch(/^(vulkan|metal|d3d12|opengles|opengl)$/);
    expect(r.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
    expect(r.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    expect(gpu().describe()).toContain(r.backend);
    // This project's CI machines have no GPU: the suite must run on the software fallback.
    if (process.env.CI_EXPECT_CPU_FALLBACK) {
      expect(r.backend).toBe('opengles');
      expect(r.featureLevel).toBe('compatibility');
      expect(r.isCpu).toBe(true);
    }
  });

  it('gives the device the limits the adapter offers, not WebGPU\'s defaults', async () => {
    const { adapter, device, report } = await openDevice();
    try {
      for (const [name, value] of Object.entries(report.limits)) {
        expect(device.limits[name as keyof GPUSupportedLimits], name).toBe(adapter.limits[name as keyof GPUSupportedLimits]);
        expect(value, name).toBe(adapter.limits[name as keyof GPUSupportedLimits]);
      }
    } finally {
      device.destroy();
    }
  });

  it('a forced backend that does not exist here is one line saying so', async () => {
    const other = process.platform === 'darwin' ? 'd3d12' : 'metal';
    const err = await openDevice(other).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuUnavailableError);
    expect((err as Error).message).toMatch(new RegExp(`^no WebGPU adapter for backend '${other}': \\w+ exists only on (macOS|Windows)$`));
  });
});

describe('Dawn toggles', () => {
  it('asks for unquantized timestamps and for no index clamping in one flag per list', () => {
    expect(dawnToggles({ exactTimestamps: false, boundsChecks: true })).toEqual([]);
    expect(dawnToggles({ exactTimestamps: false, boundsChecks: false })).toEqual(['enable-dawn-features=allow_unsafe_apis,disable_robustness']);
    expect(dawnToggles({ exactTimestamps: true, boundsChecks: true })).toEqual(['enable-dawn-features=allow_unsafe_apis', 'disable-dawn-features=timestamp_quantization']);
    expect(dawnToggles({ exactTimestamps: true, boundsChecks: false })).toEqual([
      'enable-dawn-features=allow_unsafe_apis,disable_robustness',
      'disable-dawn-features=timestamp_quantization',
    ]);
  });

  it('clamps indices only when asked: OPTBENCH_BOUNDS_CHECKS=1, and then a read past the end gives the last element', async () => {
    expect(boundsChecksFromEnv({})).toBe(false);
    expect(boundsChecksFromEnv({ OPTBENCH_BOUNDS_CHECKS: '0' })).toBe(false);
    expect(boundsChecksFromEnv({ OPTBENCH_BOUNDS_CHECKS: '1' })).toBe(true);
    expect(gpu().boundsChecks).toBe(false); // the suite runs as training does
    const g = await Gpu.open({ boundsChecks: true });
    try {
      expect(g.boundsChecks).toBe(true);
      const src = g.upload(Float32Array.from([1, 2, 3, 4]), 'four');
      const dst = g.upload(new Float32Array(4), 'out');
      // Binding 1 holds exactly four floats; the kernel reads element 1000 of it.
      const code = `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> b: array<f32>;
@compute @workgroup_size(1) fn main() { let i = arrayLength(&a) + 996u; b[0] = a[i]; }`;
      const k = await g.compile({ name: 'read_past_end', code });
      g.dispatch(k, { buffers: [{ buf: src, offset: 0, size: 16 }, dst], workgroups: [1] });
      expect((await g.readF32(dst, 0, 1))[0]).toBe(4);
    } finally {
      g.destroy();
    }
  });
});

describe('device lifetime', () => {
  // Dawn's event pump holds a raw pointer to its instance: were the instance collected with
  // the OpenedDevice that named it, the next promise on the device would pump freed memory
  // (a hang here, an abort in glibc on other machines). device.ts holds every instance.
  it('a destroyed device whose OpenedDevice was collected still settles its promises', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const devices: GPUDevice[] = [];
    for (let i = 0; i < 8; i++) {
      const d = (await openDevice()).device;
      d.destroy();
      devices.push(d);
    }
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const d of devices) {
      d.pushErrorScope('validation');
      d.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
      expect(await d.popErrorScope()).toBeNull(); // a destroyed device reports no errors
      await d.queue.onSubmittedWorkDone();
    }
  }, 60_000);
});

describe('recorded work', () => {
  it('replays the commands it recorded, after what came before, as often as asked', async () => {
    const g = gpu();
    const x = g.upload(Float32Array.from({ length: 64 }, (_, i) => i), 'x');
    const y = g.upload(new Float32Array(64), 'y');
    const work = g.record(() => axpy(g, 0.5, { buf: x }, { buf: y }, 64, 1)); // y += 0.5 x
    g.write(x, Float32Array.from({ length: 64 }, (_, i) => 2 * i)); // after the recorded axpy
    for (let r = 0; r < 3; r++) g.replay(work);
    const out = await g.readF32(y, 0, 64);
    expect(Array.from(out)).toEqual(Array.from({ length: 64 }, (_, i) => 0.5 * i + 3 * 0.5 * 2 * i));
    g.forget(work);
    g.release(x);
    g.release(y);
  });

  it('refuses a buffer write or a flush inside record(): they would submit what it records', () => {
    const g = gpu();
    const b = g.buffer(64, 'b');
    expect(() => g.record(() => g.write(b, new Float32Array(16)))).toThrow(/inside Gpu.record/);
    expect(() => g.record(() => g.flush())).toThrow(/inside Gpu.record/);
    expect(() => g.record(() => g.record(() => {}))).toThrow(/already recording/);
    g.write(b, new Float32Array(16)); // recording ended with the error
    g.release(b);
  });

  it('keeps the uniform buffers its dispatches bind while the uniform cache turns over', async () => {
    const g = gpu();
    const y = g.upload(new Float32Array(16), 'y');
    const work = g.record(() => fill(g, { buf: y }, 16, 1, 7));
    // 8,200 other uniform contents: the cache (8,192) is emptied once, its buffers go back
    // to the pool, and trim() destroys every pooled buffer.
    const scratch = g.buffer(16, 'scratch');
    for (let i = 0; i < 8200; i++) fill(g, { buf: scratch }, 4, 1, i);
    await g.sync();
    g.pool.trim();
    g.write(y, new Float32Array(16));
    g.replay(work);
    expect(Array.from(await g.readF32(y, 0, 16))).toEqual(new Array(16).fill(7));
    g.forget(work);
    g.release(y);
    g.release(scratch);
  });
});

describe('errors surface as exceptions', () => {
  it('a broken shader fails to compile with the WGSL message', async () => {
    const g = gpu();
    const code = '@compute @workgroup_size(1) fn main() { let x: f32 = undefined_thing; }';
    const err = await g.compile({ name: 'broken', code }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShaderCompileError);
    expect(String((err as Error).message)).toMatch(/broken.*undefined_thing/s);
  });

  it('a broken shader that nobody awaited fails the next sync', async () => {
    const g = gpu();
    g.kernel({ name: 'broken2', code: '@compute @workgroup_size(1) fn main() { oops }' });
    await expect(g.sync()).rejects.toThrow(ShaderCompileError);
    await g.sync(); // reported once, then the runtime is usable again
  });

  it('an invalid dispatch (one buffer bound writable and read-only) fails at sync', async () => {
    const g = gpu();
    const b = g.buffer(4096, 'aliased');
    axpy(g, 1, { buf: b }, { buf: b }, 16, 1);
    await expect(g.sync()).rejects.toThrow(GpuValidationError);
    await g.sync();
  });

  it('a device lost under the runtime (as in a driver reset) fails the next sync and every later call, naming the reason', async () => {
    const g = await Gpu.open();
    try {
      const b = g.upload(new Float32Array(16), 'before-loss');
      g.device.destroy(); // not through Gpu.destroy(): the runtime did not ask for it
      fill(g, { buf: b }, 16, 1, 3);
      await expect(g.sync()).rejects.toThrow(GpuDeviceLostError);
      await expect(g.sync()).rejects.toThrow(/^GPU device lost \(destroyed: /);
      expect(() => g.buffer(64, 'after-loss')).toThrow(GpuDeviceLostError);
      await expect(g.readF32(b)).rejects.toThrow(GpuDeviceLostError);
    } finally {
      g.destroy();
    }
  });

  it('an out-of-range workgroup count is refused before it reaches Dawn', () => {
    const g = gpu();
    const k = g.kernel({ name: 'fill', file: 'elementwise', entry: 'fill' });
    expect(() => g.dispatch(k, { buffers: [g.buffer(64, 'x')], workgroups: [1e6] })).toThrow(/workgroups/);
  });
});

describe('buffer pool', () => {
  it('size classes waste at most 25%', () => {
    for (const n of [1, 255, 257, 1000, 4096, 4097, 123457, 47040000]) {
      const c = sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c).toBeLessThanOrEqual(Math.max(256, n * 1.25 + 256));
    }
  });

  it('reuses released buffers after a submit and does not leak across many steps', async () => {
    const g = gpu();
    let before = g.pool.snapshot();
    for (let step = 0; step < 201; step++) {
      if (step === 1) {
        await g.sync();
        before = g.pool.snapshot(); // after one warm-up step has cached its uniforms
      }
      const a = g.buffer(4000, 'tmp-a');
      const b = g.buffer(12000, 'tmp-b');
      // Same shapes and values each step, as in training: uniforms are cached by content.
      fill(g, { buf: a }, 1000, 1, 1);
      fill(g, { buf: b }, 3000, 1, 2);
      g.release(a);
      g.release(b);
      g.flush();
    }
    await g.sync();
    const after = g.pool.snapshot();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.created - before.created).toBeLessThanOrEqual(2);
    expect(after.reused - before.reused).toBeGreaterThanOrEqual(398);
  });

  it('keeps recorded work ordered around buffer writes', async () => {
    const g = gpu();
    const b = g.buffer(16, 'ordered');
    const acc = g.upload(new Float32Array([0.5, 0.5, 0.5, 0.5]), 'acc');
    g.write(b, new Float32Array([1, 1, 1, 1])); // must land before the axpy reads b
    axpy(g, 2, { buf: b }, { buf: acc }, 4, 1);
    fill(g, { buf: b }, 4, 1, 5); // must run after the axpy read b
    g.write(b, new Float32Array([7, 7, 7, 7])); // must land after the fill
    expect(Array.from(await g.readF32(b))).toEqual([7, 7, 7, 7]);
    // acc = 2 * 1 + 0.5: the axpy saw the first write, not the fill (5) or the second write (7).
    expect(Array.from(await g.readF32(acc))).toEqual([2.5, 2.5, 2.5, 2.5]);
  });
});

describe('shader specialization', () => {
  it('overrides typed constants by name and refuses unknown ones', () => {
    const src = 'const TILE: u32 = 4u;\nconst ON: bool = false;\nconst S: f32 = 1.0;';
    expect(specialize(src, { TILE: 8, ON: true, S: 2 })).toBe('const TILE: u32 = 8u;\nconst ON: bool = true;\nconst S: f32 = 2.0f;');
    expect(() => specialize(src, { NOPE: 1 })).toThrow(/NOPE/);
    expect(() => specialize(src, { TILE: -1 })).toThrow(/u32/);
  });
});

describe('profiling', () => {
  it('reuses released buffers while work waits for sync (no allocation per step)', async () => {
    const g = await Gpu.open({ profile: true });
    try {
      const acc = g.upload(new Float32Array(1000), 'acc');
      for (let step = 0; step < 100; step++) {
        const tmp = g.buffer(4000, 'step-temporary');
        fill(g, { buf: tmp }, 1000, 1, 1);
        axpy(g, 1, { buf: tmp }, { buf: acc }, 1000, 1);
        g.release(tmp);
        g.flush(); // recorded, not submitted: profiling submits at sync()
      }
      expect(g.pool.snapshot().created).toBeLessThanOrEqual(6);
      // ...and the reuse kept every step's work intact.
      expect(Array.from(await g.readF32(acc, 0, 3))).toEqual([100, 100, 100]);
    } finally {
      g.destroy();
    }
  });

  it('times each kernel by name', async () => {
    const g = await Gpu.open({ profile: true });
    try {
      const a = g.buffer(4 * 100_000, 'a');
      for (let i = 0; i < 5; i++) fill(g, { buf: a }, 100_000, 1, i);
      axpy(g, 1, { buf: g.buffer(400_000, 'x') }, { buf: a }, 100_000, 1);
      expect(Array.from(await g.readF32(a, 0, 2))).toEqual([4, 4]);
      const rows = g.profile!.report();
      const fillRow = rows.find((r) => r.kernel === 'fill')!;
      // The pipeline's first call (driver compilation) is counted apart from the other four.
      expect(fillRow.calls).toBe(4);
      const axpyRow = rows.find((r) => r.kernel === 'axpy')!;
      expect(axpyRow.calls).toBe(0);
      // Times hold at any timestamp resolution: a 100,000-element fill can read 0 ms where
      // timestamps are quantized (Dawn's default on GPUs), so only >= 0 and consistent.
      for (const r of [fillRow, axpyRow]) {
        expect(r.totalMs).toBeGreaterThanOrEqual(0);
        expect(r.firstCallsMs).toBeGreaterThanOrEqual(0);
        expect(r.meanUs).toBeCloseTo(r.calls ? (1000 * r.totalMs) / r.calls : 0, 9);
      }
      const total = rows.reduce((s, r) => s + r.totalMs, 0);
      expect(rows.reduce((s, r) => s + r.share, 0)).toBeCloseTo(total > 0 ? 1 : 0, 6);
    } finally {
      g.destroy();
    }
  });
});
