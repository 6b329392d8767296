// Arithmetic the specs' TypeScript references share with the PyTorch implementations they
// follow.

/** PyTorch's lerp(a, b, w) on the CPU: a + w (b - a) below w = 0.5, b - (b - a)(1 - w) from
 * there, so both ends are exact (w = 0 gives a, w = 1 gives b). */
export function lerp(a: number, b: number, w: number): number {
  return w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
}
