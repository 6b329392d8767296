// A multilayer perceptron: Linear layers with ReLU between them (inverted dropout after
// each hidden ReLU when a DropoutState is given), logits out. Its parameters live in one
// ParamArena for all trials; each trial is initialized from its own seed.
import { STREAM } from '../kernels/rng.ts';
import { linear } from '../autograd/ops.ts';
import type { Tape } from '../autograd/tape.ts';
import type { Tensor } from '../autograd/tensor.ts';
import type { Gpu } from '../kernels/gpu.ts';
import type { DropoutState } from './dropout.ts';
import { initLimit, uniformInit, type InitName } from './init.ts';
import { ParamArena, type ParamSpec } from './params.ts';

export interface MlpConfig {
  /** Layer widths, input first: [784, 128, 128, 10] is the study's model. */
  sizes: number[];
  init?: InitName;
}

/** The parameters of an MLP of these widths: W_i [in, out] and b_i [out] per layer; the
 * last weight is the output layer, the others hidden. */
export function mlpParamSpecs(sizes: readonly number[]): ParamSpec[] {
  const specs: ParamSpec[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const role = i + 2 === sizes.length ? 'output' : 'hidden';
    specs.push({ name: `W${i + 1}`, shape: [sizes[i], sizes[i + 1]], kind: 'weight', role });
    specs.push({ name: `b${i + 1}`, shape: [sizes[i + 1]], kind: 'bias' });
  }
  return specs;
}

export class MLP {
  readonly arena: ParamArena;
  private readonly layers: Array<{ W: Tensor; b: Tensor }>;

  constructor(
    readonly gpu: Gpu,
    readonly config: MlpConfig,
    readonly trials: number,
  ) {
    const { sizes } = config;
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new RangeError(`MLP sizes must be at least two positive integers, got [${sizes}]`);
    this.arena = new ParamArena(gpu, mlpParamSpecs(sizes), trials);
    this.layers = sizes.slice(1).map((_, i) => ({ W: this.arena.tensor(`W${i + 1}`), b: this.arena.tensor(`b${i + 1}`) }));
  }

  get inputSize(): number {
    return this.config.sizes[0];
  }

  get classes(): number {
    return this.config.sizes[this.config.sizes.length - 1];
  }

  /** Initial parameters of one trial: weights uniform (Glorot by default), biases zero. */
  initialValues(seed: number): Float32Array {
    const out = new Float32Array(this.arena.perTrial);
    const init = this.config.init ?? 'glorot-uniform';
    this.layers.forEach((_, i) => {
      const slot = this.arena.slot(`W${i + 1}`);
      const [fanIn, fanOut] = slot.shape;
      uniformInit(out.subarray(slot.offset, slot.offset + slot.size), initLimit(init, fanIn, fanOut), seed, i);
    });
    return out;
  }

  /** Initializes every trial from its seed. */
  initialize(seeds: number[]): void {
    if (seeds.length !== this.trials) throw new RangeError(`initialize: ${seeds.length} seeds for ${this.trials} trials`);
    this.arena.upload(seeds.map((s) => this.initialValues(s)));
  }

  /** Logits [rows, classes] per trial. `x` is [rows, inputs] (trial stride 0 shares one
   * input batch across trials). Dropout runs only when training: on a recording tape, with a
   * DropoutState. The tape owns (and frees) the activations. */
  forward(tape: Tape, x: Tensor, drop?: DropoutState): Tensor {
    let h = x;
    this.layers.forEach(({ W, b }, i) => {
      const hidden = i + 1 < this.layers.length;
      // Dropout runs in the forward product's epilogue (same draws as the standalone kernel).
      const dropout = hidden && tape.recording && drop?.active ? { params: drop.operand, stream: STREAM.dropout + i } : undefined;
      h = linear(tape, h, W, b, { relu: hidden, dropout, label: `h${i + 1}` });
    });
    return h;
  }

  destroy(): void {
    this.arena.destroy();
  }
}
