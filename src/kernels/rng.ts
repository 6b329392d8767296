// The counter-based generator of shaders/rng.wgsl, bit for bit on the CPU: initialization
// and shuffling use it here, dropout uses it on the GPU, and tests compare the two.

export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function hash4(a: number, b: number, c: number, d: number): number {
  let h = mix32((a + 0x9e3779b9) >>> 0);
  h = mix32((h ^ ((b + 0x85ebca6b) >>> 0)) >>> 0);
  h = mix32((h ^ ((c + 0xc2b2ae35) >>> 0)) >>> 0);
  return mix32((h ^ ((d + 0x27d4eb2f) >>> 0)) >>> 0);
}

/** Uniform in [0, 1) with 24 bits, as unit_f32 in WGSL. */
export function unitF32(h: number): number {
  return (h >>> 8) * (1 / 16777216);
}

/** Streams: the second key of hash4, so different uses of one seed never share numbers. */
export const STREAM = {
  init: 1,
  shuffle: 2,
  /** Dropout layer i uses dropout + i. */
  dropout: 16,
} as const;

/** Fisher-Yates permutation of 0..n-1 drawn from (seed, STREAM.shuffle, epoch). */
export function permutation(n: number, seed: number, epoch: number, out: Uint32Array = new Uint32Array(n)): Uint32Array {
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    // 32 random bits scaled to [0, i]: bias below 2^-32 * n, irrelevant at these sizes.
    const j = Math.floor((hash4(seed, STREAM.shuffle, epoch, i) / 4294967296) * (i + 1));
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}
