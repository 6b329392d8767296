// Finds a WebGPU adapter and opens a device on it: through Dawn's node bindings in Node, through
// navigator.gpu in a page (the platform seam, platform.ts, gives the entry point).
//
// Order (backend 'auto'): a core-feature adapter on the platform's native backend (Vulkan,
// Metal, D3D12); else Dawn's OpenGL ES backend in compatibility mode, which on a GPU-less
// Linux machine runs on Mesa llvmpipe. OPTBENCH_BACKEND or the `backend` option forces one.
import { GpuUnavailableError } from './errors.ts';
import { envFlag, platform } from './platform.ts';

export const BACKENDS = ['auto', 'vulkan', 'metal', 'd3d12', 'opengles', 'opengl'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface AdapterReport {
  backend: string;
  featureLevel: 'core' | 'compatibility';
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software rasterizers (llvmpipe, SwiftShader, WARP). */
  isCpu: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface OpenedDevice {
  /** The WebGPU entry point (Node: a Dawn instance, held for the life of the process, see
   * src/platform/node.ts; a page: navigator.gpu). */
  instance: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  report: AdapterReport;
  /** Whether Dawn was asked to leave timestamp queries unquantized (see dawnToggles). */
  quantizationOffRequested: boolean;
  /** Whether Dawn clamps the indices the shaders compute (see dawnToggles). */
  boundsChecks: boolean;
}

export interface OpenOptions {
  /** Ask Dawn for unquantized timestamp queries (for profiling). */
  exactTimestamps?: boolean;
  /** Keep Dawn's index clamping in every shader (default: boundsChecksFromEnv()). */
  boundsChecks?: boolean;
  /** Ask for WebGPU's default limits, not the adapter's: what a browser's device has unless
   * it asks (tests check that the engine reads its limits from the device). */
  defaultLimits?: boolean;
}

/** OPTBENCH_BOUNDS_CHECKS=1 keeps Dawn's index clamping (while writing a new kernel). */
export function boundsChecksFromEnv(env?: Record<string, string | undefined>): boolean {
  return envFlag('OPTBENCH_BOUNDS_CHECKS', env);
}

/**
 * The create() flags for the Dawn toggles asked for. The node bindings hand create()'s
 * enable/disable-dawn-features flags to the instance, the adapter and every device they
 * create (dawn src/dawn/node/binding/TogglesLoader.cpp); each list goes in one flag.
 * - timestamp_quantization (on by default, a guard against timing side channels in
 *   browsers) rounds timestamp queries down to a coarse quantum, which turns short kernels
 *   into 0 or one quantum: off for profiling.
 * - disable_robustness: Dawn's robustness transform clamps every index a shader computes
 *   (`min(i, arrayLength - 1)` on each storage and array access, seen in the GLSL it
 *   generates), which a matmul pays on every workgroup-memory read of its inner loop. The
 *   engine's kernels keep their indices in bounds (each is checked against its reference on
 *   odd shapes, and the whole suite passes with the clamps off), so they are off unless
 *   asked for.
 * Both need allow_unsafe_apis.
 */
export function dawnToggles(o: { exactTimestamps: boolean; boundsChecks: boolean }): string[] {
  const enable = o.boundsChecks ? [] : ['disable_robustness'];
  const disable = o.exactTimestamps ? ['timestamp_quantization'] : [];
  if (enable.length + disable.length === 0) return [];
  return [`enable-dawn-features=${['allow_unsafe_apis', ...enable].join(',')}`, ...(disable.length ? [`disable-dawn-features=${disable.join(',')}`] : [])];
}

// The limits the engine relies on; each is raised to what the adapter offers.
const WANTED_LIMITS = [
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxUniformBuffersPerShaderStage',
] as const;

export function backendFromEnv(): BackendName {
  const v = (platform().env('OPTBENCH_BACKEND') ?? 'auto').toLowerCase();
  if (!(BACKENDS as readonly string[]).includes(v)) {
    throw new GpuUnavailableError(`OPTBENCH_BACKEND='${v}' is not a backend; use one of ${BACKENDS.join(', ')}`);
  }
  return v as BackendName;
}

async function tryAdapter(
  backend: BackendName,
  featureLevel: 'core' | 'compatibility',
  extraFlags: string[],
): Promise<{ instance: GPU; adapter: GPUAdapter } | null> {
  const instance = platform().gpu(backend, extraFlags);
  if (!instance) return null;
  const adapter = await instance.requestAdapter({ featureLevel, powerPreference: 'high-performance' });
  return adapter ? { instance, adapter } : null;
}

function describe(adapter: GPUAdapter, backend: string, featureLevel: 'core' | 'compatibility', device: GPUDevice): AdapterReport {
  const info = adapter.info as GPUAdapterInfo & { backendType?: string; adapterType?: string };
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  const limits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) limits[k] = device.limits[k];
  return {
    backend,
    featureLevel,
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: (info.description ?? '').trim(),
    isCpu: /llvmpipe|lavapipe|swiftshader|softpipe|warp|cpu/.test(text) || info.adapterType === 'cpu',
    features: [...adapter.features].sort(),
    limits,
  };
}

/** Opens a device on the requested backend ('auto' tries native first, then OpenGL ES). */
export async function openDevice(backend: BackendName = backendFromEnv(), options: OpenOptions = {}): Promise<OpenedDevice> {
  const boundsChecks = options.boundsChecks ?? boundsChecksFromEnv();
  const attempts: Array<[BackendName, 'core' | 'compatibility']> =
    backend === 'auto'
      ? [['auto', 'core'], ['opengles', 'compatibility']]
      : backend === 'opengles' || backend === 'opengl'
        ? [[backend, 'compatibility']]
        : [[backend, 'core']];
  // Dawn's messages from the attempts that found no adapter are held: where none opens, the
  // one-line error below says what is missing; where a later one opens, they go out.
  const held: string[] = [];
  for (const [b, level] of attempts) {
    const { value: found, log } = await platform().heldNativeLog(() => tryAdapter(b, level, dawnToggles({ exactTimestamps: !!options.exactTimestamps, boundsChecks })));
    held.push(log);
    if (!found) continue;
    if (held.join('').trim() !== '') platform().diagnostic(held.join(''));
    const { instance, adapter } = found;
    const requiredLimits: Record<string, number> = {};
    if (!options.defaultLimits) for (const k of WANTED_LIMITS) requiredLimits[k] = adapter.limits[k];
    const requiredFeatures = adapter.features.has('timestamp-query') ? (['timestamp-query'] as GPUFeatureName[]) : [];
    const device = await platform().quietNativeLog(() => adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'optbench' }));
    const name = b === 'auto' ? platform().nativeBackend() : b;
    const quantizationOffRequested = !!options.exactTimestamps && device.features.has('timestamp-query');
    return { instance, adapter, device, report: describe(adapter, name, level, device), quantizationOffRequested, boundsChecks };
  }
  // What is missing (the Vulkan loader, a driver, Mesa's EGL): the platform looks only now.
  throw new GpuUnavailableError(await platform().noAdapterMessage(backend));
}
