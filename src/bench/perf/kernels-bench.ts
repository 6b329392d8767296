// npm run bench:kernels — every kernel at the study's shapes (batch 128; 784, 128, 10
// features): time per call, GFLOP/s, GB/s, and which matmul implementation was chosen;
// then the fused optimizer updates against the copy bandwidth; then a whole training step
// dispatch by dispatch (dispatches per step, the per-kernel sum against the step's time) and
// a kernel's time at three sizes of its work.
import { parseArgs } from 'node:util';
import { colsum } from '../../kernels/colsum.ts';
import { BACKENDS, type BackendName } from '../../kernels/device.ts';
import { dropout, DROPOUT_PARAM_WORDS, dropoutParams } from '../../kernels/dropout.ts';
import { axpy, relu, reluBackward } from '../../kernels/elementwise.ts';
import { GpuUnavailableError } from '../../kernels/errors.ts';
import { Gpu } from '../../kernels/gpu.ts';
import { chosenVariant, matmul, variantKey, type MatmulForm } from '../../kernels/matmul.ts';
import { tuneMatmul } from '../../kernels/matmul-tuner.ts';
import { softmaxCrossEntropy } from '../../kernels/softmax-ce.ts';
import { timeCalibrated } from '../measure/timing.ts';
import { mlpMatmulShapes } from '../measure/tuning.ts';
import { formatScaling, measureScaling } from './kernel-scaling.ts';
import { formatStepReport, measureTrainingStep } from './step-report.ts';
import { formatBandwidth, measureBandwidth } from './bandwidth.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '1' },
    batch: { type: 'string', default: '128' },
    backend: { type: 'string', default: process.env.OPTBENCH_BACKEND ?? 'auto' },
    'no-tune': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const T = Number(values.trials);
const B = Number(values.batch);
if (!Number.isInteger(T) || T < 1 || !Number.isInteger(B) || B < 1) {
  console.error('bench:kernels: --trials and --batch must be positive integers');
  process.exit(2);
}
if (!(BACKENDS as readonly string[]).includes(values.backend!)) {
  console.error(`bench:kernels: unknown backend '${values.backend}'; use one of ${BACKENDS.join(', ')}`);
  process.exit(2);
}

// Profiling is off for the per-call table (whole batches timed by the wall clock); the step
// report and the scaling check below profile, so ask Dawn for unquantized timestamps.
const gpu = await Gpu.open({ backend: values.backend as BackendName, exactTimestamps: true }).catch((e: unknown) => {
  if (!(e instanceof GpuUnavailableError)) throw e;
  console.error(`bench:kernels: ${e.message}`); // what is missing, in one line
  process.exit(3);
});
console.log(`adapter: ${gpu.describe()}`);
// Ten calls per submit, as kernels run inside a training step (see timeGpu in measure/timing.ts).
const PER_SUBMIT = 10;
console.log(`shapes: batch ${B}, MLP 784-128-128-10, trials ${T}; times are medians of 5 batches, ${PER_SUBMIT} calls per submit`);

// The products of a step without dropout, then those a step with dropout trials runs
// instead (dropout in the forward epilogue, its 1/keep in the backward mask): a study's
// group holds both kinds of trial, so its step runs the second set. All are tuned here, so
// the training step measured below runs the kernels training would.
const plain = mlpMatmulShapes([784, 128, 128, 10], B, T, { backward: true, dropout: false });
const plainKeys = new Set(plain.map((m) => JSON.stringify(m.shape)));
const mmShapes = [...plain, ...mlpMatmulShapes([784, 128, 128, 10], B, T, { backward: true, dropout: true }).filter((m) => !plainKeys.has(JSON.stringify(m.shape)))].map(({ label, shape }) => ({ label, s: shape }));
if (!values['no-tune']) {
  const tuned = await tuneMatmul(gpu, mmShapes.map((m) => m.s));
  const fresh = tuned.filter((t) => !t.fromCache).length;
  console.log(`matmul tuning: ${fresh} shape(s) measured, ${tuned.length - fresh} from the cache`);
}

