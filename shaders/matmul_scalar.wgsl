// Register-tiled matmul with scalar loads: any shape, any alignment. Each invocation
// computes a TILE_M x TILE_N block. Used where matmul_vec4's alignment rules do not hold
// (e.g. the 10-class output layer). Includes matmul_common.wgsl and an A source
// (matmul_a_f32 or matmul_a_u8).
// Grid: x = ceil(tiles_m * tiles_n / WG) workgroups, z = trials.

const TILE_M: u32 = 4u;
const TILE_N: u32 = 4u;
const WG: u32 = 32u;

@group(0) @binding(2) var<storage, read> B: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = wid.z;
  let tile = gid.x;
  if (tile >= d.tiles_m * d.tiles_n) { return; }
  let r0 = (tile / d.tiles_n) * TILE_M;
  let c0 = (tile % d.tiles_n) * TILE_N;
  let b_base = d.b_off + t * d.b_trial;
  // Rows and columns past the edge are clamped on load and skipped on store. NN, NT: ra[i]
  // is where row i of A starts; TN (A stored [K, M]): ra[i] is the column within row k.
  var ra: array<u32, TILE_M>;
  for (var i = 0u; i < TILE_M; i++) {
    let r = min(r0 + i, d.M - 1u);
    if (FORM == FORM_TN) { ra[i] = r; } else { ra[i] = a_row(t, r, d.K); }
  }
  // Element (k, j) of op(B) is at b_base + k * b_k + j * b_j.
  var b_k = d.N; var b_j = 1u;
  if (FORM == FORM_NT) { b_k = 1u; b_j = d.K; }
  var cb: array<u32, TILE_N>;
  for (var j = 0u; j < TILE_N; j++) { cb[j] = b_base + min(c0 + j, d.N - 1u) * b_j; }
  var acc: array<array<f32, TILE_N>, TILE_M>;
  var bsum: array<f32, TILE_N>;
  let sums_bias = BIAS_GRAD && FORM == FORM_TN && r0 == 0u;
  for (var k = 0u; k < d.K; k++) {
    var b: array<f32, TILE_N>;
    for (var j = 0u; j < TILE_N; j++) { b[j] = B[cb[j] + k * b_k]; }
    var rk = 0u;
    if (FORM == FORM_TN) { rk = a_row(t, k, d.M); }
    for (var i = 0u; i < TILE_M; i++) {
      var a: f32;
      if (FORM == FORM_TN) { a = a_at(rk + ra[i]); } else { a = a_at(ra[i] + k); }
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
