// TensorFlow.js's multi-threaded WebAssembly backend in Node, where tfjs itself turns it off.
//
// tfjs-backend-wasm 4.22 ships a threaded SIMD build (XNNPACK on emscripten pthreads, which
// Node 20 runs on worker_threads), but three things keep it from running under Node, each
// worked around here before the backend loads (checked on Node 20.20, tfjs 4.22.0):
//  1. WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE (tfjs issue #3830):
//     the flag is set to true instead.
//  2. The pthread workers start from a Blob URL (URL.createObjectURL of the worker script
//     tfjs embeds), which Node's Worker refuses; and the workers load the backend's factory
//     from a second Blob. Both texts are written to files, and the worker script is pointed
//     at the factory's file.
//  3. The backend caps its thread pool at min(requested, logical cores / 2) (it assumes two
//     hyperthreads a core), so on a 2-core VM it runs one thread whatever is asked. The
//     logical core count emscripten reads (os.cpus()) is doubled while the backend starts,
//     so `threads` up to the core count are honoured, up to the build's own limit of 8
//     (WASM_MAX_THREADS in tfjs.ts).
// A tfjs version whose worker script differs from the one patched here fails loudly
// (Error), and bench:perf keeps the single-threaded measurement.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd = ';
/** In tfjs's worker script: how a worker loads the factory it is sent. */
const WORKER_LOAD = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}';
/** The modules tfjs's rollup bundle names in the factory's text (tf-backend-wasm.node.js). */
const FACTORY_GLOBALS = "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os'); var commonjsGlobal = globalThis;";

/** Installs the workarounds; call before importing @tensorflow/tfjs-backend-wasm. Returns a
 * function to call once tf.setBackend('wasm') has finished (restores os.cpus, removes the
 * files when the process exits). */
export function enableWasmThreads(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'optbench-tfjs-wasm-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const texts = new WeakMap<Blob, string>();
  let factoryFile: string | null = null;
  const RealBlob = globalThis.Blob;
  class RecordedBlob extends RealBlob {
    constructor(parts: BlobPart[] = [], options?: BlobPropertyBag) {
      super(parts, options);
      if (!parts.every((p) => typeof p === 'string')) return;
      const text = (parts as string[]).join('');
      texts.set(this, text);
      if (text.startsWith(FACTORY_PREFIX)) {
        factoryFile = path.join(dir, 'factory.js');
        writeFileSync(factoryFile, `${FACTORY_GLOBALS} var _scriptDir = ${JSON.stringify(factoryFile)};\n${text}`);
      }
    }
  }
  globalThis.Blob = RecordedBlob as typeof Blob;
  const realCreateObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (blob: Blob) => {
    const text = texts.get(blob);
    if (text === undefined) return realCreateObjectURL(blob);
    if (text.startsWith(FACTORY_PREFIX) && factoryFile) return factoryFile;
    if (!factoryFile || !text.includes(WORKER_LOAD)) throw new Error('tfjs-backend-wasm: its worker script is not the one patched here (tfjs 4.22.0); threads stay off');
    const worker = path.join(dir, 'worker.js');
    writeFileSync(worker, text.replace(WORKER_LOAD, `if(true){importScripts(${JSON.stringify(factoryFile)})}`));
    return worker;
  };
  const os = createRequire(import.meta.url)('node:os') as typeof import('node:os');
  const realCpus = os.cpus;
  os.cpus = () => [...realCpus(), ...realCpus()];
  return () => {
    os.cpus = realCpus;
    globalThis.Blob = RealBlob;
  };
}