interface Row {
  kernel: string;
  shape: string;
  variant: string;
  msPerCall: number;
  /** Fastest batch: this VM's neighbours make medians noisy, the minimum shows the kernel. */
  bestMs: number;
  gflops: number | null;
  gbps: number;
}
const rows: Row[] = [];

async function bench(kernel: string, shape: string, variant: string, flops: number | null, bytes: number, record: () => void): Promise<void> {
  const t = await timeCalibrated(gpu, record, PER_SUBMIT);
  const s = t.medianMs / 1e3;
  rows.push({ kernel, shape, variant, msPerCall: t.medianMs, bestMs: t.minMs, gflops: flops === null ? null : flops / s / 1e9, gbps: bytes / s / 1e9 });
}

const f32 = 4;
// The first layer reads uint8 images of a 60000-sample data set through a scattered index
// list (as training does: MatmulArgs.aGather); the other products read floats.
const SAMPLES = 60000;
const dataset = gpu.buffer(SAMPLES * 784, 'dataset');
const sampleIdx = gpu.upload(Uint32Array.from({ length: B * T }, (_, i) => (i * 7919) % SAMPLES), 'idx');
for (const m of mmShapes) {
  const { s } = m;
  const aLen = s.M * s.K, bLen = s.K * s.N, cLen = s.M * s.N;
  // With the bias gradient, C holds per trial the product then the N column sums.
  const cSpan = cLen + (s.epilogue.biasGrad ? s.N + ((4 - ((cLen + s.N) % 4)) % 4) : 0);
  const A = gpu.buffer(s.gatherA ? 4 : aLen * T * f32, 'a'), Bb = gpu.buffer(bLen * T * f32, 'b'), C = gpu.buffer(cSpan * T * f32, 'c');
  const bias = gpu.buffer(s.N * T * f32, 'bias'), H = gpu.buffer(cLen * T * f32, 'h'), scales = gpu.buffer(T * f32, 'scales');
  // Dropout at the study's p = 0.3 in every trial: the costlier case (a trial at keep 1 skips the hash).
  const dropParams = gpu.upload(Uint32Array.from(Array.from({ length: T }, (_, t) => [...dropoutParams(t + 1, 0.7, 3)]).flat()), 'dropout-params');
  const args = {
    ...s,
    a: s.gatherA ? { buf: dataset } : { buf: A, trialStride: aLen },
    aGather: s.gatherA ? { buf: sampleIdx, trialStride: B } : undefined,
    b: { buf: Bb, trialStride: bLen }, c: { buf: C, trialStride: cSpan },
    bias: s.epilogue.bias ? { buf: bias, trialStride: s.N } : undefined,
    biasGrad: s.epilogue.biasGrad ? { buf: C, offset: cLen, trialStride: cSpan } : undefined,
    relu: s.epilogue.relu,
    mask: s.epilogue.mask ? { buf: H, trialStride: cLen } : undefined,
    maskScale: s.epilogue.maskScale ? { buf: scales, trialStride: 1 } : undefined,
    dropout: s.epilogue.dropout ? { params: { buf: dropParams, trialStride: DROPOUT_PARAM_WORDS }, stream: 1 } : undefined,
  };
  const v = variantKey(chosenVariant(gpu, args));
  const aBytes = s.gatherA ? aLen : aLen * f32;
  await bench(`matmul_${s.form.toLowerCase() as Lowercase<MatmulForm>}${s.gatherA ? '_u8' : ''}`, `${m.label} ${s.M}x${s.K}x${s.N}`, v, 2 * s.M * s.N * s.K * T, (aBytes + (bLen + cLen) * f32) * T, () => matmul(gpu, args));
  for (const b of [A, Bb, C, bias, H, scales, dropParams]) gpu.release(b);
}

