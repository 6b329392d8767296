// Differentiable ops over batched tensors, each a forward that records kernels and a
// backward closure on the tape. Fusions: bias, ReLU and dropout run in the forward matmul's
// epilogue; the ReLU (and inverted-dropout) mask of a layer's input runs in the epilogue
// of the matmul that computes that input's gradient; softmax, cross-entropy and its
// gradient are one kernel; the first layer reads the uint8 images through the batch's index
// list inside its forward and weight-gradient products (no float copy of the batch).
import { colsum } from '../kernels/colsum.ts';
import { dropout as dropoutKernel } from '../kernels/dropout.ts';
import { reluBackward } from '../kernels/elementwise.ts';
import { matmul } from '../kernels/matmul.ts';
import type { Operand } from '../kernels/operand.ts';
import { softmaxCrossEntropy } from '../kernels/softmax-ce.ts';
import type { Tape } from './tape.ts';
import { Tensor } from './tensor.ts';

function use(t: Tensor, tape: Tape): void {
  if (tape.recording) t.consumers++;
}

function gradOf(t: Tensor, op: string): Tensor {
  if (!t.grad) throw new Error(`${op}: backward reached a tensor without a gradient (was the loss recorded on this tape?)`);
  return t.grad;
}

/** Inverted dropout fused into a linear layer's forward product: per-trial parameters
 * (kernels/dropout.ts) and the layer's random stream. */
export interface FusedDropout {
  params: Operand;
  stream: number;
}

/** y = x W + b (then ReLU when `relu`, then inverted dropout when `dropout`, all in the
 * product's epilogue). x [rows, in], W [in, out], b [out], per trial. W and b carry their
 * gradient tensors (views of the gradient arena) in `.grad`. */
export function linear(tape: Tape, x: Tensor, W: Tensor, b: Tensor, opts: { relu: boolean; dropout?: FusedDropout; label?: string }): Tensor {
  const [rows, fin] = x.shape;
  const [win, fout] = W.shape;
  if (x.shape.length !== 2 || W.shape.length !== 2 || win !== fin || b.size !== fout) {
    throw new RangeError(`linear: shapes [${x.shape}] x [${W.shape}] + [${b.shape}] do not fit`);
  }
  if (x.trials !== W.trials && x.trialStride !== 0) throw new RangeError(`linear: ${x.trials} input trials vs ${W.trials} weight trials`);
  const gpu = W.gpu;
  const trials = W.trials;
  const y = tape.own(Tensor.empty(gpu, [rows, fout], trials, opts.label ?? 'linear'));
  // A gathered input (Tensor.gathered) is read from its uint8 data set by the matmul itself.
  const aGather = x.gatherIndex ?? undefined;
  const drop = opts.dropout;
  matmul(gpu, { form: 'NN', M: rows, N: fout, K: fin, trials, a: x.operand, aGather, b: W.operand, c: y.operand, bias: b.operand, relu: opts.relu, dropout: drop });
  if (opts.relu) y.reluMask = drop ? { scale: dropoutScale(drop.params) } : {};
  if (!tape.recording) return y;
  y.requiresGrad = true;
  use(x, tape);
  tape.record({
    name: 'linear',
    backward: () => {
      const dy = gradOf(y, 'linear');
      let dpre = dy;
      if (!y.gradIsPreactivation) {
        // d(x * mask / keep) / dx = mask / keep: the same draws, in place on the gradient.
        if (drop) dropoutKernel(gpu, dy.operand, rows * fout, trials, drop.params, drop.stream);
        if (opts.relu) {
          dpre = tape.own(Tensor.empty(gpu, [rows, fout], trials, 'relu-grad'));
          reluBackward(gpu, dy.operand, y.operand, dpre.operand, rows * fout, trials);
        }
      }
      // The bias gradient (column sums of dpre) rides along in the weight-gradient product
      // when both live in one gradient buffer (the arena); else it is its own kernel.
      const fuseBias = !!W.grad && !!b.grad && b.grad.buf === W.grad.buf;
      if (W.grad) matmul(gpu, { form: 'TN', M: fin, N: fout, K: rows, trials, a: x.operand, aGather, b: dpre.operand, c: W.grad.operand, biasGrad: fuseBias ? b.grad!.operand : undefined });
      if (b.grad && !fuseBias) colsum(gpu, dpre.operand, b.grad.operand, rows, fout, trials);
      if (!x.requiresGrad) return;
      if (x.grad) throw new Error('linear: an input used by several ops needs gradient accumulation, which the tape does not do');
      const dx = tape.own(Tensor.empty(gpu, [rows, fin], trials, 'input-grad'));
      // A single-consumer ReLU output gets its mask applied here: the producer then skips
      // its own ReLU (and dropout) backward.
      const fuse = x.reluMask !== null && x.consumers === 1;
      matmul(gpu, {
        form: 'NT', M: rows, N: fin, K: fout, trials, a: dpre.operand, b: W.operand, c: dx.operand,
        mask: fuse ? x.operand : undefined,
        maskScale: fuse ? x.reluMask!.scale : undefined,
      });
      x.grad = dx;
      x.gradIsPreactivation = fuse;
    },
  });
  return y;
}

