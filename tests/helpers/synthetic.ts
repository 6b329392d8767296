// A tiny synthetic data set for training tests: `count` samples of 2x3 pixels, 3 classes,
// the pixels and labels a fixed function of the index.
export const FEATURES = 6;
export const CLASSES = 3;

export function syntheticSplit(count: number) {
  return {
    images: Uint8Array.from({ length: count * FEATURES }, (_, i) => (i * 73 + 19 * Math.floor(i / 7)) & 255),
    labels: Uint8Array.from({ length: count }, (_, i) => (i * i + 1) % CLASSES),
    count, rows: 2, cols: 3,
  };
}
