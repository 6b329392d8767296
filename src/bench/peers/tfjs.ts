// The same training workload as our engine's (MLP 784-128-128-10, ReLU, Glorot-uniform weights,
// zero biases, softmax cross-entropy averaged over a batch of 128, Adam lr 1e-3 or SGD with
// momentum 0.9 lr 0.1, data resident on the backend) measured with TensorFlow.js (tfjs-core
// only), for a side-by-side comparison of steady-state training steps per second.
//
// Each (backend, optimizer) runs in its own child process (tfjs-child.ts): tfjs keeps global
// engine state, Dawn keeps a process alive while a device is referenced, and a failing backend
// must yield { error } rather than take the caller down.
//
// Threads, as a careful user sets them: the wasm backend tries 1 thread and the core count
// (its threaded build; tfjs-wasm-threads.ts) briefly, each in its own child, and measures with
// the fastest. The webgpu backend runs on the same Dawn adapter as the engine; the cpu
// backend is plain single-threaded JavaScript.
//
// CLI: npx tsx src/bench/peers/tfjs.ts --help
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { optionsOrExit, parseStrict, UsageError } from '../command-line.ts';
import { failedResult, RESULT_TAG, type ChildArgs, type ChildResult, type PeerOptimizer, type PeerResult, type TfjsBackend, type TfjsThreads } from './tfjs-protocol.ts';

export type { PeerOptimizer, PeerResult, TfjsBackend, TfjsThreads } from './tfjs-protocol.ts';

export interface MeasureTfjsOptions {
  backends?: TfjsBackend[];
  optimizers?: PeerOptimizer[];
  batch?: number;
  /** Target timed seconds per measurement (default 5). */
  seconds?: number;
  /** Thread counts the wasm backend tries (default 1 and the core count). */
  wasmThreads?: number[];
  log?: (s: string) => void;
}

const CHILD = fileURLToPath(new URL('./tfjs-child.ts', import.meta.url));

/** Runs one measurement in a child process (node with the tsx loader, whatever runs the parent:
 * tsx, vitest...). Never throws: failures come back as { error }. */
