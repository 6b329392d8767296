// Register-tiled matmul with vec4 loads: the fast form on CPU adapters (llvmpipe), where
// every invocation is a SIMD lane and each lane-divergent load is costly, so each
// invocation computes a TILE_M x TILE_N block and loads 4 floats at a time where the layout
// allows. No workgroup memory, no barriers. One entry point per form (main_nn, main_tn,
// main_nt). Includes matmul_common.wgsl and an A source (matmul_a_f32 or matmul_a_u8).
//
// Vectorized dimensions (which, with the operand offsets and trial strides of the
// vectorized operands, must be multiples of 4): NN: N (B read as B[k, c..c+3]; A read one
// float at a time, which measured 2x faster on llvmpipe than vec4 reads along k);
// TN: M and N; NT: K. The scalar variant serves other shapes.
// Grid: x = ceil(tiles_m * tiles_n / WG) workgroups, z = trials.

const TILE_M: u32 = 8u;   // rows per invocation (multiple of 4 for main_tn)
const TILE_N: u32 = 8u;   // columns per invocation (multiple of 4 for main_nn and main_tn)
const WG: u32 = 32u;

@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;

const TN4: u32 = TILE_N / 4u;
const TM4: u32 = TILE_M / 4u;

// Neighbouring lanes take neighbouring column tiles of the same rows.
fn tile_origin(gid: vec3<u32>) -> vec2<u32> {
  return vec2<u32>((gid.x / d.tiles_n) * TILE_M, (gid.x % d.tiles_n) * TILE_N);
}

// With dropout, each output's epilogue hashes its own random number: unrolled over a 16x16
// tile that is too much code, llvmpipe's LLVM leaves the loop rolled, and indexing the
// accumulators with loop variables then moves them to memory for the whole kernel (the
// 16x16 dropout forward measured 6x slower than without dropout). So the tile is first
// copied out, in a loop cheap enough to unroll, and the epilogue loop indexes the copy.
fn store_tile(t: u32, r0: u32, c0: u32, acc: ptr<function, array<array<vec4<f32>, TN4>, TILE_M>>) {
  if (DROPOUT) {
    var flat: array<vec4<f32>, TILE_M * TN4>;
    for (var i = 0u; i < TILE_M; i++) { for (var j4 = 0u; j4 < TN4; j4++) { flat[i * TN4 + j4] = (*acc)[i][j4]; } }
    for (var e = 0u; e < TILE_M * TILE_N; e++) {
      let r = r0 + e / TILE_N;
      let c = c0 + e % TILE_N;
      if (r < d.M && c < d.N) { epilogue_store(t, r, c, flat[e / 4u][e % 4u]); }
    }
    return;
  }
  for (var i = 0u; i < TILE_M; i++) {
    let r = r0 + i;
    if (r >= d.M) { break; }
    for (var j = 0u; j < TILE_N; j++) {
      let c = c0 + j;
      if (c < d.N) { epilogue_store(t, r, c, (*acc)[i][j / 4u][j % 4u]); }
    }
  }
}

// A [M, K] one float per row and k; B [K, N] as B[k, c..c+3].
@compute @workgroup_size(WG)
fn main_nn(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (gid.x >= d.tiles_m * d.tiles_n) { return; }
  let t = wid.z;
  let o = tile_origin(gid);
  let n4 = d.N / 4u;
  let b_base = (d.b_off + t * d.b_trial) / 4u;
  var ra: array<u32, TILE_M>;
  for (var i = 0u; i < TILE_M; i++) { ra[i] = a_row(t, min(o.x + i, d.M - 1u), d.K); }
  var cb: array<u32, TN4>;
  for (var j = 0u; j < TN4; j++) { cb[j] = b_base + min(o.y / 4u + j, n4 - 1u); }
  var acc: array<array<vec4<f32>, TN4>, TILE_M>;
  for (var k = 0u; k < d.K; k++) {
    var b: array<vec4<f32>, TN4>;
    for (var j = 0u; j < TN4; j++) { b[j] = B[cb[j] + k * n4]; }
    for (var i = 0u; i < TILE_M; i++) {
      let av = vec4<f32>(a_at(ra[i] + k));
      for (var j = 0u; j < TN4; j++) { acc[i][j] = fma(av, b[j], acc[i][j]); }
    }
  }
  store_tile(t, o.x, o.y, &acc);
}

