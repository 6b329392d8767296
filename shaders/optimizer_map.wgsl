// Element-wise step of an optimizer over tensors of one shape, per trial: the template of
// three kinds of generated kernel (src/optim/map-codegen.ts fills the lines marked //{{...}}):
//   - a tensor step's map (src/optim/tensor-spec.ts): e.g. Muon's momentum, normalization
//     and final update of one weight matrix;
//   - the per-element rule of a spec with tensor steps, over each range of the arena that
//     no tensor step claims (Muon: biases and the output layer);
//   - the evaluated parameters (Schedule-Free's x from y and z), written over the trained ones.
// Elements i < n of trial j (workgroup z = j's position in the group's trial list), four
// bytes at a time (shapes need not be multiples of 4, unlike shaders/optimizer.wgsl).
// Tensor t of element i: T[base_t + i], base_t = trial * stride_t + offset_t (offsets and
// strides in the uniform), where trial is trial_of[j] for the parameters and gradients (the
// arena holds every trial of the model) and j for slots and temporaries (the group's own).
// In the generated block, all f32: a var per tensor, the spec's hyperparameters and
// per-step scalars (the per-trial record, as shaders/optimizer.wgsl reads it), its per-trial
// scalars, constants, and row, col (u32) of element i in a [n / cols, cols] matrix.
// g gets the L2 term l2 * p where the element is a weight. A trial whose record says
// inactive (diverged) is skipped, except by evaluation.
// Bindings: 0 uniform; 1 the records (read); then, where used: trial_of, the per-trial
// scalars, one per tensor (read_write when written). Every helper name starts with '_'.

const _WG: u32 = 64u;
const _RECORD: u32 = 3u;
const _SCALARS: u32 = 1u;

//{{DIMS}}

@group(0) @binding(0) var<uniform> _dims: _Dims;
@group(0) @binding(1) var<storage, read> _hyper: array<f32>;
//{{BINDINGS}}

@compute @workgroup_size(_WG)
fn main(@builtin(global_invocation_id) _gid: vec3<u32>, @builtin(workgroup_id) _wid: vec3<u32>) {
  let _j = _wid.z;
  let _h = _j * _RECORD;
  //{{ACTIVE}}
  let _reset = _hyper[_h + 1u] != 0.0;
  let _l2 = _hyper[_h + 2u];
  //{{LETS}}
  //{{BASES}}
  for (var _i = _gid.x; _i < _dims.n; _i += _dims.groups * _WG) {
    let row = _i / _dims.cols;
    let col = _i % _dims.cols;
    //{{LOAD}}
    {
      //{{BODY}}
    }
    //{{STORE}}
  }
}
