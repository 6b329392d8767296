// Operand A of the matmul family as stored floats (included after matmul_common.wgsl, in
// place of matmul_a_u8.wgsl). A is stored row-major [rows, width] (NN, NT: [M, K]; TN:
// [K, M]); row `row` of trial t starts at element a_off + t * a_trial + row * width.
//   a_row(t, row, width): position of the row's first element;
//   a_at(p):  the element at position p;
//   a4_at(q): the four elements at positions 4q .. 4q+3 (the caller guarantees alignment).
// Binding 1 (A). A kernel entry point uses a_at or a4_at, never both (one binding, two views).

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> A4: array<vec4<f32>>;

fn a_row(t: u32, row: u32, width: u32) -> u32 { return d.a_off + t * d.a_trial + row * width; }
fn a_at(p: u32) -> f32 { return A[p]; }
fn a4_at(q: u32) -> vec4<f32> { return A4[q]; }
