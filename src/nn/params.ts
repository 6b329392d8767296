// The flat parameter arena (DESIGN.md principle 2): every parameter of every trial in one
// buffer, their gradients in another with the same layout, so one fused dispatch updates a
// whole model. Per trial: all weight matrices first, then all biases, each starting at a
// multiple of 4 elements (vec4 kernels read them), the trial's span padded to a multiple of
// 4. Optimizers apply L2 to the first `weightCount` elements of a trial: the weights.
import { Tensor } from '../autograd/tensor.ts';
import type { GBuf, Gpu } from '../kernels/gpu.ts';

export interface ParamSpec {
  name: string;
  shape: number[];
  kind: 'weight' | 'bias';
  /** What the weight is to the model, where it says: optimizers that treat layers apart read
   * it (Muon: hidden matrices by Newton-Schulz, the output layer by AdamW). */
  role?: 'hidden' | 'output';
}

export interface ParamSlot extends ParamSpec {
  offset: number;
  size: number;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

export class ParamArena {
  readonly slots: ParamSlot[];
  /** Elements per trial, padding included. */
  readonly perTrial: number;
  /** Elements per trial before the first bias: the weights that L2 applies to. */
  readonly weightCount: number;
  readonly params: GBuf;
  readonly grads: GBuf;

  constructor(
    readonly gpu: Gpu,
    specs: ParamSpec[],
    readonly trials: number,
  ) {
    const ordered = [...specs.filter((s) => s.kind === 'weight'), ...specs.filter((s) => s.kind === 'bias')];
    let at = 0;
    let weightEnd = 0;
    this.slots = ordered.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      const slot = { ...s, offset: at, size };
      at = align4(at + size);
      if (s.kind === 'weight') weightEnd = at;
      return slot;
    });
    this.perTrial = Math.max(4, at);
    this.weightCount = weightEnd;
    const bytes = this.perTrial * trials * 4;
    this.params = gpu.buffer(bytes, 'params');
    this.grads = gpu.buffer(bytes, 'grads');
    gpu.write(this.grads, new Float32Array(this.perTrial * trials));
  }

  slot(name: string): ParamSlot {
    const s = this.slots.find((x) => x.name === name);
    if (!s) throw new Error(`no parameter '${name}'`);
    return s;
  }

  /** The parameter as a tensor, its gradient (a view of the gradient arena) attached. */
  tensor(name: string): Tensor {
    const s = this.slot(name);
    const t = new Tensor(this.gpu, this.params, s.shape, this.trials, s.offset, this.perTrial, 'f32', true);
    t.grad = new Tensor(this.gpu, this.grads, s.shape, this.trials, s.offset, this.perTrial);
    return t;
  }

  /** Writes every trial's parameters: `values[t]` holds one trial's `perTrial` elements. */
  upload(values: Float32Array[]): void {
    const all = new Float32Array(this.perTrial * this.trials);
    values.forEach((v, t) => all.set(v.subarray(0, this.perTrial), t * this.perTrial));
    this.gpu.write(this.params, all);
  }

  /** Every trial's parameters (or gradients) as one Float32Array per trial. */
  async read(which: 'params' | 'grads' = 'params'): Promise<Float32Array[]> {
    const all = await this.gpu.readF32(which === 'params' ? this.params : this.grads, 0, this.perTrial * this.trials);
    return Array.from({ length: this.trials }, (_, t) => all.slice(t * this.perTrial, (t + 1) * this.perTrial));
  }

  /** One named parameter of one trial, out of a `read()` result. */
  pick(trialValues: Float32Array, name: string): Float32Array {
    const s = this.slot(name);
    return trialValues.subarray(s.offset, s.offset + s.size);
  }

  destroy(): void {
    this.gpu.release(this.params);
    this.gpu.release(this.grads);
  }
}
