// Fused optimizer update: the template every optimizer kernel is generated from
// (src/optim/codegen.ts fills the lines marked //{{...}} from an OptimizerSpec).
//
// One pass over the parameters of all trials that use this optimizer (workgroup z = their
// position j in the trial list): per element it reads the gradient, the parameter and each
// state slot once and writes the parameter and the slots once, like a multi-tensor apply.
// Memory is read and written four elements at a time (vec4: the arena's per-trial span
// and weight count are multiples of 4); the spec's scalar rule runs once per component.
//   parameter and gradient of element i:  params[trial_of[j] * P + i], grads[...]
//   state slot <s>:                        slot_<s>[j * P + i]
//   hyperparameters of trial j:            hyper[j * RECORD ..]: active, reset, l2, then the
//                                          spec's hyperparameters and per-step scalars
// g gets the L2 term l2 * p on weights (i < weight_count). A trial with active = 0
// (diverged) is left as it is; reset = 1 zeroes the state before the update.
// Bindings: 0 uniform OptDims; 1 params (rw); 2 grads; 3 hyper; 4 trial_of; 5.. slots (rw).

const WG: u32 = 64u;
const RECORD: u32 = 3u;

struct OptDims { P: u32, weight_count: u32, groups: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> dims: OptDims;
@group(0) @binding(1) var<storage, read_write> params: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> hyper: array<f32>;
@group(0) @binding(4) var<storage, read> trial_of: array<u32>;
//{{SLOT_BINDINGS}}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let j = wid.z;
  let h = j * RECORD;
  if (hyper[h] == 0.0) { return; }
  let reset = hyper[h + 1u] != 0.0;
  let l2 = hyper[h + 2u];
  //{{HYPER_LETS}}
  let n4 = dims.P / 4u;
  let pbase = trial_of[j] * n4;
  let sbase = j * n4;
  for (var i = gid.x; i < n4; i += dims.groups * WG) {
    let g4 = grads[pbase + i];
    var p4 = params[pbase + i];
    let l2_here = select(0.0, l2, 4u * i < dims.weight_count);
    //{{LOAD_SLOTS}}
    //{{BODY}}
    params[pbase + i] = p4;
    //{{STORE_SLOTS}}
  }
}
