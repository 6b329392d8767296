// Trains a group of trials together (DESIGN.md principle 3): T independent MLPs stacked in
// the same dispatches, each with its own seed stream (initialization, shuffle order,
// dropout masks), optimizer, hyperparameters, regularization and divergence state. T = 1
// is an ordinary training run. No read-back inside a step: losses and accuracies add up in
// GPU buffers and are read once per epoch.
import { Tape } from '../../autograd/tape.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { GBuf, Gpu, RecordedWork } from '../../kernels/gpu.ts';
import { permutation } from '../../kernels/rng.ts';
import { STATS_WORDS } from '../../kernels/softmax-ce.ts';
import { DropoutState } from '../../nn/dropout.ts';
import type { InitName } from '../../nn/init.ts';
import { softmaxCrossEntropyLoss } from '../../nn/loss.ts';
import { MLP } from '../../nn/mlp.ts';
import { Optimizers, type TrialOptimizerConfig } from '../../optim/fused.ts';
import type { GpuDataset, GpuSplit } from '../data/gpu-data.ts';
import { StepPacer, type StepsDone } from './step-pacer.ts';

export interface TrialSetup {
  seed: number;
  optimizer: TrialOptimizerConfig;
  /** Drop probability after each hidden ReLU (0 = no dropout). */
  dropout: number;
}

export interface GroupConfig {
  /** MLP widths, input first. */
  sizes: number[];
  batch: number;
  /** Training samples: the first `trainCount` of the training split (the rest validates). */
  trainCount: number;
  /** Validation samples: the `validationCount` after them (0 = none). */
  validationCount: number;
  init?: InitName;
  /** Rows per evaluation batch (memory: trials x rows x widest layer floats). */
  evalBatch?: number;
}

export interface EvalResult {
  loss: number;
  accuracy: number;
  /** Logits that were NaN or infinite. */
  nonFinite: number;
}

/** Mean loss, accuracy and non-finite count per trial from a softmax_ce statistics buffer
 * (STATS_WORDS words a trial: loss sum, correct, rows, non-finite logits). */
async function readStats(gpu: Gpu, buf: GBuf, trials: number): Promise<EvalResult[]> {
  const r = await gpu.readF32(buf, 0, trials * STATS_WORDS);
  return Array.from({ length: trials }, (_, t) => {
    const [loss, correct, rows, nonFinite] = r.subarray(t * STATS_WORDS, (t + 1) * STATS_WORDS);
    return { loss: loss / rows, accuracy: correct / rows, nonFinite };
  });
}

export interface EpochResult {
  trainLoss: number;
  trainAccuracy: number;
  validation: EvalResult | null;
  /** True once the trial diverged (this epoch or before); its numbers are then NaN. */
  diverged: boolean;
}

export interface GroupSnapshot {
  step: number;
  divergedAt: Array<number | null>;
  params: Float32Array;
  state: Float32Array[];
}

/** Training was asked to stop (Ctrl-C) between two steps. */
export class StoppedError extends Error {
  override name = 'StoppedError';
}

export class TrainingGroup {
  readonly model: MLP;
  readonly optimizers: Optimizers;
  readonly drop: DropoutState;
  readonly trials: number;
  /** Optimizer steps taken so far (the next step is step + 1). */
  step = 0;
  private readonly stats: GBuf;
  /** Every trial's shuffle of the training samples for the current epoch, trial after trial. */
  private readonly perm: Uint32Array;
  /** The epoch perm holds, or null. */
  private permEpoch: number | null = null;
  /** The step's sample indices, `batch` a trial (its slice of perm), written before each
   * step: the step's kernels then bind the same buffers at every step. */
  private readonly batchIdx: GBuf;
  private readonly batchRows: Uint32Array;
  /** A training step's kernels as recorded once per batch size (the last batch of an epoch
   * may be smaller), with the tape that owns the step's intermediate buffers. */
  private readonly recorded = new Map<number, { work: RecordedWork; tape: Tape }>();
  private readonly divergedAt: Array<number | null>;