/** Where 1 / keep sits (word 3, as f32 bits) in dropout parameters: the scale a consumer's
 * backward matmul applies with the mask. */
function dropoutScale(params: Operand): Operand {
  return { buf: params.buf, offset: (params.offset ?? 0) + 3, trialStride: params.trialStride };
}

/** Inverted dropout, in place on `x`'s buffer (MLP fuses it into linear's epilogue instead). `params` holds per-trial seed, keep
 * probability, step and 1/keep (kernels/dropout.ts); the mask is a function of (seed,
 * stream, step, element), so backward redraws it instead of storing it. */
export function dropout(tape: Tape, x: Tensor, params: Operand, stream: number): Tensor {
  const gpu = x.gpu;
  dropoutKernel(gpu, x.operand, x.size, x.trials, params, stream);
  const y = new Tensor(gpu, x.buf, x.shape, x.trials, x.offset, x.trialStride, 'f32', x.requiresGrad);
  if (x.reluMask) y.reluMask = { scale: dropoutScale(params) };
  if (!tape.recording) return y;
  use(x, tape);
  tape.record({
    name: 'dropout',
    backward: () => {
      const dy = gradOf(y, 'dropout');
      if (!y.gradIsPreactivation) {
        // d(x * mask / keep) / dx = mask / keep: the same kernel, same draws, on the gradient.
        dropoutKernel(gpu, dy.operand, x.size, x.trials, params, stream);
      }
      x.grad = dy;
      x.gradIsPreactivation = y.gradIsPreactivation;
    },
  });
  return y;
}

/** Mean softmax cross-entropy over the rows of `logits` against u32 `labels`; adds
 * {loss sum, correct, rows, non-finite} per trial to `stats` (kernels/softmax-ce.ts). On a
 * recording tape the same kernel writes the gradient of the mean loss, which seeds backward. */
export function softmaxCrossEntropyLoss(tape: Tape, logits: Tensor, labels: Tensor, stats: Operand): void {
  const [rows, classes] = logits.shape;
  const gpu = logits.gpu;
  let grad: Tensor | undefined;
  if (tape.recording) {
    grad = tape.own(Tensor.empty(gpu, [rows, classes], logits.trials, 'logits-grad'));
    use(logits, tape);
  }
  softmaxCrossEntropy(gpu, { rows, classes, trials: logits.trials, logits: logits.operand, labels: labels.operand, labelIdx: labels.gatherIndex ?? undefined, grad: grad?.operand, stats });
  if (tape.recording) {
    logits.grad = grad!;
    tape.record({ name: 'softmax_ce', backward: () => {} });
  }
}
