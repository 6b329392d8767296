// The engine's one way to what lies outside WebGPU: the seam between the engine (src/kernels,
// src/autograd, src/nn, src/optim, which import nothing from Node) and the place it runs in.
//
// Two sides implement it: src/platform/node.ts (Dawn's node bindings, files, process.env,
// fd 2) and src/platform/browser.ts (navigator.gpu, shaders bundled into the page,
// localStorage). A program installs one before it opens a device: the CLI, the tests (the
// vitest setup file) and the examples import src/platform/node.ts; the web page imports
// src/platform/browser.ts. tests/engine-imports.test.ts fails when an engine file imports a
// Node module.

/** What the engine asks of the place it runs in. */
export interface Platform {
  /** 'node' or 'browser': for messages and results.json. */
  readonly name: string;
  /**
   * A WebGPU entry point for `backend` ('auto' = the platform's choice) created with
   * `flags` (Dawn's instance flags: backend=..., enable-dawn-features=...; a browser picks
   * its backend itself and ignores them), or null where there is none.
   */
  gpu(backend: string, flags: string[]): GPU | null;
  /** The backend an 'auto' adapter runs on (vulkan, metal, d3d12; 'browser' in a page). */
  nativeBackend(): string;
  /** The one-line error when no adapter opened for `backend`: what is missing and how to
   * install or enable it (Node looks at the machine only now: the Vulkan loader, drivers, EGL). */
  noAdapterMessage(backend: string): Promise<string>;
  /** Runs `fn` (adapter and device creation) with the native library's harmless warnings
   * kept off the log (Dawn writes them straight to fd 2); a browser just runs `fn`. */
  quietNativeLog<T>(fn: () => Promise<T>): Promise<T>;
  /** As quietNativeLog, but what the native library wrote (less the harmless warnings) is
   * returned, not written: the caller decides (diagnostic() writes it). */
  heldNativeLog<T>(fn: () => Promise<T>): Promise<{ value: T; log: string }>;
  /** A setting by name (OPTBENCH_BACKEND, OPTBENCH_PRINT_WGSL, ...): the environment in Node,
   * the page's query string in a browser; undefined when unset. */
  env(name: string): string | undefined;
  /** Where diagnostics go that the user asked for (OPTBENCH_PRINT_WGSL): stderr, the console. */
  diagnostic(text: string): void;
  /** The text of shaders/<name>.wgsl. */
  shaderSource(name: string): string;
  /** Resolves after one turn of the event loop, so signal handlers, timers and input run
   * between queued GPU submissions (Node: setImmediate; a page: a message-channel post, as
   * setTimeout is clamped to 4 ms there). */
  turn(): Promise<void>;
  /** A clock in nanoseconds for the wall-clock profiler (only differences matter). */
  nowNs(): number;
  /** Memory of the machine in bytes, for a software adapter's budget (src/bench/study/groups.ts). */
  hostMemoryBytes(): number;
  /** Small text stores that outlive the process (the matmul tuner's choices): a file path in
   * Node, a localStorage key in a browser. read() gives null when missing or unreadable;
   * write() never throws (a store that cannot be written costs a re-measurement). */
  store: {
    defaultTuningCache(): string;
    read(key: string): string | null;
    write(key: string, text: string): void;
  };
  /** A text file the user named (a config file, a --kernels file); throws as the file
   * system does (Node: an error with `code`). A browser has no paths to read. */
  readTextFile(path: string): string;
}

let installed: Platform | null = null;

/** Makes `p` the platform the engine uses from now on (the last installed wins). */
export function installPlatform(p: Platform): void {
  installed = p;
}

/** The installed platform; throws (naming the fix) before one is installed. */
export function platform(): Platform {
  if (!installed) {
    throw new Error("no platform installed: import 'src/platform/node.ts' (Node) or 'src/platform/browser.ts' (a web page) before using the engine");
  }
  return installed;
}

/** An on/off setting: set to anything but '' or '0' is on. `env` defaults to the platform's. */
export function envFlag(name: string, env?: Record<string, string | undefined>): boolean {
  const v = env ? env[name] : platform().env(name);
  return v !== undefined && v !== '' && v !== '0';
}
