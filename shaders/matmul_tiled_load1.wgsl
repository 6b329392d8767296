// Loader of matmul_tiled for any shape: stages op(A) and op(B) slices into workgroup memory
// one float at a time, zeros past the edges. Neighbouring invocations read neighbouring
// addresses of each operand's contiguous dimension.

// op(A)[m, k] for m < M, k < K. NN, NT: A stored [M, K]; TN: [K, M].
fn a_elem(t: u32, m: u32, k: u32) -> f32 {
  if (FORM == FORM_TN) { return a_at(a_row(t, k, d.M) + m); }
  return a_at(a_row(t, m, d.K) + k);
}

// op(B)[k, n]. NN, TN: B stored [K, N]; NT: [N, K].
fn b_elem(base: u32, k: u32, n: u32) -> f32 {
  if (FORM == FORM_NT) { return B[base + n * d.K + k]; }
  return B[base + k * d.N + n];
}

// op(A)[row0 .. row0+BM, k0 .. k0+BK] into As.
fn stage_a(t: u32, flat: u32, row0: u32, k0: u32) {
  for (var e = flat; e < BM * BK; e += THREADS) {
    var m: u32; var k: u32;
    if (FORM == FORM_TN) { m = e % BM; k = e / BM; } else { k = e % BK; m = e / BK; }
    var v = 0.0;
    if (row0 + m < d.M && k0 + k < d.K) { v = a_elem(t, row0 + m, k0 + k); }
    As[k * BM4 + m / 4u][m % 4u] = v;
  }
}

// op(B)[k0 .. k0+BK, col0 .. col0+BN] into Bs.
fn stage_b(base: u32, flat: u32, col0: u32, k0: u32) {
  for (var e = flat; e < BN * BK; e += THREADS) {
    var n: u32; var k: u32;
    if (FORM == FORM_NT) { k = e % BK; n = e / BK; } else { n = e % BN; k = e / BN; }
    var v = 0.0;
    if (col0 + n < d.N && k0 + k < d.K) { v = b_elem(base, k0 + k, col0 + n); }
    Bs[k * BN4 + n / 4u][n % 4u] = v;
  }
}
