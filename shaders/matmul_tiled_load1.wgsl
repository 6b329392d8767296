// Loader of matmul_tiled for any shape: fetches slices of op(A) and op(B) from global memory
// one float at a time into registers (fetch_*), zeros past the edges, and stores them into
// workgroup memory (store_*); the kernel fetches the next slice while it computes on the
// current one. Neighbouring invocations read neighbouring addresses of each operand's
// contiguous dimension.

const NA1: u32 = (BM * BK + THREADS - 1u) / THREADS;   // elements of the A slice per invocation
const NB1: u32 = (BN * BK + THREADS - 1u) / THREADS;
var<private> pa: array<f32, NA1>;
var<private> pb: array<f32, NB1>;

// Element e of the A slice: (m, k) in the slice, ordered along A's contiguous dimension.
fn a_slot(e: u32) -> vec2<u32> {
  if (FORM == FORM_TN) { return vec2<u32>(e % BM, e / BM); }
  return vec2<u32>(e / BK, e % BK);
}

// Element e of the B slice: (k, n) in the slice, likewise.
fn b_slot(e: u32) -> vec2<u32> {
  if (FORM == FORM_NT) { return vec2<u32>(e % BK, e / BK); }
  return vec2<u32>(e / BN, e % BN);
}

// op(A)[row0 .. row0+BM, k0 .. k0+BK] (NN, NT: A stored [M, K]; TN: [K, M]) into pa.
fn fetch_a(t: u32, flat: u32, row0: u32, k0: u32) {
  for (var i = 0u; i < NA1; i++) {
    let s = a_slot(flat + i * THREADS);
    let m = row0 + s.x;
    let k = k0 + s.y;
    var v = 0.0;
    if (m < d.M && k < d.K) {
      if (FORM == FORM_TN) { v = a_at(a_row(t, k, d.M) + m); } else { v = a_at(a_row(t, m, d.K) + k); }
    }
    pa[i] = v;
  }
}

// op(B)[k0 .. k0+BK, col0 .. col0+BN] (NN, TN: B stored [K, N]; NT: [N, K]) into pb.
fn fetch_b(base: u32, flat: u32, col0: u32, k0: u32) {
  for (var i = 0u; i < NB1; i++) {
    let s = b_slot(flat + i * THREADS);
    let k = k0 + s.x;
    let n = col0 + s.y;
    var v = 0.0;
    if (k < d.K && n < d.N) {
      if (FORM == FORM_NT) { v = B[base + n * d.K + k]; } else { v = B[base + k * d.N + n]; }
    }
    pb[i] = v;
  }
}

fn store_a(flat: u32) {
  for (var i = 0u; i < NA1; i++) {
    let e = flat + i * THREADS;
    if (e < BM * BK) {
      let s = a_slot(e);
      As[s.y * BM4 + s.x / 4u][s.x % 4u] = pa[i];
    }
  }
}

fn store_b(flat: u32) {
  for (var i = 0u; i < NB1; i++) {
    let e = flat + i * THREADS;
    if (e < BN * BK) {
      let s = b_slot(e);
      Bs[s.x * BN4 + s.y / 4u][s.y % 4u] = pb[i];
    }
  }
}
