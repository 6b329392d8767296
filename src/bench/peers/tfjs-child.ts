// Child process of src/bench/peers/tfjs.ts: trains the MLP with TensorFlow.js on ONE backend and
// ONE optimizer, prints one result line (RESULT_TAG + JSON) on stdout and exits. One process per
// measurement keeps tfjs's global engine state and Dawn's device apart between measurements, and
// a crash (or a hang) takes down only this measurement.
//
// argv[2]: JSON of ChildArgs.
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STEP_REPS as REPS } from '../measure/timing.ts';
import { failedResult, RESULT_TAG, type ChildArgs, type ChildResult } from './tfjs-protocol.ts';
import { enableWasmThreads } from './tfjs-wasm-threads.ts';

const FEATURES = 784;
const CLASSES = 10;
const HIDDEN = [128, 128];
/** Rows of the device-resident synthetic training set (a batch is sliced from it per step). */
const ROWS = 8192;

// Dawn instances must stay referenced for the life of their devices (see src/kernels/device.ts).
const keepAlive: unknown[] = [];
/** WebGPU errors nobody captured (tfjs does not listen): a kernel that fails validation in
 * compatibility mode shows up here, and the measurement reports it instead of a speed. */
const gpuErrors: string[] = [];

/** tf.setBackend returns false and only console.warns why; keep that text for the error. */
async function setBackend(name: string): Promise<void> {
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warned.push(a.map((x) => (x instanceof Error ? x.stack ?? x.message : String(x))).join(' '));
  try {
    if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed: ${warned.join(' | ') || 'no reason given'}`);
  } finally {
    console.warn = warn;
  }
}

/** Makes tfjs-backend-webgpu usable in Node: it registers itself only if navigator.gpu exists at
 * import time, and asks for an adapter without a feature level, which on a GPU-less machine
 * (Dawn's OpenGL ES backend on llvmpipe) gives null: fall back to a compatibility-mode adapter. */
async function setUpWebGpu(): Promise<string> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ... used by tfjs's kernels
  const native = create([]);
  keepAlive.push(native);
  let fallback: GPU | null = null;
  let chosen = '';
  const gpu = {
    async requestAdapter(options?: GPURequestAdapterOptions): Promise<GPUAdapter | null> {
      const a = await native.requestAdapter(options);
      if (a) {
        chosen = 'native, core';
        return a;
      }
      process.env.EGL_PLATFORM ??= 'surfaceless';
      process.env.XDG_RUNTIME_DIR ??= '/tmp';
      if (!fallback) keepAlive.push((fallback = create(['backend=opengles'])));
      const b = await fallback.requestAdapter({ ...options, featureLevel: 'compatibility' });
      chosen = b ? 'opengles, compatibility' : 'no adapter (neither native core nor OpenGL ES compatibility)';
      return b;
    },
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: new Set<string>(),
  };
  // Node 20 has no navigator; Node 21+ has one (a getter), hence defineProperty.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  try {
    await setBackend('webgpu');
  } catch (e) {
    throw new Error(`${chosen}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const device = (tf.backend() as unknown as { device: GPUDevice & { adapterInfo?: GPUAdapterInfo } }).device;
  device.addEventListener('uncapturederror', (ev) => gpuErrors.push((ev as GPUUncapturedErrorEvent).error.message));
  void device.lost.then((l) => l.reason !== 'destroyed' && gpuErrors.push(`device lost: ${l.message}`));
  const i = device.adapterInfo;
  const info = i ? [i.vendor, i.architecture, i.device, i.description].filter((s) => s).join(' ').trim() : '';
  return `Dawn ${chosen}${info ? `: ${info}` : ''}; tfjs's device maxComputeInvocationsPerWorkgroup=${device.limits.maxComputeInvocationsPerWorkgroup}`;
}

/** The wasm backend with `threads` threads: 1 is the single-threaded SIMD build tfjs picks in
 * Node; more runs its threaded SIMD build, which tfjs turns off in Node (WASM_HAS_MULTITHREAD_SUPPORT
 * is false when IS_NODE, tfjs issue #3830) and tfjs-wasm-threads.ts turns back on. */
async function setUpWasm(threads: number): Promise<string> {
  const restore = threads > 1 ? enableWasmThreads() : null;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // In Node the emscripten loader reads the .wasm with fs, so a plain directory path (with the
  // trailing separator: it is a prefix) works; a file:// URL would not.
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
  if (threads > 1) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
  }
  await setBackend('wasm');
  restore?.();
  const actual = wasm.getThreadsCount();
  if (actual !== threads) throw new Error(`asked the wasm backend for ${threads} threads, it runs ${actual}`);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const build = threads > 1 ? 'threaded SIMD build, on in Node through tfjs-wasm-threads.ts' : "the build tfjs picks in Node, without threads";
  return `${actual} thread${actual > 1 ? 's' : ''} (${build}), SIMD ${simd ? 'on' : 'off'}`;
}

async function setUpCpu(): Promise<string> {
  await import('@tensorflow/tfjs-backend-cpu');
  await setBackend('cpu');
  return 'plain JavaScript kernels';
}

function glorot(fanIn: number, fanOut: number): tf.Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32'));
}

