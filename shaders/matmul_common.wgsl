// Shared declarations of the matmul family (included before matmul_vec4, matmul_scalar and
// matmul_shared). C = op(A) * op(B), per trial t (workgroup z), then an optional epilogue.
//
// Layouts (row-major, contiguous; every operand offset by `*_off + t * *_trial` elements):
//   FORM_NN: A [M, K], B [K, N]   forward:        Y  = X  * W
//   FORM_TN: A [K, M], B [K, N]   weight grad:    dW = X^T * dY
//   FORM_NT: A [M, K], B [N, K]   input grad:     dX = dY * W^T
//   C is [M, N].
// Epilogue, in order: + bias[c] (HAS_BIAS); max(., 0) (RELU); * (H[r, c] > 0 ? s_t : 0) (MASK)
// where H is the forward output whose ReLU (and inverted-dropout) mask is being applied and
// s_t = scales[scale_off + t * scale_trial] (MASK_SCALE, 1 / keep probability) or 1.
// BIAS_GRAD (FORM_TN only): also writes the column sums of op(B) = dY, the bias gradient,
// into C's buffer at C[bias_off + t * bias_trial + c] (the gradient arena holds both).
//
// Bindings: 0 uniform Dims; 1 A; 2 B; 3 C (read_write); 4 bias; 5 H; 6 scales.
// Unused bindings still need a (small) buffer bound.

const FORM_NN: u32 = 0u;
const FORM_TN: u32 = 1u;
const FORM_NT: u32 = 2u;

struct Dims {
  M: u32, N: u32, K: u32, tiles_n: u32,
  a_off: u32, a_trial: u32, b_off: u32, b_trial: u32,
  c_off: u32, c_trial: u32, bias_off: u32, bias_trial: u32,
  mask_off: u32, mask_trial: u32, scale_off: u32, tiles_m: u32,
  scale_trial: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}
