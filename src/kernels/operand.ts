// A view of a GPU buffer as one operand of a batched kernel: element `i` of trial `t` is at
// `offset + t * trialStride + i` (in 4-byte elements). trialStride 0 shares one copy
// across trials (e.g. the evaluation inputs, identical for every trial).
import type { GBuf } from './buffer-pool.ts';

export interface Operand {
  buf: GBuf;
  offset?: number;
  trialStride?: number;
}

export function off(o: Operand): number {
  return o.offset ?? 0;
}

export function stride(o: Operand): number {
  return o.trialStride ?? 0;
}
