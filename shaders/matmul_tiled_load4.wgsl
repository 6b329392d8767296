// Loader of matmul_tiled for aligned operands: fetches slices of op(A) and op(B) from
// global memory into registers four floats (one vec4, or one word of a gathered uint8 A) at
// a time along each operand's contiguous dimension (fetch_*), zeros past the edges, and
// stores them into workgroup memory (store_*); the kernel fetches the next slice while it
// computes on the current one. The launcher uses it only when that dimension (NN: K and N;
// TN: M and N; NT: K), the offsets and the trial strides are multiples of 4, so a vec4 is
// either wholly inside the operand or wholly past its edge.

const NA4: u32 = (BM * BK4 + THREADS - 1u) / THREADS;   // vec4s of the A slice per invocation
const NB4: u32 = (BN * BK4 + THREADS - 1u) / THREADS;
var<private> pa: array<vec4<f32>, NA4>;
var<private> pb: array<vec4<f32>, NB4>;

// Vec4 e of the A slice: TN: four consecutive m of one k, (m/4, k); NN, NT: four consecutive
// k of one m, (m, k/4).
fn a_slot(e: u32) -> vec2<u32> {
  if (FORM == FORM_TN) { return vec2<u32>(e % BM4, e / BM4); }
  return vec2<u32>(e / BK4, e % BK4);
}

// Vec4 e of the B slice: NT: four consecutive k of one n, (k/4, n); NN, TN: four
// consecutive n of one k, (k, n/4).
fn b_slot(e: u32) -> vec2<u32> {
  if (FORM == FORM_NT) { return vec2<u32>(e % BK4, e / BK4); }
  return vec2<u32>(e / BN4, e % BN4);
}

fn fetch_a(t: u32, flat: u32, row0: u32, k0: u32) {
  for (var i = 0u; i < NA4; i++) {
    let s = a_slot(flat + i * THREADS);
    var v = vec4<f32>(0.0);
    if (FORM == FORM_TN) {
      let m = row0 + 4u * s.x;
      let k = k0 + s.y;
      if (m < d.M && k < d.K) { v = a4_at((a_row(t, k, d.M) + m) / 4u); }
    } else {
      let m = row0 + s.x;
      let k = k0 + 4u * s.y;
      if (m < d.M && k < d.K) { v = a4_at((a_row(t, m, d.K) + k) / 4u); }
    }
    pa[i] = v;
  }
}

fn fetch_b(base: u32, flat: u32, col0: u32, k0: u32) {
  for (var i = 0u; i < NB4; i++) {
    let s = b_slot(flat + i * THREADS);
    var v = vec4<f32>(0.0);
    if (FORM == FORM_NT) {
      let k = k0 + 4u * s.x;
      let n = col0 + s.y;
      if (k < d.K && n < d.N) { v = B4[(base + n * d.K + k) / 4u]; }
    } else {
      let k = k0 + s.x;
      let n = col0 + 4u * s.y;
      if (k < d.K && n < d.N) { v = B4[(base + k * d.N + n) / 4u]; }
    }
    pb[i] = v;
  }
}

// TN: the vec4 is four m of one k, stored as is; NN, NT: four k of one m, spread over four
// rows of As.
fn store_a(flat: u32) {
  for (var i = 0u; i < NA4; i++) {
    let e = flat + i * THREADS;
    if (e < BM * BK4) {
      let s = a_slot(e);
      if (FORM == FORM_TN) {
        As[s.y * BM4 + s.x] = pa[i];
      } else {
        for (var c = 0u; c < 4u; c++) { As[(4u * s.y + c) * BM4 + s.x / 4u][s.x % 4u] = pa[i][c]; }
      }
    }
  }
}

fn store_b(flat: u32) {
  for (var i = 0u; i < NB4; i++) {
    let e = flat + i * THREADS;
    if (e < BN * BK4) {
      let s = b_slot(e);
      if (FORM == FORM_NT) {
        for (var c = 0u; c < 4u; c++) { Bs[(4u * s.x + c) * BN4 + s.y / 4u][s.y % 4u] = pb[i][c]; }
      } else {
        Bs[s.x * BN4 + s.y] = pb[i];
      }
    }
  }
}
