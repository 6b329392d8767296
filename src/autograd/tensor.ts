// A Tensor: a view of a GPU buffer holding `trials` independent copies of an array of
// shape `shape` (DESIGN.md principle 3: T = 1 is an ordinary tensor). Element i of trial t
// is at `offset + t * trialStride + i`. The tape attaches gradients to tensors that need them.
import type { GBuf, Gpu } from '../kernels/gpu.ts';
import type { Operand } from '../kernels/operand.ts';

export type DType = 'f32' | 'u32';

export class Tensor {
  /** Gradient of the loss with respect to this tensor (same layout), once computed. */
  grad: Tensor | null = null;
  /** True when `grad` already holds the gradient with respect to the pre-activation of the
   * ReLU (and dropout) that produced this tensor: a consumer fused that mask in (see ops.ts). */
  gradIsPreactivation = false;
  /** Set on a ReLU output (then on dropout applied to it): the gradient of its producer's
   * pre-activation is grad * (this > 0) * scale, which a consumer's backward matmul can
   * apply in its epilogue. */
  reluMask: { scale?: Operand } | null = null;
  /** Number of tape ops that read this tensor (fusion needs exactly one). */
  consumers = 0;
  /** Set on a gathered input (Tensor.gathered): the sample index list; `buf` then holds a
   * uint8 data set, not this tensor's floats. */
  gatherIndex: Operand | null = null;

  constructor(
    readonly gpu: Gpu,
    readonly buf: GBuf,
    readonly shape: readonly number[],
    readonly trials: number,
    readonly offset = 0,
    readonly trialStride = shape.reduce((a, b) => a * b, 1),
    readonly dtype: DType = 'f32',
    /** Whether backward must produce this tensor's gradient (set on op outputs that
     * depend on a parameter). */
    public requiresGrad = false,
  ) {}

  /** Elements per trial. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get operand(): Operand {
    return { buf: this.buf, offset: this.offset, trialStride: this.trialStride };
  }

  /** A new, pooled, contiguous tensor (contents undefined until written). */
  static empty(gpu: Gpu, shape: readonly number[], trials: number, label: string, dtype: DType = 'f32'): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    return new Tensor(gpu, gpu.buffer(Math.max(1, size * trials) * 4, label), shape, trials, 0, size, dtype);
  }

  /** A batch that is never materialized: row r of trial t is sample idx[offset + t *
   * trialStride + r] of the uint8 data set in `bytes` (four bytes to a u32 word). Images
   * ([rows, width], f32): the sample's width bytes / 255, read by the first layer's
   * matmuls (kernels/matmul.ts, aGather). Labels ([rows], u32): the sample's byte, read by
   * softmax cross-entropy (kernels/softmax-ce.ts, labelIdx). No copy of a batch is written. */
  static gathered(gpu: Gpu, bytes: GBuf, idx: Operand, shape: readonly number[], trials: number, dtype: DType = 'f32'): Tensor {
    const t = new Tensor(gpu, bytes, shape, trials, 0, 0, dtype);
    t.gatherIndex = idx;
    return t;
  }

  /** Reads every trial back: one Float32Array (or Uint32Array) per trial. */
  async read(): Promise<Array<Float32Array | Uint32Array>> {
    if (this.gatherIndex) throw new Error('read: a gathered batch has no copy to read');
    const span = (this.trials - 1) * this.trialStride + this.size;
    const raw = await this.gpu.readBytes(this.buf, this.offset * 4, span * 4);
    const all = this.dtype === 'f32' ? new Float32Array(raw) : new Uint32Array(raw);
    return Array.from({ length: this.trials }, (_, t) => all.slice(t * this.trialStride, t * this.trialStride + this.size));
  }
}
