// The GPU runtime: one device, a buffer pool, a pipeline cache, a command recorder that
// submits in batches, read-back, error surfacing and optional per-kernel profiling.
//
// Commands (dispatches, copies, buffer writes) are recorded in order and submitted at a
// flush point (end of a training step, before a read-back). A buffer write flushes what was
// recorded before it, because queue.writeBuffer runs ahead of any not-yet-submitted encoder.
import { BufferPool, GBuf } from './buffer-pool.ts';
import { openDevice, type AdapterReport, type BackendName, type OpenedDevice } from './device.ts';
import { GpuDeviceLostError, GpuValidationError, ShaderCompileError } from './errors.ts';
import { platform } from './platform.ts';
import { KernelProfile, type TimingSource } from './profiler.ts';
import { kernelSource, type ConstValue } from './shader-source.ts';

export { GBuf } from './buffer-pool.ts';

/** What a pipeline is built from. Sizes never belong here: they travel in uniforms. */
export interface KernelSpec {
  /** Name in profiles and error messages, e.g. 'matmul_nn'. */
  name: string;
  /** WGSL file in shaders/ (without .wgsl), unless `code` is given. */
  file?: string;
  /** Full WGSL source (generated kernels such as optimizers). */
  code?: string;
  entry?: string;
  consts?: Record<string, ConstValue>;
  includes?: string[];
}

export interface Kernel {
  readonly id: number;
  readonly name: string;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Resolves when the pipeline is known to be valid; rejects with ShaderCompileError. */
  readonly ready: Promise<void>;
}

export type Binding = GBuf | { buf: GBuf; offset?: number; size?: number };

export interface DispatchArgs {
  /** Bytes for the uniform at binding 0 (omit when the kernel has no uniform). */
  uniforms?: ArrayBufferView;
  /** Storage buffers, bound in order after the uniform. */
  buffers: Binding[];
  workgroups: [number, number?, number?];
}

type Command =
  | { kind: 'dispatch'; kernel: Kernel; bindGroup: GPUBindGroup; wg: [number, number, number] }
  | { kind: 'copy'; src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; size: number }
  | { kind: 'write'; dst: GPUBuffer; offset: number; data: Uint8Array<ArrayBuffer> };

/** Commands recorded once (Gpu.record) and submitted again as they are (Gpu.replay): the
 * same kernels with the same bindings, so every buffer they bind must stay the caller's
 * until forget(). What changes between replays travels in buffers written before. */
export class RecordedWork {
  constructor(
    readonly commands: readonly Command[],
    /** Uniform buffers the commands bind, kept out of the pool until forget(). */
    readonly uniforms: readonly GBuf[],
  ) {}
}

const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (numeric: usable before globals exist)
const UNIFORM = 0x40 | 0x8; // UNIFORM | COPY_DST
const READBACK = 0x1 | 0x8; // MAP_READ | COPY_DST

let nextKernelId = 1;
const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferKey = 1;
function bufferKey(b: GPUBuffer): number {
  let id = bufferIds.get(b);
  if (id === undefined) bufferIds.set(b, (id = nextBufferKey++));
  return id;
}

export interface GpuOptions {
  backend?: BackendName;
  /** Time every dispatch (timestamp queries where available, else wall clock per dispatch). */
  profile?: boolean;
  /** Open the device with unquantized timestamp queries (default: when `profile` is on). */
  exactTimestamps?: boolean;
  /** Keep Dawn's index clamping (default: OPTBENCH_BOUNDS_CHECKS). */
  boundsChecks?: boolean;
  /** WebGPU's default limits instead of the adapter's (see OpenOptions). */
  defaultLimits?: boolean;
}

export class Gpu {
  readonly device: GPUDevice;
  readonly report: AdapterReport;
  readonly pool: BufferPool;
  readonly hasTimestamps: boolean;
  /** Timestamp queries were asked to be unquantized at device creation. */
  readonly quantizationOffRequested: boolean;
  /** Dawn clamps the indices the shaders compute (off unless OPTBENCH_BOUNDS_CHECKS=1). */
  readonly boundsChecks: boolean;
  /** Per-kernel timings; present while profiling is on. */
  profile: KernelProfile | null = null;
  /** Host ms spent inside queue.submit so far (on a software adapter it includes running
   * the kernels): what a step's host time is less its recording and encoding. */
  submitMs = 0;

