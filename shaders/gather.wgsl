// Mini-batch gather of labels from a GPU-resident uint8 data set (bytes packed four to a u32
// word, little-endian). For row b of trial t, sample s = idx[idx_off + t * idx_trial + b]:
//   gather_labels: L[t, b] = data[s]   (L u32 [rows] per trial)
// The images are never gathered into a float copy: the first layer's matmuls read them
// through the same index list (matmul_a_u8.wgsl).
// Bindings: 0 uniform; 1 data (u32 words); 2 idx (u32); 3 output (read_write).

const WG: u32 = 64u;

struct GatherDims {
  rows: u32, F: u32, idx_off: u32, idx_trial: u32,
  out_off: u32, out_trial: u32, data_off: u32, groups: u32,
}

@group(0) @binding(0) var<uniform> u: GatherDims;
@group(0) @binding(1) var<storage, read> data: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> L: array<u32>;

fn byte_at(addr: u32) -> u32 {
  return (data[addr >> 2u] >> ((addr & 3u) * 8u)) & 0xffu;
}

@compute @workgroup_size(WG)
fn gather_labels(@builtin(global_invocation_id) g: vec3<u32>) {
  let t = g.z;
  let ob = u.out_off + t * u.out_trial;
  let ib = u.idx_off + t * u.idx_trial;
  for (var b = g.x; b < u.rows; b += u.groups * WG) {
    L[ob + b] = byte_at(u.data_off + idx[ib + b]);
  }
}
