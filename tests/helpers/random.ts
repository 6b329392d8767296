// Deterministic test data (a seeded generator, so a failure reproduces).
import { hash4, unitF32 } from '../../src/kernels/rng.ts';

export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * unitF32(hash4(seed, 999, 0, i));
  return out;
}

export function randomU32(n: number, seed: number, below: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(unitF32(hash4(seed, 998, 0, i)) * below);
  return out;
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Largest |x - ref| / (atol + rtolScale[i]) : <= 1 means within tolerance. */
export function worstRatio(x: ArrayLike<number>, ref: ArrayLike<number>, tol: (i: number) => number): { ratio: number; at: number } {
  let ratio = 0;
  let at = -1;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.abs(x[i] - ref[i]) / tol(i);
    if (!(r <= ratio)) {
      ratio = r;
      at = i;
    }
  }
  return { ratio, at };
}
