// The PyTorch peer (torch_peer.py beside this file) seen from TypeScript: finds a Python that
// can import torch, runs the peer in its own process and reads its result lines (RESULT_TAG +
// JSON on stdout, progress on stderr). No Python or no torch is not a failure of the caller:
// findTorch says why, and skipLine() is the one line bench:perf prints for it. Every result
// names the BLAS library torch called (blas_info.py) and the threads it ran with; on netlib's
// reference BLAS its speed is not representative, and blasWarning() says so in one line.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Shared with torch_peer.py. */
export const RESULT_TAG = 'TORCH_PEER_RESULT ';
export const PEER_SCRIPT = fileURLToPath(new URL('./torch_peer.py', import.meta.url));
const INSTALL = 'install python3-torch / pip install torch';
/** What makes Debian's python3-torch fast: an optimized BLAS, and the tool to set its threads. */
export const BLAS_INSTALL = 'apt-get install libopenblas0-pthread python3-threadpoolctl';
/** The mark on every figure of a peer that ran on the reference BLAS. */
export const REFERENCE_BLAS_MARK = 'reference BLAS, not representative';

/** The BLAS library torch's matmuls called (blas_info.py's describe). */
export interface BlasInfo {
  library: string;
  /** netlib's reference BLAS: correct, but several times slower than an optimized one. */
  reference: boolean;
  path: string | null;
  version: string | null;
  threadingLayer: string | null;
  /** The BLAS's threads when the peer started (before it chose its own). */
  defaultThreads: number | null;
  /** How the peer found out. */
  how: string;
}

/** The threads a measurement ran with, and what each configuration tried reached. */
export interface ThreadChoice {
  /** torch's intra-op threads. */
  intraOp: number;
  /** The BLAS library's threads (null where unknown). */
  blas: number | null;
  /** 'fastest of 4 tried', 'as given', 'not tuned: the work runs on CUDA', ... */
  choice: string;
  tried: Array<{ intraOp: number; blas: number | null; stepsPerSecond: number }>;
  /** How the BLAS's threads were set ('threadpoolctl', ...) or why they were not. */
  blasControl: string;
  cores: number;
}

/** What every result line says about where it ran. */
interface Where {
  torch: string;
  /** The Python version. */
  python: string;
  /** 'cuda: <card>' or 'cpu: <cores> cores'. */
  device: string;
  cuda: boolean;
  blas: BlasInfo;
}

export interface TorchInfo extends Where {
  task: 'info';
  /** The threads this Python starts with. */
  threads: ThreadChoice;
}

/** Steady-state training steps/s of one model, the usual loop (nn.Sequential + torch.optim). */
export interface TorchSteps extends Where {
  task: 'steps';
  mode: 'loop';
  dataset: string;
  optimizer: string;
  stepsPerSecond: number;
  msPerStep: number;
  warmupMs: number;
  steps: number;
  /** Each timed repetition's ms per step (the median is msPerStep). */
  repetitionMs: number[];
  threads: ThreadChoice;
}

/** Trials stacked (batched eager, or CUDA graphs): ms per training step of all trials and
 * one validation pass, as bench:perf measures the engine. */
export interface TorchThroughput extends Where {
  task: 'throughput';
  mode: 'batched' | 'graphs';
  dataset: string;
  trials: number;
  stepMs: number;
  evalMs: number;
  epochSeconds: number;
  trialEpochsPerMinute: number;
  /** Warm-up and graph capture, apart from the timing. */
  setupSeconds: number;
  /** Each timed repetition's ms per step (the median is stepMs). */
  repetitionMs: number[];
  threads: ThreadChoice;
}

/** Whole trials trained: seconds of training and evaluation (data load, warm-up and graph
 * capture apart), and what the trials reached. */
export interface TorchStudy extends Where {
  task: 'study';
  mode: 'batched' | 'graphs' | 'loop';
  dataset: string;
  trials: number;
  epochs: number;
  seconds: number;
  setupSeconds: number;
  loadSeconds: number;
  ids: string[];
  testAccuracy: number[];
  testLoss: number[];
  threads: ThreadChoice;
}

export type TorchResult = TorchInfo | TorchSteps | TorchThroughput | TorchStudy;

const NUMBERS: Record<TorchResult['task'], string[]> = {
  info: [],
  steps: ['stepsPerSecond', 'msPerStep', 'warmupMs', 'steps'],
  throughput: ['trials', 'stepMs', 'evalMs', 'epochSeconds', 'trialEpochsPerMinute', 'setupSeconds'],
  study: ['trials', 'epochs', 'seconds', 'setupSeconds', 'loadSeconds'],
};

/** The result lines of the peer's stdout; every other line is ignored. A tagged line that is
 * not a well-formed result is listed in `malformed` with the reason. */
