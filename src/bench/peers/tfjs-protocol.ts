// What the tfjs peer's parent (tfjs.ts) and its children (tfjs-child.ts) share: the result
// types and the tag of the child's one result line. Kept apart so that a child loads neither
// the parent nor what the parent imports.
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
  /** Each timed repetition's ms per step (the median is msPerStep). */
  repetitionMs: number[];
  /** Adapter, wasm SIMD/threads, repetition times, final loss. */
  detail: string;
  error: string | null;
  /** The wasm backend's threads: the count measured with, and each count tried. */
  threads: TfjsThreads | null;
}

export interface TfjsThreads {
  count: number;
  choice: string;
  tried: Array<{ threads: number; stepsPerSecond: number | null; error: string | null }>;
}

/** The child prints RESULT_TAG + JSON(ChildResult) on one line. */
export const RESULT_TAG = 'TFJS_PEER_RESULT ';
export interface ChildArgs {
  backend: TfjsBackend;
  optimizer: PeerOptimizer;
  batch: number;
  seconds: number;
  /** The wasm backend's threads (1 elsewhere). */
  threads: number;
}
export type ChildResult = Omit<PeerResult, 'framework' | 'backend' | 'optimizer' | 'threads'>;


/** A measurement that produced no figure, and why. */
export function failedResult(error: string): ChildResult {
  return { stepsPerSecond: null, msPerStep: null, warmupMs: null, steps: 0, repetitionMs: [], detail: '', error };
}
