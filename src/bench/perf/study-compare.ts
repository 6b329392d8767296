// bench:perf --study: the default study end to end (both data sets, every optimizer and
// regularization mode, 10 seeds, 10 epochs) with this engine (runStudy, as `npm run bench`
// runs it) and with the PyTorch peer (batched eager; CUDA graphs on CUDA; one model at a
// time), in one run. A run of fewer seeds or epochs than the study's is extrapolated
// linearly to the whole study, and says so wherever its numbers appear.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gpu } from '../../kernels/gpu.ts';
import { threadsLine, type TorchStudy } from '../peers/torch.ts';
import { PRESETS, STUDY_SEEDS, type StudyConfig } from '../study/config.ts';
import { planTrials } from '../study/plan.ts';
import { runStudy } from '../study/study.ts';
import { runTorch, workloadArgs, type TorchPeer } from './torch-peer.ts';

export interface StudyOptions {
  /** Seeds per cell measured (the study has 10). */
  seeds: number;
  epochs: number;
  /** Seeds per cell for the one-model-at-a-time loop (slow: a subset, extrapolated). */
  loopSeeds: number;
}

export interface StudyRun {
  framework: string;
  measuredTrials: number;
  measuredEpochs: number;
  /** Training and evaluation seconds of the trials measured. */
  seconds: number;
  /** The whole study's seconds: `seconds`, or extrapolated from it (then `extrapolated`). */
  studySeconds: number;
  extrapolated: string | null;
  /** Wall time around it all: data load, warm-up or tuning, graph capture, reports. */
  wallSeconds: number;
  /** Mean test accuracy per data set (over the trials measured): the work was real. */
  meanTestAccuracy: Record<string, number>;
  /** Peer's study seconds / engine's: how many times faster the engine is. */
  engineSpeedup: number;
  /** REFERENCE_BLAS_MARK for a PyTorch run on the reference BLAS, else null. */
  mark: string | null;
  /** The threads a PyTorch run chose ("torch 1 thread, BLAS 1 thread (fastest of 4 tried)"). */
  threads: string | null;
}

export interface StudyComparison {
  study: { trials: number; epochs: number };
  runs: StudyRun[];
}

function config(seeds: number, epochs: number): StudyConfig {
  return { ...PRESETS['seed-study'], seeds: STUDY_SEEDS.slice(0, seeds), epochs };
}

function meanBy(rows: Array<{ dataset: string; acc: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of new Set(rows.map((r) => r.dataset))) {
    const a = rows.filter((r) => r.dataset === d).map((r) => r.acc);
    out[d] = a.reduce((s, x) => s + x, 0) / a.length;
  }
  return out;
}

export async function compareStudy(gpu: Gpu, peer: TorchPeer | null, o: StudyOptions, log: (s: string) => void): Promise<StudyComparison> {
  const full = PRESETS['seed-study'];
  const study = { trials: planTrials(full).length, epochs: full.epochs };
  const scale = (trials: number, epochs: number, seconds: number) => {
    const whole = trials === study.trials && epochs === study.epochs;
    return {
      studySeconds: whole ? seconds : (seconds * study.trials * study.epochs) / (trials * epochs),
      extrapolated: whole ? null : `extrapolated linearly from ${trials} trials x ${epochs} epochs`,
    };
  };
  const runs: Array<Omit<StudyRun, 'engineSpeedup'>> = [];
  const add = (r: Omit<StudyRun, 'engineSpeedup'>) => {
    runs.push(r);
    const acc = Object.entries(r.meanTestAccuracy).map(([d, a]) => `${d} ${a.toFixed(4)}`).join(', ');
    log(`${r.framework}: ${r.measuredTrials} trials x ${r.measuredEpochs} epochs in ${r.seconds.toFixed(1)} s of training and evaluation (wall ${r.wallSeconds.toFixed(1)} s); mean test accuracy ${acc}${r.mark ? ` [${r.mark}]` : ''}`);
  };

  const c = config(o.seeds, o.epochs);
  const out = mkdtempSync(join(tmpdir(), 'optbench-perf-study-'));
  log(`engine: ${planTrials(c).length} trials x ${c.epochs} epochs (runStudy into ${out}, removed after) ...`);
  try {
    const t0 = performance.now();
    const { results } = await runStudy(c, { outDir: out, resume: false, gpu, stop: () => false, log });
    const wall = (performance.now() - t0) / 1000;
    const seconds = results.trials.reduce((s, t) => s + t.seconds, 0);
    add({ framework: 'webgpu-optbench', mark: null, threads: null, measuredTrials: results.trials.length, measuredEpochs: c.epochs, seconds, ...scale(results.trials.length, c.epochs, seconds), wallSeconds: wall, meanTestAccuracy: meanBy(results.trials.map((t) => ({ dataset: t.dataset, acc: t.testAccuracy }))) });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  if (peer) {
    const modes: Array<'batched' | 'graphs' | 'loop'> = peer.cuda ? ['graphs', 'batched', 'loop'] : ['batched', 'loop'];
    for (const mode of modes) {
      const pc = mode === 'loop' ? config(Math.min(o.loopSeeds, o.seeds), o.epochs) : c;
      log(`torch ${mode}: ${planTrials(pc).length} trials x ${pc.epochs} epochs ...`);
      const t0 = performance.now();
      const res = await runTorch<TorchStudy>(peer, ['--task', 'study', '--mode', mode, ...(await workloadArgs(pc, pc.datasets))], log, `study (${mode})`);
      const wall = (performance.now() - t0) / 1000;
      if (res.length !== pc.datasets.length) continue; // the failure is logged
      const trials = res.reduce((s, r) => s + r.trials, 0);
      const seconds = res.reduce((s, r) => s + r.seconds, 0);
      add({ framework: `torch-${mode} (${peer.device})`, mark: peer.mark, threads: [...new Set(res.map((r) => threadsLine(r.threads)))].join('; '), measuredTrials: trials, measuredEpochs: pc.epochs, seconds, ...scale(trials, pc.epochs, seconds), wallSeconds: wall, meanTestAccuracy: meanBy(res.flatMap((r) => r.testAccuracy.map((acc) => ({ dataset: r.dataset, acc })))) });
    }
  }
  const engine = runs[0].studySeconds;
  return { study, runs: runs.map((r) => ({ ...r, engineSpeedup: r.studySeconds / engine })) };
}
