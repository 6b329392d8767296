// Weight initializers, drawn from the counter-based generator keyed by (seed, init stream,
// tensor index, element): a seed always gives the same weights, whatever the batching.
import { hash4, STREAM, unitF32 } from '../kernels/rng.ts';

export type InitName = 'glorot-uniform' | 'he-uniform';
export const INITIALIZERS: readonly InitName[] = ['glorot-uniform', 'he-uniform'];

/** Half-width of the uniform range. Glorot uniform (Keras' Dense default):
 * sqrt(6 / (fan_in + fan_out)); He uniform: sqrt(6 / fan_in). */
export function initLimit(init: InitName, fanIn: number, fanOut: number): number {
  return init === 'glorot-uniform' ? Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(6 / fanIn);
}

export function uniformInit(out: Float32Array, limit: number, seed: number, tensorIndex: number): void {
  for (let i = 0; i < out.length; i++) out[i] = (2 * unitF32(hash4(seed, STREAM.init, tensorIndex, i)) - 1) * limit;
}
