// Error types the runtime raises. Dawn reports most problems asynchronously (error scopes,
// `uncapturederror`, `device.lost`); the runtime turns each into one of these, thrown at the
// next point where the caller waits on the GPU, so nothing ends up as an ignored stderr line.

/** No usable WebGPU adapter, or the requested backend does not exist. */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

/** A WGSL module failed to compile or a pipeline failed to build. */
export class ShaderCompileError extends Error {
  override name = 'ShaderCompileError';
  constructor(
    readonly kernel: string,
    readonly details: string,
  ) {
    super(`WGSL compile error in kernel '${kernel}': ${details}`);
  }
}

/** A validation or out-of-memory error raised by Dawn for submitted work. */
export class GpuValidationError extends Error {
  override name = 'GpuValidationError';
}

/** The device was lost (driver reset, destroyed device, out of memory). */
export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
}
