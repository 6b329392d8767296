// npm run bench:perf — this engine against what users would pick instead, in one run on one
// machine, written to perf.json and printed with ratios:
//   1. steady-state training steps/s of one trial (batch 128, Fashion-MNIST, 784-128-128-10),
//      Adam and SGD, for this engine and for TensorFlow.js (webgpu on the same Dawn runtime,
//      wasm, cpu; src/bench/peers/tfjs.ts);
//   2. study throughput in trial-epochs per minute: one by one and batched (T = 12, 120),
//      on the study's mix of optimizers and regularization modes;
//   3. the PyTorch peer (src/bench/peers/torch_peer.py, where a python3 can import torch):
//      one model at a time (nn.Sequential + torch.optim) against 1, the same stacked trials
//      written by hand (eager; CUDA graphs on CUDA) against 2.
// --study instead runs the whole default study with this engine and the PyTorch peer
// (study-compare.ts).
import '../../platform/node.ts'; // the engine's Node side, installed before anything uses it
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Gpu } from '../../kernels/gpu.ts';
import { tuneMatmul } from '../../kernels/matmul-tuner.ts';
import { PRESETS, trainCount } from '../study/config.ts';
import { loadDataset } from '../data/datasets.ts';
import { environment } from '../study/environment.ts';
import { uploadDataset, type GpuDataset } from '../data/gpu-data.ts';
import { measureTfjs, type PeerResult } from '../peers/tfjs.ts';
import { planTrials } from '../study/plan.ts';
import { TrainingGroup, type TrialSetup } from '../study/trainer.ts';
import { medianStepSeconds } from '../measure/timing.ts';
import { mlpMatmulShapes } from '../measure/tuning.ts';
import { parsePerfArgs, type PerfOptions } from './perf-options.ts';
import { compareStudy, formatStudy, type StudyComparison } from './study-compare.ts';
import { measureTorch, openTorchPeer, throughputMinSteps, type TorchSection } from './torch-peer.ts';

const study = PRESETS['seed-study'];
const SIZES = study.sizes;
const BATCH = 128;
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Median seconds per training step of a group, after warm-up (steps submitted back to
 * back, one sync per timed repetition: no read-back inside the timed steps), by the peers'
 * protocol (medianStepSeconds): repetitions of at least `minSteps` lasting `seconds` in all. */
async function stepSeconds(gpu: Gpu, group: TrainingGroup, minSteps: number, seconds: number): Promise<number> {
  group.beginEpoch(0);
  let start = 0;
  const run = async (k: number) => {
    for (let i = 0; i < k; i++) {
      group.trainStep(start);
      start = (start + BATCH) % (group.config.trainCount - BATCH);
    }
    await gpu.sync();
  };
  await run(3);
  return (await medianStepSeconds(run, minSteps, seconds)).seconds;
}

function group(gpu: Gpu, data: GpuDataset, setups: TrialSetup[]): TrainingGroup {
  return new TrainingGroup(gpu, data, { sizes: SIZES, batch: BATCH, trainCount: trainCount(study), validationCount: study.validation }, setups);
}

interface Throughput {
  mode: string;
  trialsAtOnce: number;
  stepMs: number;
  /** Evaluation of the 10,000 validation images, all trials of the group. */
  evalMs: number;
  epochSeconds: number;
  trialEpochsPerMinute: number;
  peakGpuBytes: number | null;
}

