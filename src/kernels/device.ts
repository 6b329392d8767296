// Finds a WebGPU adapter through Dawn's node bindings and opens a device on it.
//
// Order (backend 'auto'): a core-feature adapter on the platform's native backend (Vulkan,
// Metal, D3D12); else Dawn's OpenGL ES backend in compatibility mode, which on a GPU-less
// Linux machine runs on Mesa llvmpipe. OPTBENCH_BACKEND or the `backend` option forces one.
import { create, globals } from 'webgpu';
import { GpuUnavailableError } from './errors.ts';
import { envFlag, heldNativeLog, quietNativeLog, writeLog } from './native-log.ts';
import { noAdapterMessage } from './no-adapter.ts';

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
  /** The Dawn instance (also held for the life of the process: see LIVE_INSTANCES). */
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
export function boundsChecksFromEnv(env: Record<string, string | undefined> = process.env): boolean {
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

let globalsInstalled = false;

// Every Dawn instance this process creates, never released. The node bindings' event pump
// (AsyncRunner) keeps a raw pointer to its instance, and a device, even a destroyed one,
// keeps the pump: once the instance is garbage collected, the next promise on that device
// (an error scope, a map, a lost device's cleanup) pumps freed memory. Seen here as a hang,
// "futex facility returned an unexpected error code", SIGSEGV in ProcessEvents, and in CI as
// glibc's "__pthread_tpp_change_priority: Assertion" abort (a mutex in freed memory).
// A process opens a handful of devices, so holding their instances costs little.
const LIVE_INSTANCES: GPU[] = [];

function installGlobals(): void {
  if (globalsInstalled) return;
  // The GPUBufferUsage, GPUMapMode, ... enums the engine uses are Dawn's globals.
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  globalsInstalled = true;
}

function dawnBackendFlag(b: BackendName): string | undefined {
  return b === 'auto' ? undefined : `backend=${b}`;
}

export function backendFromEnv(): BackendName {
  const v = (process.env.OPTBENCH_BACKEND ?? 'auto').toLowerCase();
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
  if (backend === 'opengles' || backend === 'opengl') {
    // Dawn's GL backend opens EGL; without a display, Mesa needs the surfaceless platform.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
  }
  const flag = dawnBackendFlag(backend);
  let instance: GPU;
  try {
    instance = create([...(flag ? [flag] : []), ...extraFlags]);
  } catch (e) {
    return null;
  }
  LIVE_INSTANCES.push(instance);
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
  installGlobals();
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
    const { value: found, log } = await heldNativeLog(() => tryAdapter(b, level, dawnToggles({ exactTimestamps: !!options.exactTimestamps, boundsChecks })));
    held.push(log);
    if (!found) continue;
    writeLog(held.join(''));
    const { instance, adapter } = found;
    const requiredLimits: Record<string, number> = {};
    if (!options.defaultLimits) for (const k of WANTED_LIMITS) requiredLimits[k] = adapter.limits[k];
    const requiredFeatures = adapter.features.has('timestamp-query') ? (['timestamp-query'] as GPUFeatureName[]) : [];
    const device = await quietNativeLog(() => adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'optbench' }));
    const name = b === 'auto' ? nativeBackendName() : b;
    const quantizationOffRequested = !!options.exactTimestamps && device.features.has('timestamp-query');
    return { instance, adapter, device, report: describe(adapter, name, level, device), quantizationOffRequested, boundsChecks };
  }
  // What is missing (the Vulkan loader, a driver, Mesa's EGL), looked for only now, on the
  // Node side (files, dlopen): loaded here so that nothing of Node loads before.
  const { driverFacts } = await import('./vulkan-drivers.ts');
  throw new GpuUnavailableError(noAdapterMessage(backend, await driverFacts()));
}

function nativeBackendName(): string {
  if (process.platform === 'darwin') return 'metal';
  if (process.platform === 'win32') return 'd3d12';
  return 'vulkan';
}
