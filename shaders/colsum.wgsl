// Column sums: Y[j] = sum over rows i of X[i, j], per trial (the bias gradient from the
// output gradient). One invocation per column, rows summed in order (deterministic).
// Bindings: 0 uniform; 1 X [rows, N]; 2 Y [N] (read_write).

const WG: u32 = 64u;

struct ColsumDims {
  rows: u32, N: u32, x_off: u32, x_trial: u32,
  y_off: u32, y_trial: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: ColsumDims;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let j = g.x;
  if (j >= u.N) { return; }
  let xb = u.x_off + g.z * u.x_trial + j;
  var s = 0.0;
  for (var i = 0u; i < u.rows; i++) { s += X[xb + i * u.N]; }
  Y[u.y_off + g.z * u.y_trial + j] = s;
}
