// Loader of matmul_tiled for aligned operands: stages op(A) and op(B) slices into workgroup
// memory four floats (one vec4, or one word of a gathered uint8 A) at a time along each
// operand's contiguous dimension, zeros past the edges. The launcher uses it only when that
// dimension (NN: K and N; TN: M and N; NT: K), the offsets and the trial strides are
// multiples of 4, so a vec4 is either wholly inside the operand or wholly past its edge.

// op(A)[row0 .. row0+BM, k0 .. k0+BK] into As.
fn stage_a(t: u32, flat: u32, row0: u32, k0: u32) {
  for (var e = flat; e < BM * BK4; e += THREADS) {
    if (FORM == FORM_TN) {
      // Four consecutive m of one k: one vec4, stored as is.
      let m4 = e % BM4;
      let k = e / BM4;
      let gm = row0 + 4u * m4;
      let gk = k0 + k;
      var v = vec4<f32>(0.0);
      if (gm < d.M && gk < d.K) { v = a4_at((a_row(t, gk, d.M) + gm) / 4u); }
      As[k * BM4 + m4] = v;
    } else {
      // Four consecutive k of one m: one vec4, spread over four rows of As.
      let k4 = e % BK4;
      let m = e / BK4;
      let gm = row0 + m;
      let gk = k0 + 4u * k4;
      var v = vec4<f32>(0.0);
      if (gm < d.M && gk < d.K) { v = a4_at((a_row(t, gm, d.K) + gk) / 4u); }
      for (var c = 0u; c < 4u; c++) { As[(4u * k4 + c) * BM4 + m / 4u][m % 4u] = v[c]; }
    }
  }
}

// op(B)[k0 .. k0+BK, col0 .. col0+BN] into Bs.
fn stage_b(base: u32, flat: u32, col0: u32, k0: u32) {
  for (var e = flat; e < BN * BK4; e += THREADS) {
    if (FORM == FORM_NT) {
      let k4 = e % BK4;
      let n = e / BK4;
      let gn = col0 + n;
      let gk = k0 + 4u * k4;
      var v = vec4<f32>(0.0);
      if (gn < d.N && gk < d.K) { v = B4[(base + gn * d.K + gk) / 4u]; }
      for (var c = 0u; c < 4u; c++) { Bs[(4u * k4 + c) * BN4 + n / 4u][n % 4u] = v[c]; }
    } else {
      let n4 = e % BN4;
      let k = e / BN4;
      let gn = col0 + 4u * n4;
      let gk = k0 + k;
      var v = vec4<f32>(0.0);
      if (gn < d.N && gk < d.K) { v = B4[(base + gk * d.N + gn) / 4u]; }
      Bs[k * BN4 + n4] = v;
    }
  }
}
