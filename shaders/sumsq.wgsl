// Sum of squares per trial: O[o_off + t * o_trial] = sum over i < n of X[x_off + t * x_trial + i]^2
// (the square of a Frobenius norm; optimizers that normalize a whole matrix, such as Muon,
// reduce with it). One workgroup per trial (workgroup z = trial): each invocation sums a
// strided slice in order, then a fixed-order tree in workgroup memory adds the partial sums,
// so a trial's sum is the same on every run (no atomics).
// Bindings: 0 uniform SumsqDims; 1 X (read); 2 O (read_write).

const WG: u32 = 64u;

struct SumsqDims { n: u32, x_off: u32, x_trial: u32, o_off: u32, o_trial: u32, _pad0: u32, _pad1: u32, _pad2: u32 }

@group(0) @binding(0) var<uniform> u: SumsqDims;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> O: array<f32>;

var<workgroup> part: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let base = u.x_off + wid.z * u.x_trial;
  var s = 0.0;
  for (var i = lid.x; i < u.n; i += WG) {
    let v = X[base + i];
    s = s + v * v;
  }
  part[lid.x] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k / 2u) {
    if (lid.x < k) { part[lid.x] = part[lid.x] + part[lid.x + k]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { O[u.o_off + wid.z * u.o_trial] = part[0]; }
}