  private dummyBuf: GBuf | null = null;
  private kernels = new Map<string, Kernel>();
  private bindGroups = new Map<string, GPUBindGroup>();
  private uniformBuffers = new Map<string, GBuf>();
  private commands: Command[] = [];
  /** While record() runs: the uniform buffers its dispatches bind. */
  private recording: Set<GBuf> | null = null;
  /** Uniform buffers bound by recorded work, with how many RecordedWork hold each. */
  private pinned = new Map<GBuf, number>();
  /** Pinned uniform buffers dropped from the content cache meanwhile: released at unpin. */
  private evicted = new Set<GBuf>();
  private pendingChecks: Promise<void>[] = [];
  private errors: Error[] = [];
  private lostMessage: string | null = null;
  private destroyed = false;

  static async open(options: GpuOptions = {}): Promise<Gpu> {
    const gpu = new Gpu(await openDevice(options.backend, { exactTimestamps: options.exactTimestamps ?? !!options.profile, boundsChecks: options.boundsChecks, defaultLimits: options.defaultLimits }));
    if (options.profile) gpu.setProfiling(true);
    return gpu;
  }

  private constructor(opened: OpenedDevice) {
    this.device = opened.device;
    this.report = opened.report;
    this.pool = new BufferPool(this.device);
    this.hasTimestamps = this.device.features.has('timestamp-query');
    this.quantizationOffRequested = opened.quantizationOffRequested;
    this.boundsChecks = opened.boundsChecks;
    this.device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.errors.push(new GpuValidationError(e.message));
    });
    void this.device.lost.then((info) => {
      if (!this.destroyed) this.lostMessage = `${info.reason}: ${info.message}`;
    });
  }

  get limits(): Record<string, number> {
    return this.report.limits;
  }

  setProfiling(on: boolean): void {
    if (on && !this.profile) this.profile = this.newProfile();
    if (!on) this.profile = null;
  }

  /** An empty profile of this device's timing source (to swap in for a measurement). */
  newProfile(): KernelProfile {
    return new KernelProfile(this.timingSource, this.quantizationOffRequested);
  }

  get timingSource(): TimingSource {
    return this.hasTimestamps ? 'timestamp-query' : 'wall-clock';
  }

  // ---- pipelines -------------------------------------------------------------------------

  /** Builds (once) and returns the pipeline for a spec. Compile errors surface at `ready`,
   * and at the next sync() or read() if nobody awaited `ready`. */
  kernel(spec: KernelSpec): Kernel {
    const key = spec.code
      ? `${spec.name}#${spec.code}`
      : `${spec.name}|${spec.file}|${spec.entry ?? 'main'}|${JSON.stringify(spec.consts ?? {})}|${(spec.includes ?? []).join(',')}`;
    const cached = this.kernels.get(key);
    if (cached) return cached;
    this.assertUsable();
    const code = spec.code ?? kernelSource(spec.file ?? spec.name, spec.consts, spec.includes);
    const entry = spec.entry ?? 'main';
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code, label: spec.name });
    const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: entry }, label: spec.name });
    const layout = pipeline.getBindGroupLayout(0);
    const scope = this.device.popErrorScope();
    const ready = Promise.all([module.getCompilationInfo(), scope]).then(([info, err]) => {
      const msgs = info.messages.filter((m) => m.type === 'error');
      if (msgs.length) {
        const lines = code.split('\n');
        const details = msgs.map((m) => `line ${m.lineNum}:${m.linePos}: ${m.message}  >> ${(lines[m.lineNum - 1] ?? '').trim()}`).join('; ');
        throw new ShaderCompileError(spec.name, details);
      }
      if (err) throw new ShaderCompileError(spec.name, err.message);
    });
    ready.catch(() => {}); // observed through pendingChecks or by the caller
    const k: Kernel = { id: nextKernelId++, name: spec.name, pipeline, layout, ready };
    this.kernels.set(key, k);
    this.pendingChecks.push(ready);
    if (platform().env('OPTBENCH_PRINT_WGSL')) platform().diagnostic(`// ---- ${spec.name} (${entry})\n${code}\n`);
    return k;
  }

  /** Builds a kernel and waits until it is known to compile. */
  async compile(spec: KernelSpec): Promise<Kernel> {
    const k = this.kernel(spec);
    await k.ready;
    return k;
  }

  // ---- buffers ---------------------------------------------------------------------------

  /** A storage buffer (also copy source and destination) from the pool. */
  buffer(bytes: number, label: string): GBuf {
    this.assertUsable();
    return this.pool.acquire(bytes, STORAGE, label);
  }

  /** A storage buffer holding `data`. */
  upload(data: ArrayBufferView, label: string): GBuf {
    const b = this.buffer(Math.max(4, data.byteLength), label);
    this.write(b, data);
    return b;
  }

  /** A small buffer to bind where a kernel's optional input is unused. */
  get dummy(): GBuf {
    // Not through write(): the first kernel that binds it may be inside record(), where a
    // write would submit.
    this.dummyBuf ??= this.freshBuffer(new Uint8Array(16), STORAGE, 'unused');
    return this.dummyBuf;
  }

  release(buf: GBuf | null | undefined): void {
    if (!buf) return;
    this.pool.release(buf);
    // While profiling, every command (buffer writes included) waits in one ordered list
    // until sync(), so a released buffer can serve the next commands at once; waiting for a
    // submit would allocate new buffers for every step until then.
    if (this.profile) this.pool.recycle();
  }

  /** Writes bytes into a buffer, ordered after every command recorded so far. */
  write(dst: GBuf, data: ArrayBufferView, offsetBytes = 0): void {
    if (this.recording) throw new Error(`write to '${dst.label}' inside Gpu.record(): write before recording, so replays see it`);
    if (data.byteLength === 0) return;
    if (data.byteLength % 4 !== 0 || offsetBytes % 4 !== 0) throw new RangeError(`write to '${dst.label}': sizes and offsets must be multiples of 4 bytes`);
    if (offsetBytes + data.byteLength > dst.buffer.size) throw new RangeError(`write to '${dst.label}' overruns the buffer (${offsetBytes + data.byteLength} > ${dst.buffer.size} bytes)`);
    const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    if (this.profile) this.commands.push({ kind: 'write', dst: dst.buffer, offset: offsetBytes, data: bytes.slice() });
    else {
      this.flush();
      this.device.queue.writeBuffer(dst.buffer, offsetBytes, bytes);
    }
  }

  copy(src: GBuf, srcOffset: number, dst: GBuf, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.commands.push({ kind: 'copy', src: src.buffer, srcOffset, dst: dst.buffer, dstOffset, size: bytes });
  }

  // ---- dispatch --------------------------------------------------------------------------

  dispatch(kernel: Kernel, args: DispatchArgs): void {
    this.assertUsable();
    const wg: [number, number, number] = [args.workgroups[0], args.workgroups[1] ?? 1, args.workgroups[2] ?? 1];
    if (wg[0] === 0 || wg[1] === 0 || wg[2] === 0) return;
    const maxWg = this.limits.maxComputeWorkgroupsPerDimension;
    for (const n of wg) {
      if (!Number.isInteger(n) || n < 0 || n > maxWg) throw new RangeError(`kernel '${kernel.name}': ${n} workgroups in one dimension (limit ${maxWg})`);
    }
    const entries: GPUBindGroupEntry[] = [];
    let key = `${kernel.id}`;
    let binding = 0;
    if (args.uniforms) {
      const u = this.uniformBuffer(args.uniforms);
      entries.push({ binding: binding++, resource: { buffer: u.buffer } });
      key += `|u${bufferKey(u.buffer)}`;
    }
    for (const b of args.buffers) {
      const buf = b instanceof GBuf ? b : b.buf;
      const offset = b instanceof GBuf ? 0 : (b.offset ?? 0);
      const size = b instanceof GBuf ? undefined : b.size;
      entries.push({ binding: binding++, resource: size === undefined ? { buffer: buf.buffer, offset } : { buffer: buf.buffer, offset, size } });
      key += `|${bufferKey(buf.buffer)}:${offset}:${size ?? ''}`;
    }
    let bindGroup = this.bindGroups.get(key);
    if (!bindGroup) {
      if (this.bindGroups.size > 50_000) this.bindGroups.clear();
      this.device.pushErrorScope('validation');
      bindGroup = this.device.createBindGroup({ layout: kernel.layout, entries, label: kernel.name });
      const check = this.device.popErrorScope().then((e) => {
        if (e) throw new GpuValidationError(`kernel '${kernel.name}': ${e.message}`);
      });
      check.catch(() => {});
      this.pendingChecks.push(check);
      this.bindGroups.set(key, bindGroup);
    }
    this.commands.push({ kind: 'dispatch', kernel, bindGroup, wg });
  }

  /**
   * Runs `fn` (which only dispatches and copies: a buffer write would submit its commands)
   * and returns what it recorded, also left recorded for the next flush. replay() records
   * the same commands again without running any TypeScript that built them: a training step
   * recorded once costs the host only its encoding afterwards.
   */
  record(fn: () => void): RecordedWork {
    if (this.recording) throw new Error('record: already recording');
    const start = this.commands.length;
    const uniforms = new Set<GBuf>();
    this.recording = uniforms;
    try {
      fn();
    } finally {
      this.recording = null;
    }
    for (const u of uniforms) this.pinned.set(u, (this.pinned.get(u) ?? 0) + 1);
    // While profiling, a new uniform buffer's first write waits among the commands: it has
    // filled the buffer once, which keeps its content from then on.
    return new RecordedWork(this.commands.slice(start).filter((c) => c.kind !== 'write'), [...uniforms]);
  }

  /** Records the commands of `work` again, after whatever was recorded before. */
  replay(work: RecordedWork): void {
    this.assertUsable();
    for (const c of work.commands) this.commands.push(c);
  }

  /** The recorded work will not be replayed again: its uniform buffers may go back. */
  forget(work: RecordedWork): void {
    for (const u of work.uniforms) {
      const n = (this.pinned.get(u) ?? 0) - 1;
      if (n > 0) {
        this.pinned.set(u, n);
        continue;
      }
      this.pinned.delete(u);
      if (this.evicted.delete(u)) this.pool.release(u);
    }
  }

  /** Uniform buffers are immutable and shared by content, so recorded dispatches keep theirs. */
  private uniformBuffer(data: ArrayBufferView): GBuf {
    const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    // The bytes as a string, one character each: a Map key with nothing to decode.
    const key = String.fromCharCode(...bytes);
    let u = this.uniformBuffers.get(key);
    if (!u) {
      if (this.uniformBuffers.size >= 8192) {
        for (const old of this.uniformBuffers.values()) {
          if (this.pinned.has(old)) this.evicted.add(old);
          else this.pool.release(old);
        }
        this.uniformBuffers.clear();
      }
      const padded = new Uint8Array(Math.ceil(Math.max(16, bytes.byteLength) / 16) * 16);
      padded.set(bytes);
      u = this.freshBuffer(padded, UNIFORM, 'uniforms');
      this.uniformBuffers.set(key, u);
    }
    this.recording?.add(u);
    return u;
  }

  /** A buffer from the pool holding `data`, filled without submitting recorded work: not yet
   * submitted work never reads a buffer fresh from the pool, so the write may skip the
   * queue, except while profiling, when the pool recycles at once. */
  private freshBuffer(data: Uint8Array<ArrayBuffer>, usage: number, label: string): GBuf {
    const b = this.pool.acquire(data.byteLength, usage, label);
    if (this.profile) this.commands.push({ kind: 'write', dst: b.buffer, offset: 0, data });
    else this.device.queue.writeBuffer(b.buffer, 0, data);
    return b;
  }

  // ---- submission ------------------------------------------------------------------------

  /** Submits everything recorded. When profiling, recorded work waits for the next sync(). */
  flush(): void {
    if (this.recording) throw new Error('flush inside Gpu.record(): recorded work is submitted after record() returns');
    if (this.profile || this.commands.length === 0) return;
    const cmds = this.commands;
    this.commands = [];
    let encoder: GPUCommandEncoder | null = null;
    let pass: GPUComputePassEncoder | null = null;
    const submit = () => {
      if (pass) pass.end();
      pass = null;
      if (encoder) this.submitChecked(encoder);
      encoder = null;
    };
    for (const c of cmds) {
      if (c.kind === 'dispatch') {
        encoder ??= this.device.createCommandEncoder();
        pass ??= encoder.beginComputePass();
        pass.setPipeline(c.kernel.pipeline);
        pass.setBindGroup(0, c.bindGroup);
        pass.dispatchWorkgroups(c.wg[0], c.wg[1], c.wg[2]);
      } else if (c.kind === 'copy') {
        if (pass) pass.end();
        pass = null;
        encoder ??= this.device.createCommandEncoder();
        encoder.copyBufferToBuffer(c.src, c.srcOffset, c.dst, c.dstOffset, c.size);
      } else {
        submit();
        this.device.queue.writeBuffer(c.dst, c.offset, c.data);
      }
    }
    submit();
  }

  /** Finishes and submits an encoder inside error scopes: encoding errors (reported at
   * finish) and submit errors (e.g. a destroyed buffer) surface at the next sync(). */
  private submitChecked(encoder: GPUCommandEncoder): void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const commandBuffer = encoder.finish();
    const t0 = performance.now();
    this.device.queue.submit([commandBuffer]);
    this.submitMs += performance.now() - t0;
    const scopes = [this.device.popErrorScope(), this.device.popErrorScope()];
    const check = Promise.all(scopes).then(([validation, oom]) => {
      const e = validation ?? oom;
      if (e) throw new GpuValidationError(e.message);
    });
    check.catch(() => {});
    this.pendingChecks.push(check);
    this.pool.recycle();
  }

  /** Runs recorded commands one dispatch at a time and attributes the time to kernels. */
  private async drainProfiled(): Promise<void> {
    const profile = this.profile!;
    const cmds = this.commands;
    this.commands = [];
    if (this.hasTimestamps) return this.drainTimestamped(cmds, profile);
    for (const c of cmds) {
      if (c.kind === 'write') {
        this.device.queue.writeBuffer(c.dst, c.offset, c.data);
        continue;
      }
      const encoder = this.device.createCommandEncoder();
      if (c.kind === 'copy') encoder.copyBufferToBuffer(c.src, c.srcOffset, c.dst, c.dstOffset, c.size);
      else {
        const pass = encoder.beginComputePass();
        pass.setPipeline(c.kernel.pipeline);
        pass.setBindGroup(0, c.bindGroup);
        pass.dispatchWorkgroups(c.wg[0], c.wg[1], c.wg[2]);
        pass.end();
      }
      // Wait for earlier work first so the measured span holds this command alone.
      await this.device.queue.onSubmittedWorkDone();
      const t0 = platform().nowNs();
      this.submitChecked(encoder);
      await this.device.queue.onSubmittedWorkDone();
      if (c.kind === 'dispatch') this.attribute(profile, c.kernel, platform().nowNs() - t0);
    }
  }

  private async drainTimestamped(cmds: Command[], profile: KernelProfile): Promise<void> {
    const CHUNK = 1024;
    let i = 0;
    while (i < cmds.length) {
      const kernels: Kernel[] = [];
      const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 * CHUNK });
      const encoder = this.device.createCommandEncoder();
      let encoderHasWork = false;
      for (; i < cmds.length && kernels.length < CHUNK; i++) {
        const c = cmds[i];
        if (c.kind === 'write') {
          if (encoderHasWork) break; // submit what precedes the write first
          this.device.queue.writeBuffer(c.dst, c.offset, c.data);
          continue;
        }
        encoderHasWork = true;
        if (c.kind === 'copy') {
          encoder.copyBufferToBuffer(c.src, c.srcOffset, c.dst, c.dstOffset, c.size);
          continue;
        }
        const q = 2 * kernels.length;
        const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 } });
        pass.setPipeline(c.kernel.pipeline);
        pass.setBindGroup(0, c.bindGroup);
        pass.dispatchWorkgroups(c.wg[0], c.wg[1], c.wg[2]);
        pass.end();
        kernels.push(c.kernel);
      }
      const bytes = Math.max(16, kernels.length * 16);
      const resolve = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      if (kernels.length) {
        encoder.resolveQuerySet(querySet, 0, 2 * kernels.length, resolve, 0);
        encoder.copyBufferToBuffer(resolve, 0, staging, 0, kernels.length * 16);
      }
      this.submitChecked(encoder);
      if (kernels.length) {
        await staging.mapAsync(GPUMapMode.READ);
        const ts = new BigInt64Array(staging.getMappedRange().slice(0, kernels.length * 16));
        staging.unmap();
        profile.observeTimestamps(ts);
        kernels.forEach((k, j) => this.attribute(profile, k, Math.max(0, Number(ts[2 * j + 1] - ts[2 * j]))));
      }
      staging.destroy();
      resolve.destroy();
      querySet.destroy();
    }
  }

  private timedPipelines = new WeakSet<Kernel>();

  /** Adds a dispatch's time to its kernel; a pipeline's first call (driver compilation) apart. */
  private attribute(profile: KernelProfile, kernel: Kernel, ns: number): void {
    if (this.timedPipelines.has(kernel)) profile.add(kernel.name, ns);
    else {
      this.timedPipelines.add(kernel);
      profile.addFirstCall(kernel.name, ns);
    }
  }

  /** Submits recorded work, waits for the GPU, and throws the first error it reported. */
  async sync(): Promise<void> {
    this.assertUsable();
    if (this.profile) await this.drainProfiled();
    else this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.throwPendingErrors();
  }

  private async throwPendingErrors(): Promise<void> {
    const checks = this.pendingChecks;
    this.pendingChecks = [];
    const results = await Promise.allSettled(checks);
    for (const r of results) if (r.status === 'rejected') this.errors.push(r.reason as Error);
    if (this.lostMessage) throw new GpuDeviceLostError(`GPU device lost (${this.lostMessage})`);
    const first = this.errors.shift();
    this.errors = [];
    if (first) throw first;
  }

  /** Copies bytes of a buffer back to the CPU (flushing and checking errors first). */
  async readBytes(src: GBuf, offsetBytes = 0, bytes = src.size - offsetBytes): Promise<ArrayBuffer> {
    if (offsetBytes % 4 !== 0 || bytes % 4 !== 0) throw new RangeError(`read of '${src.label}': offset and size must be multiples of 4`);
    if (offsetBytes + bytes > src.buffer.size) throw new RangeError(`read of '${src.label}' beyond its end`);
    const staging = this.pool.acquire(Math.max(4, bytes), READBACK, 'readback');
    this.copy(src, offsetBytes, staging, 0, bytes);
    await this.sync();
    await staging.buffer.mapAsync(GPUMapMode.READ, 0, Math.max(4, bytes));
    const out = staging.buffer.getMappedRange(0, Math.max(4, bytes)).slice(0, bytes);
    staging.buffer.unmap();
    this.pool.release(staging);
    return out;
  }

  async readF32(src: GBuf, offset = 0, count = (src.size >> 2) - offset): Promise<Float32Array> {
    return new Float32Array(await this.readBytes(src, offset * 4, count * 4));
  }

  async readU32(src: GBuf, offset = 0, count = (src.size >> 2) - offset): Promise<Uint32Array> {
    return new Uint32Array(await this.readBytes(src, offset * 4, count * 4));
  }

  // ---- lifetime --------------------------------------------------------------------------

  private assertUsable(): void {
    if (this.destroyed) throw new GpuDeviceLostError('the GPU runtime was destroyed');
    if (this.lostMessage) throw new GpuDeviceLostError(`GPU device lost (${this.lostMessage})`);
  }

  /** Destroys the device. Its Dawn instance stays held for the life of the process (device.ts). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.commands = [];
    this.bindGroups.clear();
    this.uniformBuffers.clear();
    this.device.destroy();
  }

  /** One line naming what this runtime runs on. */
  describe(): string {
    const r = this.report;
    const name = [r.vendor, r.architecture, r.device, r.description].filter(Boolean).join(' ').replace(/\s+/g, ' ');
    return `${name} | backend ${r.backend} (${r.featureLevel}) | ${r.isCpu ? 'CPU (software)' : 'GPU'} | timing: ${this.timingSource}`;
  }
}
