// Register-tiled matmul with scalar loads: any shape, any alignment. Each invocation
// computes a TILE_M x TILE_N block. Used where matmul_vec4's alignment rules do not hold
// (e.g. the 10-class output layer). Includes matmul_common.wgsl.
// Grid: x = ceil(tiles_m * tiles_n / WG) workgroups, z = trials.

const TILE_M: u32 = 4u;
const TILE_N: u32 = 4u;
const WG: u32 = 32u;

@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = wid.z;
  let tile = gid.x;
  if (tile >= d.tiles_m * d.tiles_n) { return; }
  let r0 = (tile / d.tiles_n) * TILE_M;
  let c0 = (tile % d.tiles_n) * TILE_N;
  let a_base = d.a_off + t * d.a_trial;
  let b_base = d.b_off + t * d.b_trial;
  // Element (i, k) of op(A) is at a_base + i * a_i + k * a_k; likewise for B. Rows and
  // columns past the edge are clamped on load and skipped on store.
  var a_i = d.K; var a_k = 1u;
  if (FORM == FORM_TN) { a_i = 1u; a_k = d.M; }
  var b_k = d.N; var b_j = 1u;
  if (FORM == FORM_NT) { b_k = 1u; b_j = d.K; }
  var ra: array<u32, TILE_M>;
  for (var i = 0u; i < TILE_M; i++) { ra[i] = a_base + min(r0 + i, d.M - 1u) * a_i; }
  var cb: array<u32, TILE_N>;
  for (var j = 0u; j < TILE_N; j++) { cb[j] = b_base + min(c0 + j, d.N - 1u) * b_j; }
  var acc: array<array<f32, TILE_N>, TILE_M>;
  var bsum: array<f32, TILE_N>;
  let sums_bias = BIAS_GRAD && FORM == FORM_TN && r0 == 0u;
  for (var k = 0u; k < d.K; k++) {
    var b: array<f32, TILE_N>;
    for (var j = 0u; j < TILE_N; j++) { b[j] = B[cb[j] + k * b_k]; }
    for (var i = 0u; i < TILE_M; i++) {
      let a = A[ra[i] + k * a_k];
      for (var j = 0u; j < TILE_N; j++) { acc[i][j] = fma(a, b[j], acc[i][j]); }
    }
    if (sums_bias) { for (var j = 0u; j < TILE_N; j++) { bsum[j] += b[j]; } }
  }
  if (sums_bias) {
    for (var j = 0u; j < TILE_N; j++) {
      let c = c0 + j;
      if (c < d.N) { C[d.bias_off + t * d.bias_trial + c] = bsum[j]; }
    }
  }
  for (var i = 0u; i < TILE_M; i++) {
    let r = r0 + i;
    if (r >= d.M) { break; }
    for (var j = 0u; j < TILE_N; j++) {
      let c = c0 + j;
      if (c < d.N) { epilogue_store(t, r, c, acc[i][j]); }
    }
  }
}
