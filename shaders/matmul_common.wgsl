// Shared part of the matmul family (included first, then the source of operand A:
// matmul_a_f32 or matmul_a_u8, then one of matmul_vec4, matmul_scalar, matmul_shared,
// matmul_tiled, which declare B): C = op(A) * op(B), per trial t (workgroup z),
// then an optional epilogue. The flags below are compile-time constants set per pipeline.
//
// Layouts (row-major, contiguous; every operand offset by `*_off + t * *_trial` elements):
//   FORM_NN: A [M, K], B [K, N]   forward:        Y  = X  * W
//   FORM_TN: A [K, M], B [K, N]   weight grad:    dW = X^T * dY
//   FORM_NT: A [M, K], B [N, K]   input grad:     dX = dY * W^T
//   C is [M, N].
// Epilogue, in order: + bias[c] (HAS_BIAS); max(., 0) (RELU); inverted dropout (DROPOUT);
// * (H[r, c] > 0 ? s_t : 0) (MASK) where H is the forward output whose ReLU (and
// inverted-dropout) mask is being applied and s_t = scales[scale_off + t * scale_trial] as
// f32 bits (MASK_SCALE, 1 / keep probability) or 1.
// DROPOUT (forward): the words of trial t at scales[scale_off + t * scale_trial] are the
// dropout parameters of kernels/dropout.ts (seed, keep as f32 bits, step); element (r, c)
// is kept, times 1 / keep, where unit(hash(seed, drop_stream, step, r * N + c)) < keep,
// exactly as shaders/dropout.wgsl draws and scales it in place (so fusing changes no bit).
// Includes rng.wgsl.
// BIAS_GRAD (FORM_TN only): also writes the column sums of op(B) = dY, the bias gradient,
// into C's buffer at C[bias_off + t * bias_trial + c] (the gradient arena holds both).
//
// Bindings: 0 uniform Dims; 1 A; 2 B; 3 C (read_write); 4 bias; 5 H; 6 scales (u32); 7 the
// sample indices of a gathered A (matmul_a_u8 only).
// Unused bindings still need a (small) buffer bound.

const FORM_NN: u32 = 0u;
const FORM_TN: u32 = 1u;
const FORM_NT: u32 = 2u;

const FORM: u32 = 0u;        // matmul_scalar and matmul_shared; matmul_vec4 has an entry point per form
const HAS_BIAS: bool = false;
const RELU: bool = false;
const MASK: bool = false;
const MASK_SCALE: bool = false;
const DROPOUT: bool = false;
const BIAS_GRAD: bool = false;

struct Dims {
  M: u32, N: u32, K: u32, tiles_n: u32,
  a_off: u32, a_trial: u32, b_off: u32, b_trial: u32,
  c_off: u32, c_trial: u32, bias_off: u32, bias_trial: u32,
  mask_off: u32, mask_trial: u32, scale_off: u32, tiles_m: u32,
  scale_trial: u32, idx_off: u32, idx_trial: u32, drop_stream: u32,
}

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> H: array<f32>;
@group(0) @binding(6) var<storage, read> scales: array<u32>;

// The epilogue and store of one output element.
fn epilogue_store(t: u32, r: u32, c: u32, acc: f32) {
  var v = acc;
  if (HAS_BIAS) { v += bias[d.bias_off + t * d.bias_trial + c]; }
  if (RELU) { v = max(v, 0.0); }
  if (DROPOUT) {
    let p = d.scale_off + t * d.scale_trial;
    let keep = bitcast<f32>(scales[p + 1u]);
    if (keep < 1.0) {
      let u = unit_f32(hash4(scales[p], d.drop_stream, scales[p + 2u], r * d.N + c));
      v = select(0.0, v * (1.0 / keep), u < keep);
    }
  }
  if (MASK) {
    var s = 1.0;
    if (MASK_SCALE) { s = bitcast<f32>(scales[d.scale_off + t * d.scale_trial]); }
    let h = H[d.mask_off + t * d.mask_trial + r * d.N + c];
    v = select(0.0, v * s, h > 0.0);
  }
  C[d.c_off + t * d.c_trial + r * d.N + c] = v;
}
