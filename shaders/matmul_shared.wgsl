// Shared-memory tiled matmul, the classic GPU form: a workgroup of WG_X x WG_Y invocations
// stages a (WG_Y*TILE) x BK block of op(A) and a BK x (WG_X*TILE) block of op(B) in
// workgroup memory, then each invocation accumulates a TILE x TILE block from it. Loads are
// coalesced along the contiguous dimension of each operand. Slow on llvmpipe (barriers),
// fast on real GPUs. Any shape. Includes matmul_common.wgsl and an A source (matmul_a_f32
// or matmul_a_u8).
// Grid: x = ceil(N / (WG_X*TILE)), y = ceil(M / (WG_Y*TILE)), z = trials.

const WG_X: u32 = 16u;
const WG_Y: u32 = 16u;
const TILE: u32 = 4u;
const BK: u32 = 16u;

@group(0) @binding(2) var<storage, read> B: array<f32>;

const BM: u32 = WG_Y * TILE;
const BN: u32 = WG_X * TILE;
const THREADS: u32 = WG_X * WG_Y;
var<workgroup> As: array<f32, BM * BK>;   // [BM][BK]
var<workgroup> Bs: array<f32, BK * BN>;   // [BK][BN]

fn load_a(t: u32, i: u32, k: u32) -> f32 {
  if (i >= d.M || k >= d.K) { return 0.0; }
  if (FORM == FORM_TN) { return a_at(a_row(t, k, d.M) + i); }
  return a_at(a_row(t, i, d.K) + k);
}

fn load_b(base: u32, k: u32, j: u32) -> f32 {
  if (k >= d.K || j >= d.N) { return 0.0; }
  if (FORM == FORM_NT) { return B[base + j * d.K + k]; }
  return B[base + k * d.N + j];
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = wid.z;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let b_base = d.b_off + t * d.b_trial;
  let flat = lid.y * WG_X + lid.x;
  var acc: array<array<f32, TILE>, TILE>;
  var bsum: array<f32, TILE>;
  let sums_bias = BIAS_GRAD && FORM == FORM_TN && wid.y == 0u && lid.y == 0u;
  for (var k0 = 0u; k0 < d.K; k0 += BK) {
    // Stage the blocks; the index order makes neighbouring invocations read neighbouring
    // addresses of the operand's contiguous dimension.
    for (var e = flat; e < BM * BK; e += THREADS) {
      var i: u32; var k: u32;
      if (FORM == FORM_TN) { i = e % BM; k = e / BM; } else { k = e % BK; i = e / BK; }
      As[i * BK + k] = load_a(t, row0 + i, k0 + k);
    }
    for (var e = flat; e < BK * BN; e += THREADS) {
      var k: u32; var j: u32;
      if (FORM == FORM_NT) { k = e % BK; j = e / BK; } else { j = e % BN; k = e / BN; }
      Bs[k * BN + j] = load_b(b_base, k0 + k, col0 + j);
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      var b: array<f32, TILE>;
      for (var j = 0u; j < TILE; j++) { b[j] = Bs[k * BN + lid.x + j * WG_X]; }
      if (sums_bias) { for (var j = 0u; j < TILE; j++) { bsum[j] += b[j]; } }
      for (var i = 0u; i < TILE; i++) {
        let a = As[(lid.y + i * WG_Y) * BK + k];
        for (var j = 0u; j < TILE; j++) { acc[i][j] = fma(a, b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  if (sums_bias) {
    for (var j = 0u; j < TILE; j++) {
      let c = col0 + lid.x + j * WG_X;
      if (c < d.N) { C[d.bias_off + t * d.bias_trial + c] = bsum[j]; }
    }
  }
  // Invocation (x, y) owns rows y, y + WG_Y, ... and columns x, x + WG_X, ...: strided so
  // that stores of neighbouring invocations are neighbours too.
  for (var i = 0u; i < TILE; i++) {
    let r = row0 + lid.y + i * WG_Y;
    if (r >= d.M) { break; }
    for (var j = 0u; j < TILE; j++) {
      let c = col0 + lid.x + j * WG_X;
      if (c < d.N) { epilogue_store(t, r, c, acc[i][j]); }
    }
  }
}
