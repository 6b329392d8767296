// Runs a study on data held in memory and keeps everything in memory: no journal, no
// checkpoints, no files. The web page's runner (it has no file system), and Node-free so a
// test runs the very same code under Node to compare the two. It trains and records trials
// exactly as the CLI's runner (study.ts) does, through the same pieces (plan, groups, the
// trainer, group-records, assemble), so its results.json reads the same.
import type { Gpu } from '../../kernels/gpu.ts';
import { tuneMatmul } from '../../kernels/matmul-tuner.ts';
import { describeOverhead } from '../../kernels/profiler.ts';
import { releaseDataset, uploadDataset, type SplitBytes } from '../data/gpu-data.ts';
import { measureUpdateMs } from '../measure/update-timing.ts';
import type { EnvironmentInfo, ResultsFile, TrialRecord } from '../results/types.ts';
import { assemble, gpuFacts } from './assemble.ts';
import { ConfigError, trainCount, type StudyConfig } from './config.ts';
import { addEpoch, finishRecords, groupConfig, groupsOf, meanTrainLoss, setups, trainingShapes, trialLine, trialRecord } from './group-records.ts';
import { checkBufferLimits, deviceBudgetInput, groupSizes } from './groups.ts';
import { choicesOf, type KernelChoices } from './kernel-choices.ts';
import { planTrials } from './plan.ts';
import { measureProfileOverhead } from './profile-cost.ts';
import { StoppedError, TrainingGroup } from './trainer.ts';

/** A data set's two splits (images 28x28 bytes, labels 0..9) and where they came from. */
export interface MemoryDataset {
  train: SplitBytes;
  test: SplitBytes;
  source: string;
}

export interface ProgressEvent {
  dataset: string;
  /** Trials of the group training now, as the CLI's progress names them ("1-4 of 8"). */
  trials: string;
  epoch: number;
  epochs: number;
  /** Trial-epochs done of the whole study. */
  done: number;
  total: number;
  /** Mean training loss of the group's last epoch over its trials that have not diverged. */
  loss: number;
}

export interface InMemoryOptions {
  gpu: Gpu;
  /** Every data set of the configuration, by name. */
  data: Record<string, MemoryDataset>;
  /** What results.json says about the machine (a page describes its browser). */
  environment: EnvironmentInfo;
  /** Measure the matmul kernels (cached by the platform's store), as the CLI does; false
   * keeps each shape's default kernel and measures nothing. Default true. */
  tune?: boolean;
  /** Asked between training steps; true stops the run and keeps what finished. */
  stop?: () => boolean;
  log?: (line: string) => void;
  progress?: (p: ProgressEvent) => void;
  /** After every epoch: results.json of the trials so far, the group in flight included
   * (its records cut at the epoch), for live plots. */
  partial?: (results: ResultsFile) => void;
}

export interface InMemoryOutcome {
  results: ResultsFile;
  /** Stopped before every planned trial finished. */
  interrupted: boolean;
}

/** Refuses (ConfigError) a study its data cannot serve: the splits must hold the training,
 * validation and test samples it asks for. */
export function checkData(c: StudyConfig, data: Record<string, MemoryDataset>): void {
  for (const d of c.datasets) {
    const ds = data[d];
    if (!ds) throw new ConfigError(`no data for data set '${d}'`);
    const need = trainCount(c) + c.validation;
    if (need > ds.train.count) throw new ConfigError(`${d}: ${trainCount(c)} training + ${c.validation} validation samples exceed the ${ds.train.count} training images of ${ds.source}; ask for fewer`);
    if (ds.test.count < 1) throw new ConfigError(`${d}: ${ds.source} has no test images`);
  }
}