function runChild(args: ChildArgs): Promise<ChildResult> {
  let tsx: string;
  try {
    tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch (e) {
    return Promise.resolve(failedResult(`cannot find tsx to run the child: ${String(e)}`));
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsx, CHILD, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Warm-up and start-up take a few seconds; a hung GPU backend must not hang the caller.
    const limitMs = 90_000 + args.seconds * 4000;
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(failedResult(`child process failed to start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_TAG));
      if (line) {
        try {
          resolve(JSON.parse(line.slice(RESULT_TAG.length)) as ChildResult);
          return;
        } catch {
          /* fall through */
        }
      }
      const why = signal === 'SIGKILL' ? `timed out after ${limitMs / 1000} s` : `exited with ${signal ?? `code ${code}`}`;
      resolve(failedResult(`child ${why} without a result; stderr tail: ${err.trim().split('\n').slice(-8).join(' | ')}`));
    });
  });
}

/** The most threads tfjs-backend-wasm 4.22 runs: its build starts a pool of 8 workers and caps
 * XNNPACK's thread pool there. */
export const WASM_MAX_THREADS = 8;

/** Seconds each wasm thread count is tried before the measurement. */
export function probeSeconds(seconds: number): number {
  return Math.max(0.5, seconds / 5);
}

/** The wasm backend's measurement with its fastest thread count: each count tried briefly
 * (a child each: the count is fixed when the backend starts), then measured with the fastest. */
async function measureWasm(optimizer: PeerOptimizer, batch: number, seconds: number, counts: number[], log?: (s: string) => void): Promise<{ result: ChildResult; threads: TfjsThreads }> {
  if (counts.length === 1) {
    return { result: await runChild({ backend: 'wasm', optimizer, batch, seconds, threads: counts[0] }), threads: { count: counts[0], choice: 'the only count tried', tried: [] } };
  }
  const tried: TfjsThreads['tried'] = [];
  for (const threads of counts) {
    const r = await runChild({ backend: 'wasm', optimizer, batch, seconds: probeSeconds(seconds), threads });
    tried.push({ threads, stepsPerSecond: r.stepsPerSecond, error: r.error === null ? null : r.error.split('\n')[0] });
  }
  log?.(`tfjs wasm/${optimizer} threads: ${tried.map((t) => `${t.threads}: ${t.stepsPerSecond === null ? `failed (${t.error})` : `${t.stepsPerSecond.toFixed(1)} steps/s`}`).join(', ')}`);
  const ok = tried.filter((t) => t.stepsPerSecond !== null);
  if (!ok.length) return { result: failedResult(`every thread count failed: ${tried[0].error}`), threads: { count: 0, choice: 'none ran', tried } };
  const best = ok.reduce((a, b) => (b.stepsPerSecond! > a.stepsPerSecond! ? b : a));
  return { result: await runChild({ backend: 'wasm', optimizer, batch, seconds, threads: best.threads }), threads: { count: best.threads, choice: `fastest of ${counts.length} tried`, tried } };
}

/** Measures each backend x optimizer one after the other (never in parallel: they would share
 * the CPU cores). */
export async function measureTfjs(opts: MeasureTfjsOptions = {}): Promise<PeerResult[]> {
  const backends = opts.backends ?? ['webgpu', 'wasm', 'cpu'];
  const optimizers = opts.optimizers ?? ['adam', 'sgd'];
  const batch = opts.batch ?? 128;
  const seconds = opts.seconds ?? 5;
  const counts = opts.wasmThreads ?? [...new Set([1, Math.min(availableParallelism(), WASM_MAX_THREADS)])];
  const results: PeerResult[] = [];
  for (const backend of backends) {
    for (const optimizer of optimizers) {
      opts.log?.(`tfjs ${backend}/${optimizer}: measuring ...`);
      const { result: r, threads } =
        backend === 'wasm' ? await measureWasm(optimizer, batch, seconds, counts, opts.log) : { result: await runChild({ backend, optimizer, batch, seconds, threads: 1 }), threads: null };
      results.push({ framework: 'tfjs', backend, optimizer, ...r, threads });
      opts.log?.(
        r.error
          ? `tfjs ${backend}/${optimizer}: FAILED: ${r.error}`
          : `tfjs ${backend}/${optimizer}: ${r.stepsPerSecond!.toFixed(1)} steps/s (${r.msPerStep!.toFixed(2)} ms/step), warm-up ${r.warmupMs!.toFixed(0)} ms${threads ? `, ${threads.count} thread(s)` : ''}`,
      );
    }
  }
  return results;
}

export function formatTable(results: PeerResult[]): string {
  const rows = [['backend', 'optimizer', 'steps/s', 'ms/step', 'warm-up ms', 'steps', 'detail / error']];
  for (const r of results) {
    rows.push([
      r.backend,
      r.optimizer,
      r.stepsPerSecond?.toFixed(1) ?? '-',
      r.msPerStep?.toFixed(2) ?? '-',
      r.warmupMs?.toFixed(0) ?? '-',
      String(r.steps),
      r.error ? `ERROR: ${r.error.split('\n')[0]}` : r.detail,
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => (c === 6 ? cell : cell.padEnd(widths[c]))).join('  ')).join('\n');
}

export const TFJS_OPTIONS = {
  backends: { type: 'string', default: 'webgpu,wasm,cpu' },
  optimizers: { type: 'string', default: 'adam,sgd' },
  batch: { type: 'string', default: '128' },
  seconds: { type: 'string', default: '5' },
  'wasm-threads': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const TFJS_USAGE = `usage: npx tsx src/bench/peers/tfjs.ts [options]
TensorFlow.js training the study's MLP (synthetic Fashion-MNIST-shaped data): steps/s per
backend and optimizer, each in its own process (what bench:perf runs for its tfjs rows).
  --backends a,b       webgpu, wasm, cpu (default all three)
  --optimizers a,b     adam, sgd (default both)
  --batch N            batch rows (default 128)
  --seconds S          timed seconds per measurement (default 5)
  --wasm-threads a,b   thread counts the wasm backend tries (default 1 and the core count,
                       at most 8); it measures with the fastest
  -h, --help           this text`;

function parseTfjsArgs(args: string[]): MeasureTfjsOptions {
  const { values } = parseStrict(TFJS_OPTIONS, args);
  const list = <T extends string>(name: 'backends' | 'optimizers', known: readonly T[]): T[] => {
    const items = values[name].split(',').filter(Boolean);
    const bad = items.find((i) => !(known as readonly string[]).includes(i));
    if (bad !== undefined || !items.length) throw new UsageError(`--${name}: unknown '${bad ?? ''}' (known: ${known.join(', ')})`);
    return items as T[];
  };
  const positive = (name: string, v: string, integer: boolean): number => {
    const n = Number(v);
    if (!(n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${v}'`);
    return n;
  };
  return {
    backends: list('backends', ['webgpu', 'wasm', 'cpu'] as const),
    optimizers: list('optimizers', ['adam', 'sgd'] as const),
    batch: positive('batch', values.batch, true),
    seconds: positive('seconds', values.seconds, false),
    wasmThreads: values['wasm-threads']?.split(',').map((t) => positive('wasm-threads', t, true)),
  };
}

async function cli(): Promise<void> {
  const options = optionsOrExit('tfjs peer', TFJS_USAGE, process.argv.slice(2), parseTfjsArgs);
  const t0 = performance.now();
  const results = await measureTfjs({ ...options, log: (s) => console.error(s) });
  console.log(formatTable(results));
  console.log(`(total ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
