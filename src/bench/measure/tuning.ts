// The matmul shapes an MLP's training and evaluation use, for the tuner (kernels/matmul-tuner).
import type { EpilogueFlags, TunedShape } from '../../kernels/matmul.ts';

const NONE: EpilogueFlags = { bias: false, relu: false, mask: false, maskScale: false };

export interface LabeledShape {
  label: string;
  shape: TunedShape;
}

/** Forward (bias, ReLU, dropout on hidden layers when `dropout`), weight-gradient (with the bias gradient) and input-gradient (ReLU
 * mask, dropout scale when `dropout`) products of one step of `rows` rows, for `trials` trials.
 * The first layer's two products read the uint8 images through the batch's index list
 * (gatherA), as the trainer runs them. */
export function mlpMatmulShapes(sizes: number[], rows: number, trials: number, opts: { backward: boolean; dropout: boolean }): LabeledShape[] {
  const out: LabeledShape[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fin = sizes[i], fout = sizes[i + 1];
    const last = i + 2 === sizes.length;
    const gatherA = i === 0;
    const x = gatherA ? 'X(u8)' : 'X';
    const drop = opts.dropout && !last;
    out.push({ label: `fwd L${i + 1} ${x}*W+b${last ? '' : ',relu'}${drop ? ',drop' : ''}`, shape: { form: 'NN', M: rows, N: fout, K: fin, trials, gatherA, epilogue: { ...NONE, bias: true, relu: !last, dropout: drop } } });
    if (!opts.backward) continue;
    out.push({ label: `dW,db L${i + 1} ${x}^T*dY`, shape: { form: 'TN', M: fin, N: fout, K: rows, trials, gatherA, epilogue: { ...NONE, biasGrad: true } } });
    if (i > 0) out.push({ label: `dX L${i + 1} dY*W^T,mask${opts.dropout ? '/keep' : ''}`, shape: { form: 'NT', M: rows, N: fin, K: fout, trials, epilogue: { ...NONE, mask: true, maskScale: opts.dropout } } });
  }
  return out;
}
