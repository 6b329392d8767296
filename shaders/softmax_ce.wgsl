// Fused softmax + cross-entropy, one workgroup per trial (workgroup z).
// For each row r of logits Z [rows, C]: p = softmax(Z[r]) (max-subtracted), loss_r =
// logsumexp(Z[r]) - Z[r, y_r]. Writes, when WRITE_GRAD, the gradient of the batch-mean loss,
// G[r, c] = (p_c - [c == y_r]) / rows, and adds to the trial's running statistics
// stats[t*4 + 0..3] = { sum of loss_r, correct predictions (argmax == y, first max on ties),
// rows seen, count of non-finite logits }. Probabilities are never stored.
// Partial sums are combined in a fixed order (no atomics), so results repeat bit for bit.
// Labels: a u32 per row (labels[y_off + t * y_trial + r]), or, with GATHER_LABELS, the
// uint8 label set itself (bytes four to a u32 word): row r of trial t has the label of
// sample label_idx[idx_off + t * idx_trial + r], the byte at y_off + that sample (the
// batch's index list: no gathered copy of the labels). A label past the last class counts as
// the last class in the loss, the gradient and the correct count alike (a clamp that keeps
// the read in bounds; the data sets are checked against their official SHA-256, so none
// reaches training).
// Bindings: 0 uniform; 1 Z; 2 labels; 3 G (read_write); 4 stats (read_write); 5 label_idx.

const WG: u32 = 64u;
const WRITE_GRAD: bool = true;
const GATHER_LABELS: bool = false;

struct CeDims {
  rows: u32, C: u32, z_off: u32, z_trial: u32,
  y_off: u32, y_trial: u32, g_off: u32, g_trial: u32,
  stats_off: u32, idx_off: u32, idx_trial: u32, _pad0: u32,
}

@group(0) @binding(0) var<uniform> u: CeDims;
@group(0) @binding(1) var<storage, read> Z: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> G: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@group(0) @binding(5) var<storage, read> label_idx: array<u32>;

var<workgroup> part_loss: array<f32, WG>;
var<workgroup> part_correct: array<u32, WG>;
var<workgroup> part_bad: array<u32, WG>;

fn label_of(t: u32, r: u32) -> u32 {
  if (GATHER_LABELS) {
    let a = u.y_off + label_idx[u.idx_off + t * u.idx_trial + r];
    return (labels[a >> 2u] >> ((a & 3u) * 8u)) & 0xffu;
  }
  return labels[u.y_off + t * u.y_trial + r];
}

fn non_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = wid.z;
  let zb = u.z_off + t * u.z_trial;
  let gb = u.g_off + t * u.g_trial;
  let inv_rows = 1.0 / f32(u.rows);
  var loss = 0.0;
  var correct = 0u;
  var bad = 0u;
  for (var r = lid.x; r < u.rows; r += WG) {
    let row = zb + r * u.C;
    let y = min(label_of(t, r), u.C - 1u);
    var m = Z[row];
    var arg = 0u;
    for (var c = 0u; c < u.C; c++) {
      let z = Z[row + c];
      if (non_finite(z)) { bad += 1u; }
      if (z > m) { m = z; arg = c; }
    }
    var s = 0.0;
    for (var c = 0u; c < u.C; c++) { s += exp(Z[row + c] - m); }
    loss += log(s) + m - Z[row + y];
    correct += select(0u, 1u, arg == y);
    if (WRITE_GRAD) {
      let inv_s = 1.0 / s;
      for (var c = 0u; c < u.C; c++) {
        let p = exp(Z[row + c] - m) * inv_s;
        G[gb + r * u.C + c] = (p - select(0.0, 1.0, c == y)) * inv_rows;
      }
    }
  }
  part_loss[lid.x] = loss;
  part_correct[lid.x] = correct;
  part_bad[lid.x] = bad;
  workgroupBarrier();
  if (lid.x == 0u) {
    var l = 0.0; var k = 0u; var b = 0u;
    for (var i = 0u; i < WG; i++) { l += part_loss[i]; k += part_correct[i]; b += part_bad[i]; }
    let s = u.stats_off + t * 4u;
    stats[s] += l;
    stats[s + 1u] += f32(k);
    stats[s + 2u] += f32(u.rows);
    stats[s + 3u] += f32(b);
  }
}
