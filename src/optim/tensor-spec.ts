// What an optimizer spec may add to its per-element rule (spec.ts) when its update is not
// one element at a time:
//
// - `tensorStep`: for the parameters it claims (e.g. Muon: every hidden weight matrix), a
//   short program of the engine's own operations, built per parameter and run per trial,
//   batched over the trials of a group: element-wise WGSL over tensors of one shape (`map`),
//   trial-batched products (`matmul`, the tuned kernels of the training step) and per-trial
//   reductions (`sumsq`, a squared Frobenius norm). The spec's `wgsl` rule still updates every
//   element no tensor step claims (Muon: biases and the output layer by AdamW).
// - `evaluate`: the parameters a model is evaluated at differ from those it is trained at
//   (Schedule-Free: gradients at y, evaluation at x). A per-element WGSL rule computes the
//   evaluated parameter from the trained one and the state; validation and test read it.
//
// Both come with a plain TypeScript reference, which the suite (src/optim/tensor-check.ts)
// checks the GPU against. src/optim/tensor-program.ts turns a tensorStep into a checked list
// of operations; src/optim/tensor-steps.ts runs them. docs/optimizers.md explains the design.
import type { MatmulForm } from '../kernels/matmul.ts';

/** What a tensor step knows of one parameter. */
export interface ParamInfo {
  name: string;
  /** As the engine stores it, row-major. A Linear layer's weight is [fan_in, fan_out]:
   * PyTorch's nn.Linear weight is its transpose, [fan_out, fan_in]. */
  shape: readonly number[];
  kind: 'weight' | 'bias';
  /** Where the model says: the MLP marks its weights 'hidden', the last one 'output'. */
  role?: 'hidden' | 'output';
}

/** Tensors by name in a tensor step: 'p' (the parameter, read and written), 'g' (its
 * gradient, L2 term included; read only), each slot of the spec (the parameter's shape,
 * kept across steps) and each temporary declared with temp() (scratch, per trial). */
export type TensorName = string;

export interface TensorIo {
  reads: readonly TensorName[];
  writes: readonly TensorName[];
}

/** The operations a tensor step is built from. Every operation runs for every trial of a
 * group (trials are a batch dimension), in the order given; nothing is read back. */
export interface TensorStepBuilder {
  readonly param: ParamInfo;
  /** Declares a per-trial scratch matrix [rows, cols] (contents undefined until written). */
  temp(name: string, rows: number, cols: number): void;
  /**
   * Element-wise WGSL over tensors of one shape. In scope, all f32: a `var` per tensor of
   * `io` (written ones are stored after the block), every hyperparameter and per-step scalar
   * of the spec, every per-trial scalar of `scalars`, each of `consts`, and `row`, `col`
   * (u32) of the element. A slot reads as 0 where the state is reset.
   */
  map(label: string, io: TensorIo, wgsl: string, consts?: Readonly<Record<string, number>>): void;
  /** out = op(a) op(b), per trial, with the engine's tuned matmul kernels. NN: a [M,K] b [K,N];
   * TN: a [K,M] (a^T b); NT: b [N,K] (a b^T). Operands are slots or temporaries (the
   * parameter and gradient live in the arena, trial by trial: copy them with a map first). */
  matmul(label: string, out: TensorName, a: TensorName, b: TensorName, form: MatmulForm): void;
  /** scalar `into` = sum of squares of tensor x, per trial (a slot or a temporary). */
  sumsq(label: string, x: TensorName, into: string): void;
}

export interface TensorReferenceArgs {
  param: ParamInfo;
  /** The parameter: updated in place. */
  p: Float64Array;
  /** Its gradient, L2 term included. */
  g: Float64Array;
  /** Each slot of the spec for this parameter, updated in place (zeros where reset). */
  state: Record<string, Float64Array>;
  h: Readonly<Record<string, number>>;
  /** Per-step scalars. */
  d: Readonly<Record<string, number>>;
}

export interface TensorStepSpec {
  /** Whether this parameter's update is the tensor step (else the per-element rule). */
  applies(param: ParamInfo): boolean;
  /** Per-trial scalars that sumsq() reduces into and later maps read (WGSL names). */
  scalars: readonly string[];
  /** Builds the step of one claimed parameter (called once per parameter and group). */
  build(b: TensorStepBuilder): void;
  /** The same step in TypeScript, float64, written from the published algorithm (not from
   * build()): the suite checks the GPU against it. */
  reference(x: TensorReferenceArgs): void;
}

export interface EvaluateSpec {
  /** WGSL per element: assign the parameter to evaluate to `p` (which holds the trained one).
   * In scope: `var p`, `var <slot>` for each stored slot (as stored: never reset), every
   * hyperparameter and per-step scalar (of the last step). */
  wgsl: string;
  /** The same in TypeScript: the parameter to evaluate. */
  reference(p: number, s: Readonly<Record<string, number>>, h: Readonly<Record<string, number>>, d: Readonly<Record<string, number>>): number;
}

/** [rows, cols] of a parameter or tensor: a vector is one row. */
export function dims2(shape: readonly number[]): [number, number] {
  if (shape.length === 1) return [1, shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  throw new RangeError(`tensor steps take vectors and matrices, not shape [${shape}]`);
}