  constructor(
    readonly gpu: Gpu,
    readonly data: GpuDataset,
    readonly config: GroupConfig,
    readonly setups: TrialSetup[],
  ) {
    const { sizes, batch, trainCount, validationCount } = config;
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    if (!(trainCount >= 1 && trainCount + validationCount <= data.train.count)) {
      throw new RangeError(`${trainCount} training + ${validationCount} validation samples exceed the ${data.train.count} of the training split`);
    }
    if (sizes[0] !== data.train.features || sizes[sizes.length - 1] !== data.classes) {
      throw new RangeError(`MLP [${sizes}] does not fit ${data.train.features} inputs and ${data.classes} classes`);
    }
    this.trials = setups.length;
    this.model = new MLP(gpu, { sizes, init: config.init }, this.trials);
    this.model.initialize(setups.map((s) => s.seed));
    this.optimizers = new Optimizers(gpu, this.model.arena, setups.map((s) => s.optimizer));
    this.drop = new DropoutState(gpu, setups.map((s) => s.seed), setups.map((s) => s.dropout));
    this.stats = gpu.buffer(this.trials * STATS_WORDS * 4, 'train-stats');
    this.perm = new Uint32Array(this.trials * trainCount);
    this.batchRows = new Uint32Array(this.trials * batch);
    this.batchIdx = gpu.buffer(this.batchRows.byteLength, 'batch-index');
    this.divergedAt = setups.map(() => null);
  }