export async function runInMemory(c: StudyConfig, o: InMemoryOptions): Promise<InMemoryOutcome> {
  const { gpu } = o;
  const log = o.log ?? (() => {});
  const started = performance.now();
  const plan = planTrials(c);
  checkData(c, o.data);
  checkBufferLimits(deviceBudgetInput(gpu).limits, c, Math.max(...c.datasets.map((d) => plan.filter((p) => p.dataset === d).length)));

  const distinct = [...new Map(plan.map((p) => [p.optimizer, p.opt])).entries()];
  const updateTimes = await measureUpdateMs(gpu, c.sizes, distinct.map(([, opt]) => ({ ...opt, resetEveryStep: false })));
  const updateMs = new Map(distinct.map(([name], i) => [name, updateTimes[i]]));
  log(`optimizer update per step (1 trial, measured apart): ${[...updateMs].map(([n, ms]) => `${n} ${ms.toFixed(3)} ms`).join(', ')}`);

  const finished = new Map<string, TrialRecord>();
  const kernels: KernelChoices = {};
  const total = plan.length * c.epochs;
  let done = 0;
  let maxGroup = 0;
  let interrupted = false;
  const results = (inFlight: TrialRecord[] = []): ResultsFile => {
    const trials = new Map(finished);
    for (const r of inFlight) trials.set(r.id, r);
    const machine = { ...gpuFacts(gpu, o.environment), ...(Object.keys(kernels).length ? { matmulKernels: kernels } : {}) };
    return assemble(c, machine, plan, trials, (performance.now() - started) / 1000, maxGroup);
  };
  try {
    for (const dataset of c.datasets) {
      const mine = plan.filter((p) => p.dataset === dataset);
      const ds = o.data[dataset];
      log(`${dataset}: ${ds.train.count} training (${trainCount(c)} train, ${c.validation} validation) and ${ds.test.count} test images from ${ds.source}`);
      const data = uploadDataset(gpu, ds);
      try {
        const sizes = groupSizes(gpu, c, mine.length);
        log(`${dataset}: ${mine.length} trials in ${sizes.length} group${sizes.length > 1 ? 's' : ''} of ${[...new Set(sizes)].join(' or ')}`);
        maxGroup = Math.max(maxGroup, ...sizes);
        if (o.tune ?? true) {
          const t0 = performance.now();
          const tuned = await tuneMatmul(gpu, trainingShapes(c, sizes, groupsOf(plan, mine, sizes).map((g) => g.chunk)));
          Object.assign(kernels, choicesOf(tuned));
          const fresh = tuned.filter((t) => !t.fromCache).length;
          if (fresh) log(`matmul: measured ${fresh} shapes in ${((performance.now() - t0) / 1000).toFixed(1)} s (kept for later runs)`);
        }
        if (gpu.profile && !gpu.profile.overhead) {
          gpu.profile.overhead = (await measureProfileOverhead(gpu, data, groupConfig(c), setups(mine.slice(0, sizes[0])))).overhead;
          log(describeOverhead(gpu.profile.overhead));
        }
        for (const { chunk, label } of groupsOf(plan, mine, sizes)) {
          const T = chunk.length;
          const group = new TrainingGroup(gpu, data, groupConfig(c), setups(chunk));
          try {
            await group.ready();
            const records = chunk.map((p) => trialRecord(p, T, updateMs.get(p.optimizer) ?? null, gpu.profile !== null));
            for (let epoch = 0; epoch < c.epochs; epoch++) {
              const t0 = performance.now();
              const res = await group.trainEpoch(epoch, o.stop);
              addEpoch(records, epoch, res, (performance.now() - t0) / 1000 / T);
              done += T;
              o.progress?.({ dataset, trials: label, epoch: epoch + 1, epochs: c.epochs, done, total, loss: meanTrainLoss(res) });
              o.partial?.(results(records));
            }
            const t0 = performance.now();
            const test = await group.evaluate(data.test);
            finishRecords(records, c, group.divergence, test, (performance.now() - t0) / 1000 / T);
            for (const r of records) {
              finished.set(r.id, r);
              log(trialLine(r));
            }
          } finally {
            group.destroy();
          }
        }
      } finally {
        releaseDataset(gpu, data);
      }
    }
  } catch (e) {
    if (!(e instanceof StoppedError)) throw e;
    interrupted = true;
  }
  return { results: results(), interrupted };
}
