// The same training workload as our engine's (MLP 784-128-128-10, ReLU, Glorot-uniform weights,
// zero biases, softmax cross-entropy averaged over a batch of 128, Adam lr 1e-3 or SGD with
// momentum 0.9 lr 0.1, data resident on the backend) measured with TensorFlow.js (tfjs-core
// only), for a side-by-side comparison of steady-state training steps per second.
//
// Each (backend, optimizer) runs in its own child process (tfjs-child.ts): tfjs keeps global
// engine state, Dawn keeps a process alive while a device is referenced, and a failing backend
// must yield { error } rather than take the caller down.
//
// CLI: npx tsx src/bench/peers/tfjs.ts [--seconds 5] [--batch 128] [--backends webgpu,wasm,cpu]
//      [--optimizers adam,sgd]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type TfjsBackend = 'webgpu' | 'wasm' | 'cpu';
export type PeerOptimizer = 'adam' | 'sgd';

export interface PeerResult {
  framework: 'tfjs';
  backend: TfjsBackend;
  optimizer: PeerOptimizer;
  stepsPerSecond: number | null;
  msPerStep: number | null;
  /** Wall time of the warm-up steps (shader compilation, buffer pools), apart from the timing. */
  warmupMs: number | null;
  /** Training steps run in all (warm-up, calibration and timed). */
  steps: number;
  /** Adapter, wasm SIMD/threads, repetition times, final loss. */
  detail: string;
  error: string | null;
}

export interface MeasureTfjsOptions {
  backends?: TfjsBackend[];
  optimizers?: PeerOptimizer[];
  batch?: number;
  /** Target timed seconds per measurement (default 5). */
  seconds?: number;
  log?: (s: string) => void;
}

/** Shared with tfjs-child.ts: the child prints RESULT_TAG + JSON(ChildResult) on one line. */
export const RESULT_TAG = 'TFJS_PEER_RESULT ';
export interface ChildArgs {
  backend: TfjsBackend;
  optimizer: PeerOptimizer;
  batch: number;
  seconds: number;
}
export type ChildResult = Omit<PeerResult, 'framework' | 'backend' | 'optimizer'>;

const CHILD = fileURLToPath(new URL('./tfjs-child.ts', import.meta.url));

/** Runs one measurement in a child process (node with the tsx loader, whatever runs the parent:
 * tsx, vitest...). Never throws: failures come back as { error }. */
function runChild(args: ChildArgs): Promise<ChildResult> {
  const failed = (error: string): ChildResult => ({ stepsPerSecond: null, msPerStep: null, warmupMs: null, steps: 0, detail: '', error });
  let tsx: string;
  try {
    tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch (e) {
    return Promise.resolve(failed(`cannot find tsx to run the child: ${String(e)}`));
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
      resolve(failed(`child process failed to start: ${e.message}`));
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
      resolve(failed(`child ${why} without a result; stderr tail: ${err.trim().split('\n').slice(-8).join(' | ')}`));
    });
  });
}

/** Measures each backend x optimizer one after the other (never in parallel: they would share
 * the CPU cores). */
export async function measureTfjs(opts: MeasureTfjsOptions = {}): Promise<PeerResult[]> {
  const backends = opts.backends ?? ['webgpu', 'wasm', 'cpu'];
  const optimizers = opts.optimizers ?? ['adam', 'sgd'];
  const batch = opts.batch ?? 128;
  const seconds = opts.seconds ?? 5;
  const results: PeerResult[] = [];
  for (const backend of backends) {
    for (const optimizer of optimizers) {
      opts.log?.(`tfjs ${backend}/${optimizer}: measuring ...`);
      const r = await runChild({ backend, optimizer, batch, seconds });
      results.push({ framework: 'tfjs', backend, optimizer, ...r });
      opts.log?.(
        r.error
          ? `tfjs ${backend}/${optimizer}: FAILED: ${r.error}`
          : `tfjs ${backend}/${optimizer}: ${r.stepsPerSecond!.toFixed(1)} steps/s (${r.msPerStep!.toFixed(2)} ms/step), warm-up ${r.warmupMs!.toFixed(0)} ms`,
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

async function cli(): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const list = <T extends string>(s: string | undefined): T[] | undefined => (s ? (s.split(',') as T[]) : undefined);
  const t0 = performance.now();
  const results = await measureTfjs({
    backends: list<TfjsBackend>(arg('backends')),
    optimizers: list<PeerOptimizer>(arg('optimizers')),
    batch: arg('batch') ? Number(arg('batch')) : undefined,
    seconds: arg('seconds') ? Number(arg('seconds')) : undefined,
    log: (s) => console.error(s),
  });
  console.log(formatTable(results));
  console.log(`(total ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