export function parsePeerOutput(stdout: string): { results: TorchResult[]; malformed: string[] } {
  const results: TorchResult[] = [];
  const malformed: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(RESULT_TAG)) continue;
    const bad = (why: string) => malformed.push(`${why}: ${line.slice(0, 200)}`);
    let v: unknown;
    try {
      v = JSON.parse(line.slice(RESULT_TAG.length));
    } catch (e) {
      bad(`not JSON (${(e as Error).message})`);
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      bad('not a JSON object');
      continue;
    }
    const r = v as Record<string, unknown>;
    const task = r.task as TorchResult['task'];
    if (!(typeof task === 'string' && task in NUMBERS)) {
      bad(`unknown task ${JSON.stringify(r.task)}`);
      continue;
    }
    const missing = [...NUMBERS[task].filter((k) => typeof r[k] !== 'number'), ...['torch', 'device'].filter((k) => typeof r[k] !== 'string')];
    const blas = r.blas as Record<string, unknown> | undefined;
    if (!(typeof blas === 'object' && blas !== null && typeof blas.library === 'string' && typeof blas.reference === 'boolean')) missing.push('blas');
    const threads = r.threads as Record<string, unknown> | undefined;
    if (!(typeof threads === 'object' && threads !== null && typeof threads.intraOp === 'number' && Array.isArray(threads.tried))) missing.push('threads');
    if (task === 'study' && !(Array.isArray(r.testAccuracy) && r.testAccuracy.length === r.trials)) missing.push('testAccuracy (one per trial)');
    if (missing.length) {
      bad(`${task} result without ${missing.join(', ')}`);
      continue;
    }
    results.push(r as unknown as TorchResult);
  }
  return { results, malformed };
}

/** The one warning line for a peer on the reference BLAS, or null. */
export function blasWarning(blas: BlasInfo): string | null {
  if (!blas.reference) return null;
  return `warning: PyTorch calls the reference BLAS (${blas.path ?? 'netlib'}): its figures are marked "${REFERENCE_BLAS_MARK}"; for an optimized BLAS: ${BLAS_INSTALL}`;
}

/** One line: the BLAS, and the threads as a reader needs them. */
export function blasLine(blas: BlasInfo): string {
  const detail = [blas.version && `version ${blas.version}`, blas.threadingLayer, blas.path].filter(Boolean).join(', ');
  return `${blas.library}${detail ? ` (${detail})` : ''}${blas.reference ? ` [${REFERENCE_BLAS_MARK}]` : ''}`;
}

/** "torch 1 thread, BLAS 1 thread (fastest of 4 tried)"; on CUDA what the host ran with. */
export function threadsLine(t: ThreadChoice): string {
  const n = (k: number | null, what: string) => `${what} ${k ?? '?'} thread${k === 1 ? '' : 's'}`;
  return t.blas === null ? `${n(t.intraOp, 'torch')} (${t.choice})` : `${n(t.intraOp, 'torch')}, ${n(t.blas, 'BLAS')} (${t.choice})`;
}

/** The one line bench:perf prints when the peer cannot run. */
export function skipLine(reason: string): string {
  return `PyTorch peer skipped: ${reason} (${INSTALL})`;
}

export interface PeerRun {
  results: TorchResult[];
  /** Why the run failed (exit code, malformed lines, stderr tail), or null. */
  error: string | null;
}

export interface RunPeerOptions {
  /** Each stderr line of the peer (its progress), as it comes. */
  log?: (line: string) => void;
  /** Kill the peer after this long (default: no limit). */
  timeoutMs?: number;
}

/** Runs torch_peer.py with `args` under `python`. Never throws. */
export function runPeer(python: string, args: string[], opts: RunPeerOptions = {}): Promise<PeerRun> {
  return new Promise((resolve) => {
    const child = spawn(python, [PEER_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errTail: string[] = [];
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) opts.log?.(l);
      errTail = [...errTail, ...lines].slice(-8);
    });
    let timedOut = false;
    const timer = opts.timeoutMs === undefined ? null : setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), opts.timeoutMs);
    const done = (error: string | null) => {
      if (timer) clearTimeout(timer);
      const { results, malformed } = parsePeerOutput(out);
      if (!error && malformed.length) error = `malformed result lines: ${malformed.join(' | ')}`;
      resolve({ results, error });
    };
    child.on('error', (e) => done(`${python} did not start: ${e.message}`));
    child.on('close', (code, signal) => {
      const tail = [...errTail, partial].filter((l) => l.trim()).slice(-6).join(' | ');
      if (timedOut) done(`timed out after ${opts.timeoutMs! / 1000} s; stderr tail: ${tail}`);
      else if (code !== 0) done(`${python} torch_peer.py exited with ${signal ?? `code ${code}`}: ${tail || 'no message'}`);
      else done(null);
    });
  });
}

export type TorchFound = { python: string; info: TorchInfo } | { python: null; reason: string };

/** Pythons to try, in order: $PYTHON, then python3 on PATH, then the system's (a pyenv or venv
 * python3 first on PATH often lacks the Debian package's torch). */
export function pythonCandidates(env: Record<string, string | undefined> = process.env): string[] {
  return [...new Set([env.PYTHON, 'python3', '/usr/bin/python3', '/usr/local/bin/python3'].filter((p): p is string => !!p))];
}

/** The first candidate that can import torch, with what the peer reports about it; or why
 * none can (each candidate's reason). */
export async function findTorch(candidates: string[] = pythonCandidates()): Promise<TorchFound> {
  const why: string[] = [];
  for (const python of candidates) {
    const r = await runPeer(python, ['--task', 'info'], { timeoutMs: 120_000 });
    const info = r.results.find((x): x is TorchInfo => x.task === 'info');
    if (info && !r.error) return { python, info };
    why.push(`${python}: ${shortReason(r.error ?? 'no info line')}`);
  }
  return { python: null, reason: `no Python with torch (${why.join('; ')})` };
}

/** "python3 torch_peer.py exited with code 3: torch_peer: cannot import torch (...)" -> the
 * part a reader needs. */
function shortReason(error: string): string {
  if (/cannot import torch|No module named/.test(error)) return 'cannot import torch';
  if (/did not start|ENOENT/.test(error)) return 'not found';
  return error.slice(0, 160);
}
