/// <reference types="vite/client" />
// The browser side of the platform seam (src/kernels/platform.ts), for the web page (web/):
// navigator.gpu, the shaders bundled into the page by Vite, settings from the page's query
// string (?OPTBENCH_PRINT_WGSL=1), the tuning cache in localStorage. Importing this module
// installs it.
import { installPlatform, type Platform } from '../kernels/platform.ts';

// Every shaders/*.wgsl as text, in the bundle: a page has no files to read.
const files = import.meta.glob<string>('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true });
const shaders = new Map(Object.entries(files).map(([path, text]) => [path.slice(path.lastIndexOf('/') + 1, -'.wgsl'.length), text]));

const settings = new URLSearchParams(globalThis.location?.search ?? '');

const NO_ADAPTER =
  'This browser has WebGPU but gave no adapter: it may be turned off or blocked for this GPU or driver. ' +
  'Chrome and Edge: see chrome://gpu (on Linux, enable chrome://flags/#enable-unsafe-webgpu and #enable-vulkan); ' +
  'Safari 26 and Firefox 141 or later (Windows) have it on by default.';

/** localStorage can be missing or refuse (private windows, a full quota): then nothing is kept. */
function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export const browserPlatform: Platform = {
  name: 'browser',
  // The browser picks its own backend; a page cannot force Vulkan or OpenGL ES.
  gpu: (backend) => (backend === 'auto' ? (globalThis.navigator?.gpu ?? null) : null),
  nativeBackend: () => 'browser',
  noAdapterMessage: async () => `no WebGPU adapter in this browser: ${NO_ADAPTER}`,
  quietNativeLog: (fn) => fn(),
  heldNativeLog: async (fn) => ({ value: await fn(), log: '' }),
  env: (name) => settings.get(name) ?? undefined,
  diagnostic: (text) => console.info(text),
  shaderSource(name) {
    const src = shaders.get(name);
    if (src === undefined) throw new Error(`shaders/${name}.wgsl is not in this page's bundle`);
    return src;
  },
  turn: () =>
    new Promise<void>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    }),
  // Browsers coarsen performance.now() (5 to 100 us): the page profiles with timestamp
  // queries only, never with this clock.
  nowNs: () => performance.now() * 1e6,
  // navigator.deviceMemory (Chrome, Edge) rounds down and stops at 8 GB; elsewhere assume 4.
  hostMemoryBytes: () => ((globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory ?? 4) * 2 ** 30,
  store: {
    defaultTuningCache: () => 'webgpu-optbench/matmul-tuning',
    read: (key) => {
      try {
        return storage()?.getItem(key) ?? null;
      } catch {
        return null;
      }
    },
    write: (key, text) => {
      try {
        storage()?.setItem(key, text);
      } catch {
        // A full or refused store costs a re-measurement next time.
      }
    },
  },
  readTextFile: (path) => {
    throw new Error(`${path}: a web page reads no files by path; choose files with the page's file picker`);
  },
};

installPlatform(browserPlatform);