/** The Node bundle of tfjs-core (what '@tensorflow/tfjs-core' resolves to) registers no
 * gradients: only the union package @tensorflow/tfjs does, from tfjs-core's per-file ESM build.
 * Those files use extensionless imports, which Node's ESM loader rejects, so they are loaded
 * through require() (tsx compiles them to CommonJS). That is a second copy of tfjs-core's
 * modules, but tfjs keeps its engine and its kernel and gradient registries on globalThis, so
 * the gradients land in the registry the engine reads. Needs the tsx loader. */
function registerGradients(): void {
  createRequire(import.meta.url)('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  if (!tf.getGradient('BatchMatMul') || !tf.getGradient('RealDiv')) throw new Error('tfjs gradients did not register');
}

async function measure(args: ChildArgs): Promise<ChildResult> {
  registerGradients();
  const detail =
    args.backend === 'webgpu' ? await setUpWebGpu() : args.backend === 'wasm' ? await setUpWasm(args.threads) : await setUpCpu();

  // Synthetic Fashion-MNIST-shaped data, created once and kept on the backend.
  const rows = Math.max(ROWS, args.batch) - (Math.max(ROWS, args.batch) % args.batch);
  const pixels = new Float32Array(rows * FEATURES);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(Math.random() * 256) / 255;
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) labels[i] = Math.floor(Math.random() * CLASSES);
  const xs = tf.tensor2d(pixels, [rows, FEATURES]);
  const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES), 'float32'));
  const batches = rows / args.batch;

  const sizes = [FEATURES, ...HIDDEN, CLASSES];
  const weights = sizes.slice(1).map((n, i) => glorot(sizes[i], n));
  const biases = sizes.slice(1).map((n) => tf.variable(tf.zeros([n])));
  const vars = [...weights, ...biases];
  const opt = args.optimizer === 'adam' ? tf.train.adam(1e-3) : tf.train.momentum(0.1, 0.9);

  let cursor = 0;
  /** One training step; returns the loss tensor (not read back). */
  const step = (): tf.Scalar => {
    const off = (cursor++ % batches) * args.batch;
    return tf.tidy(() => {
      // tfjs-core alone registers no chained ops (t.slice ...): use the functional forms.
      const x = tf.slice(xs, [off, 0], [args.batch, FEATURES]);
      const y = tf.slice(ys, [off, 0], [args.batch, CLASSES]);
      return opt.minimize(() => {
        let h: tf.Tensor2D = x;
        for (let l = 0; l < weights.length; l++) {
          h = tf.add(tf.matMul(h, weights[l]), biases[l]);
          if (l < weights.length - 1) h = tf.relu(h);
        }
        // Default reduction: mean over the batch.
        return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
      }, true, vars)!;
    });
  };
  let lastLoss = NaN;
  /** Runs n steps, reading back only the last loss; returns wall ms. */
  const run = async (n: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const loss = step();
      if (i === n - 1) {
        // The only read-back: it waits for all queued work. A finite loss near ln(10) = 2.30
        // (random labels) also shows the backend's kernels compute something sane.
        lastLoss = (await loss.data())[0];
        if (gpuErrors.length) throw new Error(`WebGPU error: ${gpuErrors[0]}`);
        if (!Number.isFinite(lastLoss)) throw new Error(`loss is ${lastLoss}`);
      }
      loss.dispose();
    }
    return performance.now() - t0;
  };

  // Warm-up: shader compilation / wasm kernels / buffer pools; 5 steps (2 on the slow cpu backend).
  const warmupSteps = args.backend === 'cpu' ? 2 : 5;
  const warmupMs = await run(warmupSteps);
  // Calibration run, then REPS repetitions sized to fill `seconds`.
  const probeSteps = args.backend === 'cpu' ? 2 : 10;
  const probeMs = (await run(probeSteps)) / probeSteps;
  const perRep = Math.max(2, Math.round((args.seconds * 1000) / REPS / probeMs));
  const msPerStepReps: number[] = [];
  for (let r = 0; r < REPS; r++) msPerStepReps.push((await run(perRep)) / perRep);
  msPerStepReps.sort((a, b) => a - b);
  const msPerStep = msPerStepReps[Math.floor(REPS / 2)];

  const device = args.backend === 'webgpu' ? (tf.backend() as unknown as { device: GPUDevice }).device : null;
  opt.dispose();
  tf.dispose([xs, ys, ...vars]);
  tf.engine().reset(); // disposes the backends (tfjs-webgpu frees its buffers, not the device)
  device?.destroy();
  return {
    stepsPerSecond: 1000 / msPerStep,
    msPerStep,
    warmupMs,
    steps: warmupSteps + probeSteps + REPS * perRep,
    repetitionMs: [...msPerStepReps],
    detail: `${detail}; tfjs ${tf.version_core}; ${warmupSteps} warm-up steps, ${REPS} reps x ${perRep} steps, median; reps ms/step ${msPerStepReps.map((v) => v.toFixed(2)).join(' ')}; final loss ${lastLoss.toFixed(3)}`,
    error: null,
  };
}

async function main(): Promise<void> {
  let result: ChildResult;
  try {
    result = await measure(JSON.parse(process.argv[2] ?? '{}') as ChildArgs);
  } catch (e) {
    const msg = e instanceof Error ? `${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 4).join('\n')}` : ''}` : String(e);
    result = failedResult(msg);
  }
  process.stdout.write(RESULT_TAG + JSON.stringify(result) + '\n', () => process.exit(0));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
