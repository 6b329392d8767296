// uint8 data sets live on the GPU as they are, four bytes to a u32 word (little-endian):
// the first layer's matmuls (matmul_a_u8.wgsl) and softmax_ce read images and labels from
// them through each batch's index list.

/** Packs bytes into u32 words (zero-padded) for upload. */
export function packBytes(bytes: Uint8Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(bytes.length / 4));
  new Uint8Array(words.buffer).set(bytes);
  return words;
}
