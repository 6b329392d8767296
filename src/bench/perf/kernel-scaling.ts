// bench:kernels' check that the per-kernel times measure the kernels: the same kernel at
// three sizes, 1x, 2x and 4x the work, each timed dispatch by dispatch by the profiler (GPU
// timestamps where the adapter has them). A time that does not grow with the work is
// a clock's quantum or a fixed per-dispatch cost, not the kernel.
import { axpy } from '../../kernels/elementwise.ts';
import type { Gpu } from '../../kernels/gpu.ts';
import { chosenVariant, matmul, variantKey } from '../../kernels/matmul.ts';
import { tuneMatmul } from '../../kernels/matmul-tuner.ts';
import { mlpMatmulShapes } from '../measure/tuning.ts';

export interface ScalingRow {
  kernel: string;
  shape: string;
  variant: string;
  /** Work relative to the first size (1, 2, 4). */
  work: number;
  /** Mean profiled time per dispatch, us. */
  meanUs: number;
  /** meanUs relative to the first size's. */
  timeRatio: number;
}

const CALLS = 20;
const ROUNDS = 3;

/** Mean profiled time of one `record()`: the fastest of 3 rounds of CALLS dispatches (a
 * shared machine's load lands on some rounds), the first call (compilation) apart. */
async function profiledMeanUs(gpu: Gpu, record: () => void): Promise<number> {
  await gpu.sync();
  const saved = gpu.profile;
  try {
    gpu.profile = gpu.newProfile();
    record();
    await gpu.sync();
    let best = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      const p = gpu.newProfile();
      gpu.profile = p;
      for (let i = 0; i < CALLS; i++) record();
      await gpu.sync();
      best = Math.min(best, (p.totalMs * 1e3) / p.calls);
    }
    return best;
  } finally {
    gpu.profile = saved;
  }
}

/** The layer-1 forward product (batch x 784 by 784 x 128, + bias, ReLU) at s, 2s and 4s
 * trials, and axpy over s, 2s and 4s trials' parameters; sizes whose buffers exceed the
 * device's limits are left out. */
export async function measureScaling(gpu: Gpu, batch: number, s: number, tune: boolean): Promise<ScalingRow[]> {
  const maxBytes = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  const counts = [s, 2 * s, 4 * s];
  const rows: ScalingRow[] = [];
  const f32 = 4;
  const shape = (t: number) => mlpMatmulShapes([784, 128, 128, 10], batch, t, { backward: false, dropout: false })[0].shape;
  if (tune) await tuneMatmul(gpu, counts.map(shape));
  const add = (r: Omit<ScalingRow, 'timeRatio'>) => {
    const base = rows.find((x) => x.kernel === r.kernel);
    rows.push({ ...r, timeRatio: base ? r.meanUs / base.meanUs : 1 });
  };
  for (const t of counts) {
    const sh = shape(t);
    const aLen = sh.M * sh.K, bLen = sh.K * sh.N, cLen = sh.M * sh.N;
    if (aLen * t * f32 > maxBytes || bLen * t * f32 > maxBytes) break;
    const A = gpu.buffer(aLen * t * f32, 'a'), B = gpu.buffer(bLen * t * f32, 'b'), C = gpu.buffer(cLen * t * f32, 'c'), bias = gpu.buffer(sh.N * t * f32, 'bias');
    const args = { ...sh, a: { buf: A, trialStride: aLen }, b: { buf: B, trialStride: bLen }, c: { buf: C, trialStride: cLen }, bias: { buf: bias, trialStride: sh.N }, relu: true };
    add({ kernel: 'matmul_nn', shape: `${t} x ${sh.M}x${sh.K}x${sh.N}`, variant: variantKey(chosenVariant(gpu, args)), work: t / s, meanUs: await profiledMeanUs(gpu, () => matmul(gpu, args)) });
    for (const b of [A, B, C, bias]) gpu.release(b);
  }
  const P = 784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10;
  for (const t of counts) {
    if (P * t * f32 > maxBytes) break;
    const X = gpu.buffer(P * t * f32, 'x'), Y = gpu.buffer(P * t * f32, 'y');
    add({ kernel: 'axpy', shape: `${t} x ${P} params`, variant: '-', work: t / s, meanUs: await profiledMeanUs(gpu, () => axpy(gpu, -0.1, { buf: X, trialStride: P }, { buf: Y, trialStride: P }, P, t)) });
    for (const b of [X, Y]) gpu.release(b);
  }
  return rows;
}

export function formatScaling(rows: ScalingRow[]): string {
  const lines = [
    `a kernel's time against its work (profiled; mean of ${CALLS} dispatches, fastest of ${ROUNDS} rounds; the time grows about as the work once the device is full)`,
    `  ${'kernel'.padEnd(10)} ${'shape'.padEnd(24)} ${'implementation'.padEnd(22)} ${'work'.padStart(5)} ${'mean us'.padStart(10)} ${'time'.padStart(6)}`,
  ];
  for (const r of rows) lines.push(`  ${r.kernel.padEnd(10)} ${r.shape.padEnd(24)} ${r.variant.padEnd(22)} ${`${r.work}x`.padStart(5)} ${r.meanUs.toFixed(1).padStart(10)} ${`${r.timeRatio.toFixed(2)}x`.padStart(6)}`);
  return lines.join('\n');
}