  /** Waits until every kernel the group uses is known to compile. */
  async ready(): Promise<void> {
    await this.optimizers.ready();
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.config.trainCount / this.config.batch);
  }

  /** Epoch (0-based) in which each trial diverged, or null. */
  get divergence(): ReadonlyArray<number | null> {
    return this.divergedAt;
  }

  /** Everything the group's future depends on after an epoch: parameters, optimizer state,
   * step count and divergence (shuffles and dropout masks follow from seeds, epochs and
   * steps). Restoring it continues training exactly, bit for bit. */
  async snapshot(): Promise<GroupSnapshot> {
    const params = await this.gpu.readF32(this.model.arena.params, 0, this.model.arena.perTrial * this.trials);
    return { step: this.step, divergedAt: [...this.divergedAt], params, state: await this.optimizers.saveState() };
  }

  restore(s: GroupSnapshot): void {
    if (s.params.length !== this.model.arena.perTrial * this.trials || s.divergedAt.length !== this.trials) throw new RangeError('snapshot does not fit this group');
    this.gpu.write(this.model.arena.params, s.params);
    this.optimizers.loadState(s.state);
    this.step = s.step;
    s.divergedAt.forEach((e, t) => {
      this.divergedAt[t] = e;
      if (e !== null) this.optimizers.freeze(t);
    });
  }

  /** Draws every trial's shuffle of the training samples for `epoch` and zeroes the
   * running statistics. */
  beginEpoch(epoch: number): void {
    this.shuffle(epoch);
    this.gpu.write(this.stats, new Float32Array(this.trials * STATS_WORDS));
  }

  /** Draws every trial's order of the training samples for `epoch` into perm, unless it is
   * there already (drawn ahead: 120 trials of 50,000 samples take about 50 ms). */
  private shuffle(epoch: number): void {
    if (this.permEpoch === epoch) return;
    const { trainCount } = this.config;
    for (let t = 0; t < this.trials; t++) permutation(trainCount, this.setups[t].seed, epoch, this.perm.subarray(t * trainCount, (t + 1) * trainCount));
    this.permEpoch = epoch;
  }

  /** Records one training step on the batch that starts at `start` of each trial's
   * shuffle, and submits it. Nothing is read back. */
  trainStep(start: number): void {
    const { gpu, trials } = this;
    const { batch, trainCount } = this.config;
    if (!(Number.isInteger(start) && start >= 0 && start < trainCount)) throw new RangeError(`trainStep: start ${start} is outside the ${trainCount} training samples`);
    const rows = Math.min(batch, trainCount - start);
    // Buffer writes first: each one submits the work recorded before it, so writing at the
    // start keeps the whole step in one submit. All that differs from step to step (the
    // step count, the samples) travels in them.
    this.step++;
    if (this.drop.active) this.drop.setStep(this.step);
    this.optimizers.prepare(this.step, rows);
    for (let t = 0; t < trials; t++) this.batchRows.set(this.perm.subarray(t * trainCount + start, t * trainCount + start + rows), t * batch);
    gpu.write(this.batchIdx, this.batchRows);
    const recorded = this.recorded.get(rows);
    if (recorded) gpu.replay(recorded.work);
    else {
      const tape = new Tape(gpu);
      const work = gpu.record(() => this.recordStep(tape, rows));
      this.recorded.set(rows, { work, tape });
    }
    gpu.flush();
  }

  /** The step's kernels: forward, loss, backward, update, on the samples of batchIdx. */
  private recordStep(tape: Tape, rows: number): void {
    const { gpu, model, trials } = this;
    const idx = { buf: this.batchIdx, offset: 0, trialStride: this.config.batch };
    // Images and labels stay uint8: the first layer's products and the loss read them
    // through idx.
    const x = Tensor.gathered(gpu, this.data.train.images, idx, [rows, model.inputSize], trials);
    const y = Tensor.gathered(gpu, this.data.train.labels, idx, [rows], trials, 'u32');
    const logits = model.forward(tape, x, this.drop);
    softmaxCrossEntropyLoss(tape, logits, y, { buf: this.stats });
    tape.backward();
    this.optimizers.dispatch();
  }

  /** Trains one epoch over every trial's own shuffle of the training samples. `stop` is
   * asked between steps; when it says yes the epoch is abandoned (StoppedError). The event
   * loop turns between steps (StepPacer), so a signal handler can ask; `onSteps` hears how
   * many of the epoch's steps the device has finished. */
  async trainEpoch(epoch: number, stop?: () => boolean, onSteps?: StepsDone): Promise<EpochResult[]> {
    const { gpu, trials } = this;
    const { batch, trainCount } = this.config;
    this.beginEpoch(epoch);
    const pacer = new StepPacer(gpu, onSteps);
    for (let start = 0; start < trainCount; start += batch) {
      await pacer.beforeStep(start / batch);
      if (stop?.()) {
        await gpu.sync();
        throw new StoppedError();
      }
      this.trainStep(start);
    }
    // Every step's indices went into buffer writes: while the GPU works through the queued
    // steps, draw the next epoch's order, which would otherwise leave the GPU idle.
    this.shuffle(epoch + 1);
    // Validation is recorded behind the steps before anything is read back: one wait for
    // the GPU an epoch, with no idle gap between training and evaluation.
    const validationStats = this.config.validationCount > 0 ? this.recordEvaluation(this.data.train, trainCount, this.config.validationCount) : null;
    const train = await readStats(gpu, this.stats, trials);
    const validation = validationStats ? await this.readEvaluation(validationStats) : null;
    return Array.from({ length: trials }, (_, t) => {
      const loss = train[t].loss;
      const bad = train[t].nonFinite > 0 || !Number.isFinite(loss) || (validation !== null && (validation[t].nonFinite > 0 || !Number.isFinite(validation[t].loss)));
      if (bad && this.divergedAt[t] === null) {
        this.divergedAt[t] = epoch;
        this.optimizers.freeze(t);
      }
      const diverged = this.divergedAt[t] !== null;
      return {
        trainLoss: diverged ? NaN : loss,
        trainAccuracy: diverged ? NaN : train[t].accuracy,
        validation: validation ? (diverged ? { loss: NaN, accuracy: NaN, nonFinite: validation[t].nonFinite } : validation[t]) : null,
        diverged,
      };
    });
  }

  /** Loss and accuracy of every trial on `count` samples of `split` from `start`, in order.
   * Every trial reads the same input rows (index trial stride 0). */
  async evaluate(split: GpuSplit, start = 0, count = split.count): Promise<EvalResult[]> {
    return this.readEvaluation(this.recordEvaluation(split, start, count));
  }

  /** Records (and submits) the evaluation of evaluate(); its statistics buffer, to read. */
  private recordEvaluation(split: GpuSplit, start: number, count: number): GBuf {
    const { gpu, model, trials } = this;
    const evalBatch = this.config.evalBatch ?? 1000;
    const stats = gpu.buffer(trials * STATS_WORDS * 4, 'eval-stats');
    gpu.write(stats, new Float32Array(trials * STATS_WORDS));
    // Trials whose optimizer evaluates other parameters than it trains (Schedule-Free's x)
    // are scored at those; the trained ones come back, bit for bit, after the scoring.
    this.optimizers.beginEvaluation(this.step);
    const features = model.inputSize;
    for (let s = start; s < start + count; s += evalBatch) {
      const rows = Math.min(evalBatch, start + count - s);
      const scope = new Tape(gpu, false);
      const idx = { buf: this.data.identity, offset: s, trialStride: 0 };
      const x = Tensor.gathered(gpu, split.images, idx, [rows, features], trials);
      const y = Tensor.gathered(gpu, split.labels, idx, [rows], trials, 'u32');
      softmaxCrossEntropyLoss(scope, model.forward(scope, x), y, { buf: stats });
      scope.release();
      gpu.flush();
    }
    this.optimizers.endEvaluation();
    return stats;
  }

  private async readEvaluation(stats: GBuf): Promise<EvalResult[]> {
    const results = await readStats(this.gpu, stats, this.trials);
    this.gpu.release(stats);
    return results;
  }

  destroy(): void {
    for (const { work, tape } of this.recorded.values()) {
      this.gpu.forget(work);
      tape.release();
    }
    this.recorded.clear();
    this.gpu.release(this.batchIdx);
    this.optimizers.destroy();
    this.drop.destroy();
    this.model.destroy();
    this.gpu.release(this.stats);
  }
}
