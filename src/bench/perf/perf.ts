// npm run bench:perf — this engine against what users would pick instead, in one run on one
// machine, written to perf.json and summary.md (perf-summary.ts) and printed:
//   1. steady-state training steps/s of one trial (batch 128, Fashion-MNIST, 784-128-128-10),
//      Adam and SGD, for this engine and for TensorFlow.js (webgpu on the same Dawn runtime,
//      wasm with its fastest thread count, cpu; src/bench/peers/tfjs.ts);
//   2. study throughput in trial-epochs per minute: one by one and batched (T = 12, 120),
//      on the study's mix of optimizers and regularization modes;
//   3. the PyTorch peer (src/bench/peers/torch_peer.py, where a python3 can import torch),
//      with the threads it found fastest and the BLAS it called named: one model at a time
//      (nn.Sequential + torch.optim) against 1, the same stacked trials written by hand
//      (eager; CUDA graphs on CUDA) against 2.
// --study instead runs the whole default study with this engine and the PyTorch peer
// (study-compare.ts). Every figure is a median with its range; ratios are against each
// peer's best configuration; a peer on the reference BLAS is marked wherever it appears.
import '../../platform/node.ts'; // the engine's Node side, installed before anything uses it
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Gpu } from '../../kernels/gpu.ts';
import { tuneMatmul } from '../../kernels/matmul-tuner.ts';
import { openGpuOrExit, optionsOrExit } from '../command-line.ts';
import { PRESETS, trainCount } from '../study/config.ts';
import { loadDataset } from '../data/datasets.ts';
import { environment } from '../study/environment.ts';
import { uploadDataset, type GpuDataset } from '../data/gpu-data.ts';
import { measureTfjs, type PeerResult } from '../peers/tfjs.ts';
import { blasWarning } from '../peers/torch.ts';
import { toJson, writeFileAtomic } from '../results/files.ts';
import { planTrials } from '../study/plan.ts';
import { TrainingGroup, type TrialSetup } from '../study/trainer.ts';
import { medianStepSeconds } from '../measure/timing.ts';
import { mlpMatmulShapes } from '../measure/tuning.ts';
import { finished, machineInfo, type MachineInfo } from './machine.ts';
import { parsePerfArgs, PERF_USAGE, type PerfOptions } from './perf-options.ts';
import { PERF_SCHEMA, type EngineSteps, type PerfEnvironment, type PerfReport, type Throughput } from './perf-report.ts';
import { perfSummary } from './perf-summary.ts';
import { compareStudy } from './study-compare.ts';
import { measureTorch, openTorchPeer, throughputMinSteps, type TorchPeer } from './torch-peer.ts';

const study = PRESETS['seed-study'];
const SIZES = study.sizes;
const BATCH = 128;
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Median seconds per training step of a group, after warm-up (steps submitted back to
 * back, one sync per timed repetition: no read-back inside the timed steps), by the peers'
 * protocol (medianStepSeconds): repetitions of at least `minSteps` lasting `seconds` in all. */
async function stepSeconds(gpu: Gpu, group: TrainingGroup, minSteps: number, seconds: number): Promise<{ seconds: number; reps: number[] }> {
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
  return medianStepSeconds(run, minSteps, seconds);
}

function group(gpu: Gpu, data: GpuDataset, setups: TrialSetup[]): TrainingGroup {
  return new TrainingGroup(gpu, data, { sizes: SIZES, batch: BATCH, trainCount: trainCount(study), validationCount: study.validation }, setups);
}

/** The command line as typed: `npm run bench:perf -- ...`, each argument quoted for a shell
 * where it needs it. */
export function commandLine(args: string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return args.length ? `npm run bench:perf -- ${args.map(quote).join(' ')}` : 'npm run bench:perf';
}

/** perf.json and summary.md, each written whole (a temporary file renamed), the summary
 * printed. Nothing is written before the run has finished. */
function writeRun(o: PerfOptions, report: PerfReport): void {
  mkdirSync(o.out.dir, { recursive: true });
  const summary = perfSummary(report);
  writeFileAtomic(o.out.json, `${toJson(report)}\n`);
  writeFileAtomic(o.out.summary, summary);
  console.log(summary);
  log(`wrote ${o.out.json} and ${o.out.summary}; put them into the README and docs/performance.md with: npm run docs:perf -- ${o.out.dir === '.' ? o.out.json : o.out.dir}`);
}

function perfEnvironment(gpu: Gpu, peer: TorchPeer | null, tfjs: boolean): PerfEnvironment {
  const env = environment(gpu);
  return { ...env, torch: peer ? { python: peer.python, pythonVersion: peer.pythonVersion, torch: peer.torch, device: peer.device, blas: peer.blas } : null, tfjs: tfjs ? tfjsVersion() : null };
}

