// Inverted dropout, in place: Y = Y / keep where unit(hash(seed, stream, step, i)) < keep,
// else 0. Per-trial seed, keep probability and step come from a params buffer, so every
// trial of a batch draws its own masks; keep = 1 leaves Y as it is. Includes rng.wgsl.
// Bindings: 0 uniform; 1 Y [trials, n] (read_write); 2 params (u32 words, per trial
// `params_stride` words from params_off: seed, keep as f32 bits, step).

const WG: u32 = 64u;

struct DropoutDims {
  n: u32, y_off: u32, y_trial: u32, groups: u32,
  params_off: u32, params_stride: u32, stream: u32, _pad: u32,
}

@group(0) @binding(0) var<uniform> u: DropoutDims;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let t = g.z;
  let p = u.params_off + t * u.params_stride;
  let seed = params[p];
  let keep = bitcast<f32>(params[p + 1u]);
  let step = params[p + 2u];
  if (keep >= 1.0) { return; }
  let inv = 1.0 / keep;
  let yb = u.y_off + t * u.y_trial;
  for (var i = g.x; i < u.n; i += u.groups * WG) {
    let r = unit_f32(hash4(seed, u.stream, step, i));
    Y[yb + i] = select(0.0, Y[yb + i] * inv, r < keep);
  }
}
