// A bench:perf run written by hand for the report and docs:perf tests: round figures, so that
// every median, range and ratio a test expects can be checked on paper. Not a measurement.
import type { BlasInfo, ThreadChoice } from '../../src/bench/peers/torch.ts';
import { PERF_SCHEMA, type StepsReport, type StudyReport } from '../../src/bench/perf/perf-report.ts';
import { REFERENCE_BLAS_MARK } from '../../src/bench/peers/torch.ts';

export const OPENBLAS: BlasInfo = { library: 'OpenBLAS', reference: false, path: '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3', version: '0.3.21', threadingLayer: 'pthreads', defaultThreads: 2, how: 'the library torch\'s sgemm_ resolves to' };
export const NETLIB: BlasInfo = { library: 'reference BLAS (netlib)', reference: true, path: '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0', version: null, threadingLayer: null, defaultThreads: 1, how: 'the library torch\'s sgemm_ resolves to' };

export const THREADS: ThreadChoice = {
  intraOp: 1,
  blas: 1,
  choice: 'fastest of 4 tried',
  tried: [
    { intraOp: 1, blas: 1, stepsPerSecond: 500 },
    { intraOp: 1, blas: 2, stepsPerSecond: 300 },
    { intraOp: 2, blas: 1, stepsPerSecond: 400 },
    { intraOp: 2, blas: 2, stepsPerSecond: 200 },
  ],
  blasControl: 'threadpoolctl',
  cores: 2,
};

const where = (blas: BlasInfo) => ({ torch: '1.13.0a0', python: '3.11.2', device: 'cpu: 2 cores', cuda: false, blas });

/** Engine: adam 100 steps/s (reps 8..12.5 ms), sgd 200 (4..5 ms); PyTorch's loop 400 and 500;
 * tfjs wasm 50 (adam; sgd failed). Throughput: engine one by one 30 (cells 20..40), batched
 * T=12 at 10 ms a step; PyTorch batched T=12 at 5 ms a step. */
export function stepsReport(blas: BlasInfo = OPENBLAS, loadStart = 0.1): StepsReport {
  const mark = blas.reference ? REFERENCE_BLAS_MARK : null;
  return {
    schema: PERF_SCHEMA,
    kind: 'steps',
    createdAt: '2026-12-05T10:15:00.000Z',
    command: 'npm run bench:perf -- --max-trials 12',
    machine: { cpu: 'Test CPU 9000', cores: 2, memoryGiB: 24, os: 'linux 6.1.0', loadAverage: { start: [loadStart, 0.2, 0.3], end: [2.1, 1.5, 0.8] } },
    environment: {
      backend: 'opengles', featureLevel: 'compatibility', adapter: 'llvmpipe (LLVM 15.0.6, 256 bits) | backend opengles (compatibility) | CPU (software)', isCpu: true, timing: 'wall-clock',
      node: 'v20.20.2', platform: 'linux 6.1.0', cpus: '2 x Test CPU 9000', packages: { 'webgpu-optbench': '0.1.0', webgpu: '0.6.2' }, gitCommit: '0123456789abcdef0123',
      torch: { python: '/usr/bin/python3', pythonVersion: '3.11.2', torch: '1.13.0a0', device: 'cpu: 2 cores', blas }, tfjs: '4.22.0',
    },
    warnings: [],
    workload: { model: [784, 128, 128, 10], batch: 128, dataset: 'fashion-mnist', stepsPerEpoch: 391 },
    engine: [
      { optimizer: 'adam', stepsPerSecond: 100, msPerStep: 10, repetitionMs: [8, 9, 10, 11, 12.5] },
      { optimizer: 'sgd', stepsPerSecond: 200, msPerStep: 5, repetitionMs: [4, 4.5, 5, 5, 5] },
    ],
    peers: [
      { framework: 'tfjs', backend: 'wasm', optimizer: 'adam', stepsPerSecond: 50, msPerStep: 20, warmupMs: 900, steps: 100, repetitionMs: [16, 20, 20, 25, 25], detail: '', error: null, threads: { count: 2, choice: 'fastest of 2 tried', tried: [{ threads: 1, stepsPerSecond: 40, error: null }, { threads: 2, stepsPerSecond: 48, error: null }] } },
      { framework: 'tfjs', backend: 'wasm', optimizer: 'sgd', stepsPerSecond: null, msPerStep: null, warmupMs: null, steps: 0, repetitionMs: [], detail: '', error: 'child exited with code 1', threads: { count: 0, choice: 'none ran', tried: [] } },
    ],
    torch: {
      python: '/usr/bin/python3', torch: '1.13.0a0', device: 'cpu: 2 cores', blas, mark,
      steps: [
        { task: 'steps', mode: 'loop', dataset: 'fashion-mnist', optimizer: 'adam', stepsPerSecond: 400, msPerStep: 2.5, warmupMs: 30, steps: 4000, repetitionMs: [2, 2.5, 2.5, 2.5, 4], threads: THREADS, ...where(blas), engineSpeedup: 0.25, mark },
        { task: 'steps', mode: 'loop', dataset: 'fashion-mnist', optimizer: 'sgd', stepsPerSecond: 500, msPerStep: 2, warmupMs: 30, steps: 5000, repetitionMs: [2, 2, 2, 2, 2], threads: THREADS, ...where(blas), engineSpeedup: 0.4, mark },
      ],
      throughput: [
        { task: 'throughput', mode: 'batched', dataset: 'fashion-mnist', trials: 12, stepMs: 5, evalMs: 1000, epochSeconds: 2.955, trialEpochsPerMinute: 243.65, setupSeconds: 1, repetitionMs: [5, 5, 5, 5, 5], threads: THREADS, ...where(blas), engineSpeedup: 0.6018, mark },
      ],
    },
    throughput: [
      { mode: 'one by one (mean of the 12 cells)', trialsAtOnce: 1, stepMs: 5, repetitionMs: [], evalMs: 100, epochSeconds: 2, trialEpochsPerMinute: 30, cells: [20, 30, 40], peakGpuBytes: 62 * 2 ** 20 },
      { mode: 'batched', trialsAtOnce: 12, stepMs: 10, repetitionMs: [10, 10, 10, 10, 10], evalMs: 1000, epochSeconds: 4.91, trialEpochsPerMinute: 146.6, peakGpuBytes: 94 * 2 ** 20 },
    ],
  };
}

export function studyReport(blas: BlasInfo = OPENBLAS): StudyReport {
  const r = stepsReport(blas);
  const mark = blas.reference ? REFERENCE_BLAS_MARK : null;
  const run = { measuredEpochs: 1, wallSeconds: 10, meanTestAccuracy: { 'fashion-mnist': 0.8, mnist: 0.9 } };
  return {
    schema: PERF_SCHEMA, kind: 'study', createdAt: r.createdAt, command: 'npm run bench:perf -- --study --study-seeds 1 --study-epochs 1', machine: r.machine, environment: r.environment, warnings: [],
    study: {
      study: { trials: 240, epochs: 10 },
      runs: [
        { framework: 'webgpu-optbench', measuredTrials: 24, seconds: 50, studySeconds: 5000, extrapolated: 'extrapolated linearly from 24 trials x 1 epochs', engineSpeedup: 1, mark: null, threads: null, ...run },
        { framework: 'torch-batched (cpu: 2 cores)', measuredTrials: 24, seconds: 25, studySeconds: 2500, extrapolated: 'extrapolated linearly from 24 trials x 1 epochs', engineSpeedup: 0.5, mark, threads: 'torch 1 thread, BLAS 1 thread (fastest of 4 tried)', ...run },
      ],
    },
  };
}
