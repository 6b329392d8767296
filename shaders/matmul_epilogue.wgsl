// Epilogue and store shared by the matmul kernels (see matmul_common.wgsl for the flags).
fn epilogue_store(t: u32, r: u32, c: u32, acc: f32) {
  var v = acc;
  if (HAS_BIAS) { v += bias[d.bias_off + t * d.bias_trial + c]; }
  if (RELU) { v = max(v, 0.0); }
  if (MASK) {
    var s = 1.0;
    if (MASK_SCALE) { s = scales[d.scale_off + t * d.scale_trial]; }
    let h = H[d.mask_off + t * d.mask_trial + r * d.N + c];
    v = select(0.0, v * s, h > 0.0);
  }
  C[d.c_off + t * d.c_trial + r * d.N + c] = v;
}
