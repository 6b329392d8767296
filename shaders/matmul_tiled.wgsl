// Register-blocked shared-memory matmul, the SGEMM form of fast GPU kernels: a workgroup of
// WG_X x WG_Y invocations computes a BM x BN block of C (BM = WG_Y * TM, BN = WG_X * TN)
// and each invocation a TM x TN register tile of it. BK-deep slices of op(A) and op(B) are
// staged in workgroup memory k-major, as vec4s, so that per k an invocation reads its TM
// rows and TN columns in TM/4 + TN/4 vector loads and does TM * TN/4 vec4 FMAs (8x8: 4
// loads for 16 FMAs; matmul_shared's 4x4 scalar form does 8 loads for 16 scalar FMAs).
// Invocation (x, y) owns rows 4y + 4 WG_Y i4 + (0..3) and columns 4x + 4 WG_X j4 + (0..3):
// neighbouring invocations read neighbouring vec4s of workgroup memory (no bank conflicts)
// and store neighbouring addresses of C.
// The next BK slice is fetched from global memory into registers while the current one is
// multiplied (one workgroup buffer, two barriers per slice).
// Global reads into workgroup memory come from one of two includes: matmul_tiled_load4 (four
// floats at a time along each operand's contiguous dimension; the launcher picks it only
// when those dimensions, the offsets and trial strides are multiples of 4) or
// matmul_tiled_load1 (one float at a time, any shape). Two files, not a flag: an entry point
// may use only one of the two views (f32, vec4) of a binding.
// Every output is a sum over k in increasing order, fma by fma, as in matmul_scalar and
// matmul_shared, so they agree bit for bit.
// Includes matmul_common.wgsl, an A source (matmul_a_f32 or matmul_a_u8) and a loader.
// Grid: x = ceil(N / BN), y = ceil(M / BM), z = trials.

const WG_X: u32 = 16u;
const WG_Y: u32 = 16u;
const TM: u32 = 4u;    // multiple of 4
const TN: u32 = 4u;    // multiple of 4
const BK: u32 = 16u;   // multiple of 4

@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> B4: array<vec4<f32>>;

const BM: u32 = WG_Y * TM;
const BN: u32 = WG_X * TN;
const BM4: u32 = BM / 4u;
const BN4: u32 = BN / 4u;
const BK4: u32 = BK / 4u;
const TM4: u32 = TM / 4u;
const TN4: u32 = TN / 4u;
const THREADS: u32 = WG_X * WG_Y;
var<workgroup> As: array<vec4<f32>, BK * BM4>;   // [BK][BM / 4]: As[k][m]
var<workgroup> Bs: array<vec4<f32>, BK * BN4>;   // [BK][BN / 4]: Bs[k][n]

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = wid.z;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let b_base = d.b_off + t * d.b_trial;
  let flat = lid.y * WG_X + lid.x;
  var acc: array<array<vec4<f32>, TN4>, TM>;
  var bsum: array<vec4<f32>, TN4>;
  let sums_bias = BIAS_GRAD && FORM == FORM_TN && wid.y == 0u && lid.y == 0u;
  // Software pipelining: the next slice's global reads are in flight (in registers) while
  // this slice is multiplied out of workgroup memory.
  fetch_a(t, flat, row0, 0u);
  fetch_b(b_base, flat, col0, 0u);
  for (var k0 = 0u; k0 < d.K; k0 += BK) {
    store_a(flat);
    store_b(flat);
    workgroupBarrier();
    if (k0 + BK < d.K) {
      fetch_a(t, flat, row0, k0 + BK);
      fetch_b(b_base, flat, col0, k0 + BK);
    }
    for (var k = 0u; k < BK; k++) {
      var a: array<vec4<f32>, TM4>;
      for (var i4 = 0u; i4 < TM4; i4++) { a[i4] = As[k * BM4 + i4 * WG_Y + lid.y]; }
      var b: array<vec4<f32>, TN4>;
      for (var j4 = 0u; j4 < TN4; j4++) { b[j4] = Bs[k * BN4 + j4 * WG_X + lid.x]; }
      if (sums_bias) { for (var j4 = 0u; j4 < TN4; j4++) { bsum[j4] += b[j4]; } }
      for (var i = 0u; i < TM; i++) {
        let av = vec4<f32>(a[i / 4u][i % 4u]);
        for (var j4 = 0u; j4 < TN4; j4++) { acc[i][j4] = fma(av, b[j4], acc[i][j4]); }
      }
    }
    workgroupBarrier();
  }
  if (sums_bias) {
    for (var j4 = 0u; j4 < TN4; j4++) {
      for (var c = 0u; c < 4u; c++) {
        let n = col0 + 4u * (j4 * WG_X + lid.x) + c;
        if (n < d.N) { C[d.bias_off + t * d.bias_trial + n] = bsum[j4][c]; }
      }
    }
  }
  for (var i = 0u; i < TM; i++) {
    let m = row0 + 4u * ((i / 4u) * WG_Y + lid.y) + i % 4u;
    if (m >= d.M) { continue; }
    for (var j4 = 0u; j4 < TN4; j4++) {
      for (var c = 0u; c < 4u; c++) {
        let n = col0 + 4u * (j4 * WG_X + lid.x) + c;
        if (n < d.N) { epilogue_store(t, m, n, acc[i][j4][c]); }
      }
    }
  }
}
