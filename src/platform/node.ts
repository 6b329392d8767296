// The Node side of the platform seam (src/kernels/platform.ts): Dawn's node bindings (the
// `webgpu` package), shaders read from shaders/, settings from process.env, the tuning
// cache as a file, Dawn's native log filtered on fd 2. Importing this module installs it:
// every Node program that uses the engine imports it first (the CLI and bench tools, the
// vitest setup file, the examples).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import type { BackendName } from '../kernels/device.ts';
import { installPlatform, type Platform } from '../kernels/platform.ts';
import { heldNativeLog, quietNativeLog } from './native-log.ts';
import { noAdapterMessage } from './no-adapter.ts';
import { driverFacts } from './vulkan-drivers.ts';

export const SHADER_DIR = fileURLToPath(new URL('../../shaders/', import.meta.url));

// Every Dawn instance this process creates, never released. The node bindings' event pump
// (AsyncRunner) keeps a raw pointer to its instance, and a device, even a destroyed one,
// keeps the pump: once the instance is garbage collected, the next promise on that device
// (an error scope, a map, a lost device's cleanup) pumps freed memory. Seen here as a hang,
// "futex facility returned an unexpected error code", SIGSEGV in ProcessEvents, and in CI as
// glibc's "__pthread_tpp_change_priority: Assertion" abort (a mutex in freed memory).
// A process opens a handful of devices, so holding their instances costs little.
const LIVE_INSTANCES: GPU[] = [];

let globalsInstalled = false;

function installGlobals(): void {
  if (globalsInstalled) return;
  // The GPUBufferUsage, GPUMapMode, ... enums the engine uses are Dawn's globals.
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  globalsInstalled = true;
}

function dawnInstance(backend: string, flags: string[]): GPU | null {
  installGlobals();
  if (backend === 'opengles' || backend === 'opengl') {
    // Dawn's GL backend opens EGL; without a display, Mesa needs the surfaceless platform.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
  }
  try {
    const instance = create([...(backend === 'auto' ? [] : [`backend=${backend}`]), ...flags]);
    LIVE_INSTANCES.push(instance);
    return instance;
  } catch {
    return null;
  }
}

function defaultTuningCache(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'webgpu-optbench', 'matmul-tuning.json');
}

function readStore(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Written beside the target and renamed over it, so a reader never sees half a file. */
function writeStore(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch {
    // A read-only home only costs a re-measurement next time.
  }
}

const shaders = new Map<string, string>();
/** The wall clock's origin: nanoseconds since boot pass 2^53 after 104 days of uptime. */
const START = process.hrtime.bigint();

export const nodePlatform: Platform = {
  name: 'node',
  gpu: dawnInstance,
  nativeBackend: () => (process.platform === 'darwin' ? 'metal' : process.platform === 'win32' ? 'd3d12' : 'vulkan'),
  noAdapterMessage: async (backend) => noAdapterMessage(backend as BackendName, await driverFacts()),
  quietNativeLog,
  heldNativeLog,
  env: (name) => process.env[name],
  diagnostic: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  shaderSource(name) {
    let src = shaders.get(name);
    if (src === undefined) {
      src = readFileSync(`${SHADER_DIR}${name}.wgsl`, 'utf8');
      shaders.set(name, src);
    }
    return src;
  },
  turn: () => new Promise<void>((resolve) => setImmediate(resolve)),
  nowNs: () => Number(process.hrtime.bigint() - START),
  hostMemoryBytes: () => totalmem(),
  store: { defaultTuningCache, read: readStore, write: writeStore },
  readTextFile: (path) => readFileSync(path, 'utf8'),
};

installPlatform(nodePlatform);
