// Launcher of shaders/softmax_ce.wgsl: fused softmax cross-entropy, its gradient and the
// per-trial running loss / accuracy statistics; labels as u32 or read from the uint8 label
// set through the batch's index list.
import type { Gpu } from './gpu.ts';
import { assertCount } from './grid.ts';
import { off, stride, type Operand } from './operand.ts';

/** Words per trial in a statistics buffer: loss sum, correct count, rows, non-finite count. */
export const STATS_WORDS = 4;

export interface SoftmaxCeArgs {
  rows: number;
  classes: number;
  trials: number;
  logits: Operand;
  /** u32 class index per row; or, with `labelIdx`, the uint8 label set (u32 words holding
   * its bytes, `offset` counted in bytes). */
  labels: Operand;
  /** Sample indices: row r of trial t has the label of sample labelIdx[offset + t *
   * trialStride + r] (the batch's index list, so the labels need no gather pass). */
  labelIdx?: Operand;
  /** Gradient of the mean loss over the rows; omit for evaluation. */
  grad?: Operand;
  /** f32 [trials, 4] accumulated into (zero it to start a new count). */
  stats: Operand;
}

export function softmaxCrossEntropy(gpu: Gpu, a: SoftmaxCeArgs): void {
  assertCount('softmax_ce', 'rows', a.rows);
  assertCount('softmax_ce', 'classes', a.classes);
  assertCount('softmax_ce', 'trials', a.trials);
  const kernel = gpu.kernel({ name: a.grad ? 'softmax_ce' : 'softmax_ce_eval', file: 'softmax_ce', consts: { WRITE_GRAD: !!a.grad, GATHER_LABELS: !!a.labelIdx } });
  const u = new Uint32Array([
    a.rows, a.classes, off(a.logits), stride(a.logits),
    off(a.labels), stride(a.labels), a.grad ? off(a.grad) : 0, a.grad ? stride(a.grad) : 0,
    off(a.stats), a.labelIdx ? off(a.labelIdx) : 0, a.labelIdx ? stride(a.labelIdx) : 0, 0,
  ]);
  gpu.dispatch(kernel, {
    uniforms: u,
    // Without an index list binding 5 still needs a buffer: the labels (read-only, like it;
    // the shared dummy may already be bound writable as G).
    buffers: [a.logits.buf, a.labels.buf, a.grad?.buf ?? gpu.dummy, a.stats.buf, a.labelIdx?.buf ?? a.labels.buf],
    workgroups: [1, 1, a.trials],
  });
}
