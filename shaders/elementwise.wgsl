// Element-wise kernels over n elements per trial (grid-stride along x, trial = workgroup z).
//   fill:     Y = alpha
//   scale:    Y = alpha * Y
//   axpy:     Y = alpha * X + Y
//   relu:     Y = max(X, 0)
//   relu_bwd: Y = X * (Z > 0)        (X = upstream gradient, Z = the ReLU's output)
// Element i of trial t: X[x_off + t * x_trial + i] (likewise Y, Z). A trial stride of 0
// broadcasts one copy to every trial (inputs only).
// Bindings: 0 uniform EW; 1 Y (read_write); 2 X; 3 Z (each entry binds only what it uses).

const WG: u32 = 64u;

struct EW {
  n: u32, alpha: f32, groups: u32, _pad: u32,
  y_off: u32, y_trial: u32, x_off: u32, x_trial: u32,
  z_off: u32, z_trial: u32, _pad1: u32, _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: EW;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> Z: array<f32>;

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) g: vec3<u32>) {
  let yb = u.y_off + g.z * u.y_trial;
  for (var i = g.x; i < u.n; i += u.groups * WG) { Y[yb + i] = u.alpha; }
}

@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) g: vec3<u32>) {
  let yb = u.y_off + g.z * u.y_trial;
  for (var i = g.x; i < u.n; i += u.groups * WG) { Y[yb + i] = u.alpha * Y[yb + i]; }
}

@compute @workgroup_size(WG)
fn axpy(@builtin(global_invocation_id) g: vec3<u32>) {
  let yb = u.y_off + g.z * u.y_trial;
  let xb = u.x_off + g.z * u.x_trial;
  for (var i = g.x; i < u.n; i += u.groups * WG) { Y[yb + i] = fma(u.alpha, X[xb + i], Y[yb + i]); }
}

@compute @workgroup_size(WG)
fn relu(@builtin(global_invocation_id) g: vec3<u32>) {
  let yb = u.y_off + g.z * u.y_trial;
  let xb = u.x_off + g.z * u.x_trial;
  for (var i = g.x; i < u.n; i += u.groups * WG) { Y[yb + i] = max(X[xb + i], 0.0); }
}

@compute @workgroup_size(WG)
fn relu_bwd(@builtin(global_invocation_id) g: vec3<u32>) {
  let yb = u.y_off + g.z * u.y_trial;
  let xb = u.x_off + g.z * u.x_trial;
  let zb = u.z_off + g.z * u.z_trial;
  for (var i = g.x; i < u.n; i += u.groups * WG) { Y[yb + i] = select(0.0, X[xb + i], Z[zb + i] > 0.0); }
}
