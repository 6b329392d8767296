// Runs a study: plans the trials of the grid, trains them in groups (one by one, or many
// trials stacked in the same dispatches), appends every finished trial to the journal, and
// assembles results.json, trials.csv and the report from the journal.
import { mkdirSync } from 'node:fs';
import type { Gpu } from '../../kernels/gpu.ts';
import { describeOverhead, formatProfile } from '../../kernels/profiler.ts';
import { tuneMatmul } from '../../kernels/matmul-tuner.ts';
import { dataDirFor } from '../data/data-dirs.ts';
import { loadDataset, type DatasetName } from '../data/datasets.ts';
import { releaseDataset, uploadDataset, type GpuDataset } from '../data/gpu-data.ts';
import { measureUpdateMs } from '../measure/update-timing.ts';
import { consoleSummary } from '../report/index.ts';
import type { ResultsFile, TrialRecord } from '../results/types.ts';
import { assemble } from './assemble.ts';
import { addEpoch, chunksOf, finishRecords, groupConfig, groupsOf, meanTrainLoss, setups, trainingShapes, trialLine, trialRecord } from './group-records.ts';
import { machineFacts, writeOutputs } from './outputs.ts';
import { clearCheckpoint, inspectCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { ConfigError, trainCount, type StudyConfig } from './config.ts';
import { choicesOf, kernelsFile, pinBeyondLimits, pinnedVariants, resumePins, unpinnedShape, type KernelsFile } from './kernel-choices.ts';
import { checkBufferLimits, deviceBudgetInput, groupSizes } from './groups.ts';
import { fingerprint, Journal } from './journal.ts';
import { groupsMatmulShapes } from './optimizer-needs.ts';
import { planTrials, type TrialPlan } from './plan.ts';
import { measureProfileOverhead } from './profile-cost.ts';
import { createProgress, type Progress } from './progress.ts';
import { runPlan, wholeStudy } from './shard.ts';
import { testHook } from './test-hooks.ts';
import { StoppedError, TrainingGroup } from './trainer.ts';

export interface RunOptions {
  outDir: string;
  resume: boolean;
  gpu: Gpu;
  /** Asked between training steps; true stops the run after saving what finished. */
  stop: () => boolean;
  log: (line: string) => void;
  progressStream?: NodeJS.WriteStream;
}

export interface RunOutcome {
  results: ResultsFile;
  interrupted: boolean;
  files: string[];
}

/** Seconds between epoch checkpoints of a group (OPTBENCH_CHECKPOINT_SECONDS, default 30):
 * a checkpoint reads back every parameter and optimizer state of the group. */
function checkpointInterval(): number {
  const v = Number(process.env.OPTBENCH_CHECKPOINT_SECONDS ?? 30);
  return Number.isFinite(v) && v >= 0 ? v : 30;
}

async function runGroup(gpu: Gpu, data: GpuDataset, c: StudyConfig, plans: TrialPlan[], updateMs: Map<string, number>, opts: RunOptions, progress: Progress, doneEpochs: { n: number }, label: string): Promise<TrialRecord[]> {
  const group = new TrainingGroup(gpu, data, groupConfig(c), setups(plans));
  try {
    await group.ready();
    const T = plans.length;
    const ids = plans.map((p) => p.id);
    const fp = fingerprint(c);
    let records = plans.map((p) => trialRecord(p, T, updateMs.get(p.optimizer) ?? null, gpu.profile !== null));
    let first = 0;
    const found = inspectCheckpoint(opts.outDir, fp, ids);
    const saved = found && 'checkpoint' in found ? found.checkpoint : null;
    if (found && 'unusable' in found) {
      progress.log(`trials ${label}: the checkpoint${found.epochsDone === null ? '' : ` after epoch ${found.epochsDone}`} in ${opts.outDir} cannot be used (${found.unusable}); these trials train again from epoch 1`);
    }
    if (saved) {
      group.restore(saved.snapshot);
      records = saved.records;
      first = saved.epochsDone;
      doneEpochs.n += first * T;
      progress.restored(first * T);
      progress.log(`trials ${label}: continuing from the checkpoint after epoch ${first}`);
    }
    let lastCheckpoint = performance.now();
    const where = { dataset: plans[0].dataset, trials: label, epochs: c.epochs, steps: group.stepsPerEpoch };
    for (let epoch = first; epoch < c.epochs; epoch++) {
      const t0 = performance.now();
      const before = doneEpochs.n;
      const res = await group.trainEpoch(epoch, opts.stop, (step) => progress.steps(before + (T * step) / where.steps, { ...where, epoch: epoch + 1, step }));
      const seconds = (performance.now() - t0) / 1000 / T;
      addEpoch(records, epoch, res, seconds);
      doneEpochs.n += T;
      progress.update(doneEpochs.n, { dataset: plans[0].dataset, trials: label, epoch: epoch + 1, epochs: c.epochs, loss: meanTrainLoss(res) });
      if (epoch + 1 < c.epochs && (performance.now() - lastCheckpoint) / 1000 >= checkpointInterval()) {
        writeCheckpoint(opts.outDir, fp, ids, epoch + 1, records, await group.snapshot());
        testHook('checkpoint', gpu);
        lastCheckpoint = performance.now();
      }
    }
    const t0 = performance.now();
    const test = await group.evaluate(data.test);
    const testSeconds = (performance.now() - t0) / 1000 / T;
    finishRecords(records, c, group.divergence, test, testSeconds);
    return records;
  } finally {
    group.destroy();
  }
}

/** --tune-only: the kernel of every shape the whole study (all shards) trains, one per
 * shape, measured at the study's largest group (or read from the tuning cache). */
export async function tuneStudy(gpu: Gpu, c: StudyConfig): Promise<KernelsFile> {
  const study = wholeStudy(c);
  const plan = planTrials(study);
  const sizes = new Map(study.datasets.map((d) => [d, groupSizes(gpu, study, plan.filter((p) => p.dataset === d).length)] as const));
  const largest = Math.max(...[...sizes.values()].flat());
  const groups = study.datasets.flatMap((d) => chunksOf(plan, d, sizes.get(d)!));
  return kernelsFile(gpu, await tuneMatmul(gpu, trainingShapes(study, [largest], groups)));
}

export async function runStudy(c: StudyConfig, opts: RunOptions): Promise<RunOutcome> {
  const { gpu, outDir, log } = opts;
  const started = performance.now();
  const plan = runPlan(c);
  // Bad input is refused before anything is written: a group the adapter cannot bind
  // (ConfigError), a data set that is missing or damaged (DataError). Loads are memoized:
  // the training loop below reads the data sets again at no cost.
  checkBufferLimits(deviceBudgetInput(gpu).limits, c, Math.max(...c.datasets.map((d) => plan.filter((p) => p.dataset === d).length)));
  const resumed = opts.resume ? Journal.open(outDir, c) : null;
  const todo = plan.filter((p) => !resumed?.trials.has(p.id));
  const groups = new Map(c.datasets.map((d) => [d, groupSizes(gpu, c, todo.filter((p) => p.dataset === d).length)] as const));
  const chunks = (d: DatasetName) => chunksOf(todo, d, groups.get(d)!);
  const missing = c.kernels ? unpinnedShape(gpu, trainingShapes(c, [...groups.values()].flat(), c.datasets.flatMap(chunks)), c.kernels) : null;
  if (missing) throw new ConfigError(`the --kernels file pins no matmul kernel for shape ${missing}, which this study trains; write a file for this study with --tune-only (or leave out --kernels)`);
  const unfit = c.kernels ? pinBeyondLimits(gpu.limits, c.kernels) : null;
  if (unfit) throw new ConfigError(`--kernels: ${unfit}; write a file on this device with --tune-only (or leave out --kernels)`);
  for (const d of c.datasets) if (todo.some((p) => p.dataset === d)) await loadDataset(d, { dataDir: dataDirFor(c.dataDir, d), log });
  mkdirSync(outDir, { recursive: true });
  const journal = resumed ?? Journal.create(outDir, c);
  // Pinned kernels, or on resume those the run's earlier sessions trained with.
  const pinned = pinnedVariants(c.kernels ?? resumePins(journal.kernels));
  if (opts.resume) log(`resuming ${outDir}: ${plan.length - todo.length} of ${plan.length} trials already finished`);

  const distinctOpts = [...new Map(plan.map((p) => [p.optimizer, p.opt])).entries()];
  const updateTimes = await measureUpdateMs(gpu, c.sizes, distinctOpts.map(([, o]) => ({ ...o, resetEveryStep: false })));
  const updateMs = new Map(distinctOpts.map(([name], i) => [name, updateTimes[i]]));
  log(`optimizer update per step (1 trial, measured apart): ${[...updateMs].map(([n, ms]) => `${n} ${ms.toFixed(3)} ms`).join(', ')}`);

  const progress = createProgress(todo.length * c.epochs, opts.progressStream);
  const say = (line: string) => progress.log(line);
  const doneEpochs = { n: 0 };
  let interrupted = false;
  let maxGroup = 0;
  try {
    for (const dataset of c.datasets) {
      const mine = todo.filter((p) => p.dataset === dataset);
      if (mine.length === 0) continue;
      const ds = await loadDataset(dataset, { dataDir: dataDirFor(c.dataDir, dataset) });
      say(`${dataset}: ${ds.train.count} training (${trainCount(c)} train, ${c.validation} validation) and ${ds.test.count} test images from ${ds.source}`);
      const data = uploadDataset(gpu, ds);
      try {
        const sizes = groups.get(dataset)!;
        say(`${dataset}: ${mine.length} trials in ${sizes.length} group${sizes.length > 1 ? 's' : ''} of ${[...new Set(sizes)].join(' or ')}`);
        maxGroup = Math.max(maxGroup, ...sizes);
        // Training products only: they run every step; evaluation keeps the defaults.
        const t0 = performance.now();
        const tuned = await tuneMatmul(gpu, trainingShapes(c, sizes, chunks(dataset)), { pinned });
        journal.recordKernels(choicesOf(tuned));
        const fresh = tuned.filter((t) => !t.fromCache && !t.pinned).length;
        if (fresh) say(`matmul: measured ${fresh} shapes in ${((performance.now() - t0) / 1000).toFixed(1)} s (cached for later runs)`);
        if (c.kernels) say(`matmul: ${tuned.length} shapes with the kernels given by --kernels, none measured`);
        if (gpu.profile && !gpu.profile.overhead) {
          gpu.profile.overhead = (await measureProfileOverhead(gpu, data, groupConfig(c), setups(mine.slice(0, sizes[0])))).overhead;
          say(describeOverhead(gpu.profile.overhead));
        }
        for (const { chunk, label } of groupsOf(plan, mine, sizes)) {
          if (opts.stop()) throw new StoppedError(); // asked while the kernels were measured, or between groups
          const records = await runGroup(gpu, data, c, chunk, updateMs, opts, progress, doneEpochs, label);
          journal.append(records);
          clearCheckpoint(outDir);
          for (const r of records) {
            progress.trialDone(trialLine(r));
            testHook('trial', gpu);
          }
        }
      } finally {
        releaseDataset(gpu, data);
      }
    }
  } catch (e) {
    if (!(e instanceof StoppedError)) throw e;
    interrupted = true;
  } finally {
    progress.stop();
  }
  const sessionSeconds = (performance.now() - started) / 1000;
  journal.endSession(sessionSeconds);
  const results = assemble(c, { ...machineFacts(gpu), matmulKernels: journal.kernels }, plan, journal.trials, sessionSeconds + journal.earlierSeconds, maxGroup);
  const files = await writeOutputs(outDir, results);
  if (gpu.profile) log(formatProfile(gpu.profile));
  return { results, interrupted, files };
}

export { consoleSummary };
