// The web page's runner (run-in-memory.ts: no files, data in memory) trains and records
// trials as the CLI's runner (study.ts) does: the same numbers, the same results.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/bench/data/datasets.ts';
import type { ResultsFile } from '../src/bench/results/types.ts';
import { ConfigError, PRESETS, type StudyConfig } from '../src/bench/study/config.ts';
import { runInMemory, type MemoryDataset } from '../src/bench/study/run-in-memory.ts';
import { runStudy } from '../src/bench/study/study.ts';
import { keepShaderCache } from './helpers/cli.ts';
import { useGpu } from './helpers/gpu.ts';
import { useTempDirs } from './helpers/temp.ts';

const tempDir = useTempDirs('memory');
// One tuning cache for both runners (so both train with the same matmul kernels), away from
// the user's; Mesa's shader cache stays where it was (see keepShaderCache).
Object.assign(process.env, keepShaderCache({ XDG_CACHE_HOME: tempDir() }));
const gpu = useGpu();

const config = (over: Partial<StudyConfig> = {}): StudyConfig => ({
  ...structuredClone(PRESETS.quick),
  optimizers: ['sgd', 'adam'],
  regs: ['default', 'dropout'],
  seeds: [36549, 13790],
  epochs: 2,
  batch: 32,
  trainSamples: 200,
  validation: 64,
  sizes: [784, 16, 10],
  ...over,
});

async function mnist(): Promise<Record<string, MemoryDataset>> {
  const d = await loadDataset('mnist');
  return { mnist: { train: d.train, test: d.test, source: d.source } };
}

const environment = { backend: 'test', featureLevel: 'core', adapter: 'test', isCpu: true, timing: 'wall-clock', node: '', platform: 'test', cpus: '', packages: {}, gitCommit: null };

/** results.json without what a run's timing, machine and date change. */
function numbers(r: ResultsFile): unknown {
  const TIME = new Set(['seconds', 'samplesPerSecond', 'updateMsPerStep', 'cputime_list', 'speed', 'createdAt', 'wallSeconds', 'environment', 'peakGpuBytes']);
  return JSON.parse(JSON.stringify(r, (k, v) => (TIME.has(k) ? undefined : v)));
}

describe('the in-memory runner', () => {
  it('gives the results.json the CLI runner gives for the same study, every number bit for bit', async () => {
    const c = config();
    const out = tempDir();
    await runStudy(c, { outDir: out, resume: false, gpu: gpu(), stop: () => false, log: () => {} });
    const cli = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    const epochs: number[] = [];
    const mem = await runInMemory(c, { gpu: gpu(), data: await mnist(), environment, partial: (r) => epochs.push(r.trials.reduce((n, t) => n + t.epochs.length, 0)) });
    expect(mem.interrupted).toBe(false);
    expect(mem.results.trials).toHaveLength(8);
    expect(mem.results.mode.matmulKernels).toBeDefined();
    // toJson writes NaN as null; compare through JSON as the files hold them.
    expect(numbers(JSON.parse(JSON.stringify(mem.results)) as ResultsFile)).toEqual(numbers(cli));
    // Live results after every epoch of the one group of 8 trials: 8, then 16 trial-epochs.
    expect(epochs).toEqual([8, 16]);
  });

  it('refuses a study its data cannot serve, naming the counts, before training', async () => {
    const data = await mnist();
    data.mnist.train = { ...data.mnist.train, count: 250 };
    await expect(runInMemory(config(), { gpu: gpu(), data, environment })).rejects.toThrow(ConfigError);
    await expect(runInMemory(config(), { gpu: gpu(), data, environment })).rejects.toThrow(/200 training \+ 64 validation samples exceed the 250 training images/);
  });

  it('stops between steps when asked, keeping the trials that finished', async () => {
    // Groups of one trial: 7 steps an epoch, 2 epochs; stop in the second trial.
    let asked = 0;
    const r = await runInMemory(config({ trialsAtOnce: 1 }), { gpu: gpu(), data: await mnist(), environment, tune: false, stop: () => ++asked > 20 });
    expect(r.interrupted).toBe(true);
    expect(r.results.complete).toBe(false);
    expect(r.results.trials.map((t) => t.id)).toEqual(['mnist/sgd/default/36549']);
  });
});