function write(out: string, report: object): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 1)}\n`);
  log(`wrote ${out}`);
}

async function main(o: PerfOptions): Promise<void> {
  const gpu = await Gpu.open();
  log(`adapter: ${gpu.describe()}`);
  const peer = o.peers.includes('torch') ? await openTorchPeer(log) : null;
  const torchEnv = peer ? { python: peer.python, torch: peer.torch, device: peer.device } : null;
  if (o.study) {
    const comparison: StudyComparison = await compareStudy(gpu, peer, { seeds: o.studySeeds, epochs: o.studyEpochs, loopSeeds: o.loopSeeds }, log);
    const env = environment(gpu);
    gpu.destroy();
    write(o.out, { schema: 'webgpu-optbench/perf@1', createdAt: new Date().toISOString(), environment: { ...env, torch: torchEnv }, study: comparison });
    console.log(`adapter: ${env.adapter}\n${formatStudy(comparison)}`);
    return;
  }
  const data = uploadDataset(gpu, await loadDataset('fashion-mnist'));
  const steps = trainCount(study);
  const stepsPerEpoch = Math.ceil(steps / BATCH);

  // 1. One trial, steady state.
  const engine: Array<{ optimizer: string; stepsPerSecond: number; msPerStep: number }> = [];
  await tuneMatmul(gpu, mlpMatmulShapes(SIZES, BATCH, 1, { backward: true, dropout: false }).map((s) => s.shape));
  for (const optimizer of ['adam', 'sgd']) {
    const g = group(gpu, data, [{ seed: 1, optimizer: { optimizer, hyper: planTrials(study).find((p) => p.optimizer === optimizer)!.hyper }, dropout: 0 }]);
    const s = await stepSeconds(gpu, g, 50, o.seconds);
    g.destroy();
    engine.push({ optimizer, stepsPerSecond: 1 / s, msPerStep: s * 1000 });
    log(`engine ${optimizer}: ${(1 / s).toFixed(1)} steps/s (${(s * 1000).toFixed(2)} ms/step)`);
  }

  // 2. Study throughput on the study's grid (optimizers x modes x seeds).
  const plan = planTrials({ ...study, datasets: ['fashion-mnist'] });
  const setupOf = (i: number): TrialSetup => ({ seed: plan[i].seed, optimizer: plan[i].opt, dropout: plan[i].dropout });
  const cells = [...new Map(plan.map((p, i) => [`${p.optimizer}/${p.reg}`, i])).values()]; // one trial per cell
  const throughput: Throughput[] = [];
  const measure = async (mode: string, setups: TrialSetup[], minSteps: number, seconds: number): Promise<Throughput> => {
    const T = setups.length;
    await tuneMatmul(gpu, mlpMatmulShapes(SIZES, BATCH, T, { backward: true, dropout: true }).map((s) => s.shape));
    gpu.pool.resetPeak();
    const g = group(gpu, data, setups);
    const s = await stepSeconds(gpu, g, minSteps, seconds);
    const t0 = performance.now();
    await g.evaluate(data.train, steps, study.validation);
    const evalMs = performance.now() - t0;
    const peak = gpu.pool.snapshot().peakLiveBytes;
    g.destroy();
    const epochSeconds = stepsPerEpoch * s + evalMs / 1000;
    return { mode, trialsAtOnce: T, stepMs: s * 1000, evalMs, epochSeconds, trialEpochsPerMinute: (60 * T) / epochSeconds, peakGpuBytes: peak };
  };
  // One by one: each of the 12 cells alone, averaged (the study's mix).
  const alone: Throughput[] = [];
  for (const i of cells) alone.push(await measure('one by one', [setupOf(i)], 20, o.seconds / cells.length));
  const mean = (f: (t: Throughput) => number) => alone.reduce((a, t) => a + f(t), 0) / alone.length;
  const epochAlone = mean((t) => t.epochSeconds);
  throughput.push({ mode: 'one by one (mean of the 12 cells)', trialsAtOnce: 1, stepMs: mean((t) => t.stepMs), evalMs: mean((t) => t.evalMs), epochSeconds: epochAlone, trialEpochsPerMinute: 60 / epochAlone, peakGpuBytes: Math.max(...alone.map((t) => t.peakGpuBytes ?? 0)) });
  log(`one by one: ${throughput[0].trialEpochsPerMinute.toFixed(2)} trial-epochs/min`);
  for (const T of [12, 120].filter((t) => t <= o.maxTrials)) {
    const setups = Array.from({ length: T }, (_, k) => setupOf(T === 12 ? cells[k] : k));
    const r = await measure('batched', setups, throughputMinSteps(T), o.seconds);
    throughput.push(r);
    log(`batched T=${T}: ${r.trialEpochsPerMinute.toFixed(2)} trial-epochs/min, peak GPU memory ${(r.peakGpuBytes! / 2 ** 20).toFixed(0)} MiB`);
  }

  // 3. The peers on the same machine, one after the other.
  const torch = peer ? await measureTorch(peer, engine, throughput, { seconds: o.seconds, maxTrials: o.maxTrials, log }) : null;
  const peers: PeerResult[] = o.peers.includes('tfjs') ? await measureTfjs({ seconds: o.seconds, log }) : [];

  const env = environment(gpu);
  gpu.destroy();
  const report = { schema: 'webgpu-optbench/perf@1', createdAt: new Date().toISOString(), environment: { ...env, torch: torchEnv }, workload: { model: SIZES, batch: BATCH, dataset: 'fashion-mnist', stepsPerEpoch }, engine, peers, torch, throughput };
  write(o.out, report);
  console.log(formatPerf(report));
}

export function formatPerf(r: { engine: Array<{ optimizer: string; stepsPerSecond: number; msPerStep: number }>; peers: PeerResult[]; torch: TorchSection | null; throughput: Throughput[]; environment: { adapter: string } }): string {
  const lines = [`adapter: ${r.environment.adapter}`, '', 'one trial, steady state (batch 128, Fashion-MNIST, MLP 784-128-128-10)', `${'framework'.padEnd(26)} ${'optimizer'.padEnd(9)} ${'steps/s'.padStart(9)} ${'ms/step'.padStart(9)} ${'engine is'.padStart(10)}`];
  const row = (name: string, optimizer: string, sps: number, ms: number, ratio: number) => `${name.padEnd(26)} ${optimizer.padEnd(9)} ${sps.toFixed(1).padStart(9)} ${ms.toFixed(2).padStart(9)} ${`${ratio.toFixed(2)}x`.padStart(10)}`;
  for (const e of r.engine) lines.push(row('webgpu-optbench', e.optimizer, e.stepsPerSecond, e.msPerStep, 1));
  for (const p of r.peers) {
    const mine = r.engine.find((e) => e.optimizer === p.optimizer)!;
    const name = `tfjs-${p.backend}`;
    if (p.stepsPerSecond === null) lines.push(`${name.padEnd(26)} ${p.optimizer.padEnd(9)} failed: ${p.error}`);
    else lines.push(row(name, p.optimizer, p.stepsPerSecond, p.msPerStep!, mine.stepsPerSecond / p.stepsPerSecond));
  }
  for (const t of r.torch?.steps ?? []) lines.push(row(`torch-loop (${t.cuda ? 'cuda' : 'cpu'})`, t.optimizer, t.stepsPerSecond, t.msPerStep, t.engineSpeedup));
  lines.push('', 'study throughput (Fashion-MNIST; epoch = 391 steps + validation of 10,000 images)', `${'mode'.padEnd(36)} ${'T'.padStart(4)} ${'ms/step'.padStart(9)} ${'eval ms'.padStart(9)} ${'trial-epochs/min'.padStart(17)} ${'vs one by one'.padStart(14)} ${'peak MiB'.padStart(9)}`);
  const base = r.throughput[0]?.trialEpochsPerMinute ?? NaN;
  for (const t of r.throughput) {
    lines.push(`${t.mode.padEnd(36)} ${String(t.trialsAtOnce).padStart(4)} ${t.stepMs.toFixed(1).padStart(9)} ${t.evalMs.toFixed(0).padStart(9)} ${t.trialEpochsPerMinute.toFixed(2).padStart(17)} ${`${(t.trialEpochsPerMinute / base).toFixed(2)}x`.padStart(14)} ${(t.peakGpuBytes === null ? '-' : (t.peakGpuBytes / 2 ** 20).toFixed(0)).padStart(9)}`);
  }
  if (r.torch?.throughput.length) {
    lines.push('', `PyTorch ${r.torch.torch} (${r.torch.device}), the same trials stacked by hand, same measure`, `${'mode'.padEnd(36)} ${'T'.padStart(4)} ${'ms/step'.padStart(9)} ${'eval ms'.padStart(9)} ${'trial-epochs/min'.padStart(17)} ${'engine is'.padStart(14)}`);
    for (const t of r.torch.throughput) {
      lines.push(`${`torch ${t.mode === 'graphs' ? 'batched, CUDA graphs' : 'batched, eager'}`.padEnd(36)} ${String(t.trials).padStart(4)} ${t.stepMs.toFixed(1).padStart(9)} ${t.evalMs.toFixed(0).padStart(9)} ${t.trialEpochsPerMinute.toFixed(2).padStart(17)} ${(t.engineSpeedup === null ? '-' : `${t.engineSpeedup.toFixed(2)}x`).padStart(14)}`);
    }
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let options: PerfOptions;
  try {
    options = parsePerfArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exit(2);
  }
  main(options).catch((e: unknown) => {
    process.stderr.write(`bench:perf: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
