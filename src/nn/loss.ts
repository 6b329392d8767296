// Losses. Cross-entropy is the fused softmax kernel (autograd/ops.ts). The L2 penalty has
// one formula for every optimizer:
//
//     loss = mean cross-entropy + lambda / (2 n) * sum of squared weights
//
// with n the batch size and biases excluded. Its gradient, (lambda / n) * w, is added to
// each weight's gradient inside the fused optimizer update (src/optim), so it costs no
// extra pass; the reported training loss is the cross-entropy alone.
export { softmaxCrossEntropyLoss } from '../autograd/ops.ts';

/** Coefficient c of the L2 gradient term c * w for a batch of n rows. */
export function l2GradCoefficient(lambda: number, batch: number): number {
  return lambda / batch;
}