{
  const n = B * 128;
  const X = gpu.buffer(n * T * f32, 'x'), Y = gpu.buffer(n * T * f32, 'y'), G = gpu.buffer(n * T * f32, 'g');
  await bench('relu', `${B}x128`, '-', null, 2 * n * T * f32, () => relu(gpu, { buf: X, trialStride: n }, { buf: Y, trialStride: n }, n, T));
  await bench('relu_bwd', `${B}x128`, '-', null, 3 * n * T * f32, () => reluBackward(gpu, { buf: G, trialStride: n }, { buf: Y, trialStride: n }, { buf: X, trialStride: n }, n, T));
  await bench('colsum', `${B}x128`, '-', n * T, (n + 128) * T * f32, () => colsum(gpu, { buf: G, trialStride: n }, { buf: Y, trialStride: 128 }, B, 128, T));
  const params = gpu.upload(new Uint32Array(Array.from({ length: T }, () => Array.from(dropoutParams(1, 0.7, 3))).flat()), 'params');
  await bench('dropout', `${B}x128 p=0.3`, '-', null, 2 * n * T * f32, () => dropout(gpu, { buf: Y, trialStride: n }, n, T, { buf: params, trialStride: 4 }, 16));
  for (const b of [X, Y, G]) gpu.release(b);
}
{
  // Labels read from a uint8 label set through the batch's index list, as training does.
  const Z = gpu.buffer(B * 10 * T * f32, 'z'), G = gpu.buffer(B * 10 * T * f32, 'g');
  const L = gpu.buffer(SAMPLES, 'labels'), S = gpu.buffer(4 * T * f32, 'stats');
  await bench('softmax_ce', `${B}x10, labels of ${SAMPLES}`, '-', null, (2 * B * 10 * f32 + B * (1 + f32)) * T, () =>
    softmaxCrossEntropy(gpu, { rows: B, classes: 10, trials: T, logits: { buf: Z, trialStride: B * 10 }, labels: { buf: L }, labelIdx: { buf: sampleIdx, trialStride: B }, grad: { buf: G, trialStride: B * 10 }, stats: { buf: S } }),
  );
}
{
  const P = 784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10;
  const X = gpu.buffer(P * T * f32, 'g'), Y = gpu.buffer(P * T * f32, 'p');
  await bench('axpy', `${P} params (MLP)`, '-', 2 * P * T, 3 * P * T * f32, () => axpy(gpu, -0.1, { buf: X, trialStride: P }, { buf: Y, trialStride: P }, P, T));
}

const bandwidth = await measureBandwidth(gpu, [784, 128, 128, 10], T);
const step = await measureTrainingStep(gpu, T, B);
const scaling = await measureScaling(gpu, B, Math.max(2, Math.floor(T / 2)), !values['no-tune']);

if (values.json) console.log(JSON.stringify({ adapter: gpu.report, trials: T, batch: B, rows, bandwidth, step, scaling }, null, 1));
else {
  console.log(`${'kernel'.padEnd(14)} ${'shape'.padEnd(40)} ${'implementation'.padEnd(22)} ${'ms/call'.padStart(9)} ${'best ms'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'GB/s'.padStart(7)}`);
  for (const r of rows) {
    console.log(
      `${r.kernel.padEnd(14)} ${r.shape.padEnd(40)} ${r.variant.padEnd(22)} ${r.msPerCall.toFixed(4).padStart(9)} ${r.bestMs.toFixed(4).padStart(9)} ${(r.gflops === null ? '-' : r.gflops.toFixed(2)).padStart(8)} ${r.gbps.toFixed(2).padStart(7)}`,
    );
  }
  console.log('ms/call: median of 5 batches (GFLOP/s and GB/s from it); best ms: the fastest batch');
  console.log('');
  for (const line of formatBandwidth(bandwidth)) console.log(line);
  console.log('');
  console.log(formatStepReport(step));
  console.log('');
  console.log(formatScaling(scaling));
}
gpu.destroy();
