// Operand A of the matmul family gathered from a uint8 data set on the fly (the first
// layer's input; included after matmul_common.wgsl in place of matmul_a_f32.wgsl): row
// `row` of trial t is sample s = A_idx[idx_off + t * idx_trial + row], whose `width` bytes
// start at byte a_off + s * width of A_bytes (bytes packed four to a u32, little-endian),
// each scaled by 1/255 exactly as shaders/gather.wgsl does, so products (and sums in the
// same order) are bit-identical to multiplying the gathered float copy.
//   a_row(t, row, width): byte address of the row's first element;
//   a_at(p):  the element at byte address p;
//   a4_at(q): the four elements of word q (bytes 4q .. 4q+3).
// Bindings: 1 A_bytes (u32 words); 7 A_idx (u32 sample indices).

@group(0) @binding(1) var<storage, read> A_bytes: array<u32>;
@group(0) @binding(7) var<storage, read> A_idx: array<u32>;

fn a_row(t: u32, row: u32, width: u32) -> u32 { return d.a_off + A_idx[d.idx_off + t * d.idx_trial + row] * width; }
fn a_at(p: u32) -> f32 { return f32((A_bytes[p >> 2u] >> ((p & 3u) * 8u)) & 0xffu) * (1.0 / 255.0); }
fn a4_at(q: u32) -> vec4<f32> {
  let w = A_bytes[q];
  return vec4<f32>(f32(w & 0xffu), f32((w >> 8u) & 0xffu), f32((w >> 16u) & 0xffu), f32(w >> 24u)) * (1.0 / 255.0);
}