// A [K, M] as A[k, r..r+3] (four rows at once), B [K, N] as B[k, c..c+3]: an outer product
// per k-step.
@compute @workgroup_size(WG)
fn main_tn(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (gid.x >= d.tiles_m * d.tiles_n) { return; }
  let t = wid.z;
  let o = tile_origin(gid);
  let m4 = d.M / 4u;
  let n4 = d.N / 4u;
  let b_base = (d.b_off + t * d.b_trial) / 4u;
  var ca: array<u32, TM4>;
  for (var i = 0u; i < TM4; i++) { ca[i] = min(o.x / 4u + i, m4 - 1u); }
  var cb: array<u32, TN4>;
  for (var j = 0u; j < TN4; j++) { cb[j] = b_base + min(o.y / 4u + j, n4 - 1u); }
  var acc: array<array<vec4<f32>, TN4>, TILE_M>;
  var bsum: array<vec4<f32>, TN4>;
  let sums_bias = BIAS_GRAD && o.x == 0u;
  for (var k = 0u; k < d.K; k++) {
    var a: array<vec4<f32>, TM4>;
    let rk = a_row(t, k, d.M) / 4u;
    for (var i = 0u; i < TM4; i++) { a[i] = a4_at(rk + ca[i]); }
    var b: array<vec4<f32>, TN4>;
    for (var j = 0u; j < TN4; j++) { b[j] = B[cb[j] + k * n4]; }
    for (var i = 0u; i < TILE_M; i++) {
      let av = vec4<f32>(a[i / 4u][i % 4u]);
      for (var j = 0u; j < TN4; j++) { acc[i][j] = fma(av, b[j], acc[i][j]); }
    }
    if (sums_bias) { for (var j = 0u; j < TN4; j++) { bsum[j] += b[j]; } }
  }
  store_tile(t, o.x, o.y, &acc);
  if (sums_bias) {
    for (var j = 0u; j < TILE_N; j++) {
      let c = o.y + j;
      if (c < d.N) { C[d.bias_off + t * d.bias_trial + c] = bsum[j / 4u][j % 4u]; }
    }
  }
}

// A [M, K] and B [N, K], both read along k four at a time, meeting in dot products.
@compute @workgroup_size(WG)
fn main_nt(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (gid.x >= d.tiles_m * d.tiles_n) { return; }
  let t = wid.z;
  let o = tile_origin(gid);
  let k4n = d.K / 4u;
  let b_base = (d.b_off + t * d.b_trial) / 4u;
  var ra: array<u32, TILE_M>;
  for (var i = 0u; i < TILE_M; i++) { ra[i] = a_row(t, min(o.x + i, d.M - 1u), d.K) / 4u; }
  var rb: array<u32, TILE_N>;
  for (var j = 0u; j < TILE_N; j++) { rb[j] = b_base + min(o.y + j, d.N - 1u) * k4n; }
  var acc: array<array<vec4<f32>, TN4>, TILE_M>;
  for (var k4 = 0u; k4 < k4n; k4++) {
    var b: array<vec4<f32>, TILE_N>;
    for (var j = 0u; j < TILE_N; j++) { b[j] = B[rb[j] + k4]; }
    for (var i = 0u; i < TILE_M; i++) {
      let a = a4_at(ra[i] + k4);
      for (var j = 0u; j < TILE_N; j++) { acc[i][j / 4u][j % 4u] += dot(a, b[j]); }
    }
  }
  store_tile(t, o.x, o.y, &acc);
}