function tfjsVersion(): string {
  return (createRequire(import.meta.url)('@tensorflow/tfjs-core/package.json') as { version: string }).version;
}

function warningsOf(peer: TorchPeer | null, tfjs: PeerResult[]): string[] {
  const out: string[] = [];
  const blas = peer && blasWarning(peer.blas);
  if (blas) out.push(blas);
  for (const p of tfjs.filter((x) => x.error)) out.push(`TensorFlow.js ${p.backend}/${p.optimizer} failed: ${p.error!.split('\n')[0].slice(0, 160)}`);
  return out;
}

async function main(o: PerfOptions, command: string): Promise<void> {
  const machine: MachineInfo = machineInfo(); // before any work: how busy the machine was
  const gpu = await openGpuOrExit('bench:perf', { backend: o.backend });
  log(`adapter: ${gpu.describe()}`);
  const peer = o.peers.includes('torch') ? await openTorchPeer(log) : null;
  const common = () => ({ schema: PERF_SCHEMA, createdAt: new Date().toISOString(), command, machine: finished(machine) });
  if (o.study) {
    const comparison = await compareStudy(gpu, peer, { seeds: o.studySeeds, epochs: o.studyEpochs, loopSeeds: o.loopSeeds }, log);
    const environment = perfEnvironment(gpu, peer, false);
    gpu.destroy();
    writeRun(o, { ...common(), kind: 'study', environment, warnings: warningsOf(peer, []), study: comparison });
    return;
  }
  const data = uploadDataset(gpu, await loadDataset('fashion-mnist'));
  const steps = trainCount(study);
  const stepsPerEpoch = Math.ceil(steps / BATCH);

  // 1. One trial, steady state.
  const engine: EngineSteps[] = [];
  await tuneMatmul(gpu, mlpMatmulShapes(SIZES, BATCH, 1, { backward: true, dropout: false }).map((s) => s.shape));
  for (const optimizer of ['adam', 'sgd']) {
    const g = group(gpu, data, [{ seed: 1, optimizer: { optimizer, hyper: planTrials(study).find((p) => p.optimizer === optimizer)!.hyper }, dropout: 0 }]);
    const s = await stepSeconds(gpu, g, 50, o.seconds);
    g.destroy();
    engine.push({ optimizer, stepsPerSecond: 1 / s.seconds, msPerStep: s.seconds * 1000, repetitionMs: s.reps.map((r) => r * 1000) });
    log(`engine ${optimizer}: ${(1 / s.seconds).toFixed(1)} steps/s (${(s.seconds * 1000).toFixed(2)} ms/step)`);
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
    const epochSeconds = stepsPerEpoch * s.seconds + evalMs / 1000;
    return { mode, trialsAtOnce: T, stepMs: s.seconds * 1000, repetitionMs: s.reps.map((r) => r * 1000), evalMs, epochSeconds, trialEpochsPerMinute: (60 * T) / epochSeconds, peakGpuBytes: peak };
  };
  // One by one: each of the 12 cells alone, averaged (the study's mix).
  const alone: Throughput[] = [];
  for (const i of cells) alone.push(await measure('one by one', [setupOf(i)], 20, o.seconds / cells.length));
  const mean = (f: (t: Throughput) => number) => alone.reduce((a, t) => a + f(t), 0) / alone.length;
  const epochAlone = mean((t) => t.epochSeconds);
  throughput.push({
    mode: 'one by one (mean of the 12 cells)', trialsAtOnce: 1, stepMs: mean((t) => t.stepMs), repetitionMs: [], evalMs: mean((t) => t.evalMs), epochSeconds: epochAlone,
    trialEpochsPerMinute: 60 / epochAlone, cells: alone.map((t) => t.trialEpochsPerMinute), peakGpuBytes: Math.max(...alone.map((t) => t.peakGpuBytes ?? 0)),
  });
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

  const environment = perfEnvironment(gpu, peer, o.peers.includes('tfjs'));
  gpu.destroy();
  writeRun(o, { ...common(), kind: 'steps', environment, warnings: warningsOf(peer, peers), workload: { model: SIZES, batch: BATCH, dataset: 'fashion-mnist', stepsPerEpoch }, engine, peers, torch, throughput });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const options = optionsOrExit('bench:perf', PERF_USAGE, args, parsePerfArgs);
  main(options, commandLine(args)).catch((e: unknown) => {
    process.stderr.write(`bench:perf: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
