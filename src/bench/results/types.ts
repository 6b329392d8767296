// The shapes of what a study run records and writes (results.json, the journal, reports).
import type { ProfileOverhead, TimingResolution } from '../../kernels/profiler.ts';
import type { Inference } from './inference.ts';

/** Regularization modes of the study. */
export type RegMode = 'default' | 'L2' | 'dropout';
export const REG_MODES: readonly RegMode[] = ['default', 'L2', 'dropout'];

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  /** Wall seconds of this epoch (training and validation) for the trial; in batched mode
   * the group's epoch time divided by the number of trials that trained in it. */
  seconds: number;
}

/** A grid axis of a sweep: an optimizer's hyperparameter (`adam.lr`), `lambda` (L2 mode)
 * or `dropout` (dropout mode), with its values in the order given. */
export interface SweepAxis {
  name: string;
  /** The name within a trial's setting: the hyperparameter, `lambda` or `dropout`. */
  key: string;
  /** Applies only to this optimizer / mode (absent: to every one). */
  optimizer?: string;
  reg?: RegMode;
  values: number[];
}

/** One finished trial: data set, optimizer, regularization mode, seed and every setting. */
export interface TrialRecord {
  /** `${dataset}/${optimizer}/${reg}/${seed}`; in a sweep `${dataset}/${optimizer}/${reg}/${setting}/${seed}` */
  id: string;
  dataset: string;
  optimizer: string;
  reg: RegMode;
  seed: number;
  /** Only with --independent-seeds: the seed the trial's generator (initialization, data
   * order, dropout masks) ran with, drawn from `seed` and the optimizer's name, so optimizers
   * share no seed and nothing pairs. Absent: the generator ran with `seed`. */
  trainSeed?: number;
  /** Only in a sweep: the label of the trial's point of the grid (`lr=0.001,lambda=0.1`, or
   * `fixed` where no swept axis applies) and its swept values by key. */
  setting?: string;
  swept?: Record<string, number>;
  /** Every hyperparameter of the optimizer, defaults included. */
  hyper: Record<string, number>;
  l2: number;
  dropout: number;
  resetEveryStep: boolean;
  epochs: EpochRecord[];
  testLoss: number;
  testAccuracy: number;
  diverged: boolean;
  /** First epoch (0-based) whose loss was NaN or infinite, or null. */
  divergedEpoch: number | null;
  /** Wall seconds of the trial (amortized over the group in batched mode). */
  seconds: number;
  samplesPerSecond: number;
  /** How it ran: the trials trained together with it (1 = one by one). */
  groupSize: number;
  /** Mean GPU time of this trial's optimizer update per step, ms (when profiled), else null. */
  updateMsPerStep: number | null;
  /** Trained with per-kernel profiling on (its time includes profiling's cost). Absent in
   * results written before this field existed. */
  profiled?: boolean;
}

/** The reference study's hierarchy for one optimizer x regularization cell. */
export interface CellLists {
  test_cce_list: number[];
  test_acc_list: number[];
  cputime_list: number[];
  train_acc_list_dict: Record<string, number[]>;
  val_acc_list_dict: Record<string, number[]>;
  train_cce_list_dict: Record<string, number[]>;
}

export interface Summary {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface CellStats {
  dataset: string;
  optimizer: string;
  reg: RegMode;
  /** Only in a sweep: the cell's setting (as in TrialRecord). */
  setting?: string;
  swept?: Record<string, number>;
  trials: number;
  speed: Summary & { samplesPerSecond: number; updateMsPerStep: number | null };
  /** Final test accuracy over the seeds that did not diverge; ci95 by ciMethod (absent in
   * files written before it was named: Student's t on the accuracies themselves). */
  robustness: Summary & { ci95: [number, number]; ciMethod?: string };
  stability: { perEpochVariance: number[]; mean: number };
  timeToTarget: { target: number; epochs: Record<string, number | null> };
  divergences: number;
}

export interface EnvironmentInfo {
  backend: string;
  featureLevel: string;
  adapter: string;
  isCpu: boolean;
  timing: string;
  /** Whether Dawn clamped shader indices (OPTBENCH_BOUNDS_CHECKS=1); absent in older files. */
  boundsChecks?: boolean;
  node: string;
  platform: string;
  cpus: string;
  packages: Record<string, string>;
  gitCommit: string | null;
}

export interface KernelRow {
  kernel: string;
  calls: number;
  totalMs: number;
  meanUs: number;
  share: number;
  /** Each pipeline's first call (driver compilation), kept out of the other columns. */
  firstCallsMs?: number;
}

/** How the shards of a merge chose their matmul kernels. */
export interface KernelAgreement {
  /** Every shard ran one kernel per shape, the same in all: the merged numbers are bit for
   * bit those of one run on the same backend with `--kernels` this results.json. */
  identical: boolean;
  /** Shapes (pinKey) with more than one kernel: each kernel with the directories that ran it. */
  differences: Array<{ shape: string; kernels: Record<string, string[]> }>;
  /** Directories whose results.json records no kernel choices (older runs). */
  unrecorded: string[];
}

export interface Sharding {
  /** The study's configuration fingerprint, without the shard: the same in all its shards. */
  fingerprint: string;
  /** The shard this run trained (a shard's run). */
  shard?: { index: number; count: number };
  /** The run directories a merge read, in the order given. */
  mergedFrom?: Array<{ dir: string; shard: { index: number; count: number } | null; trials: number; wallSeconds: number; adapter: string }>;
  /** A merge: whether the shards ran the same matmul kernels (see KernelAgreement). */
  matmulKernels?: KernelAgreement;
}

/** results.json */
export interface ResultsFile {
  schema: 'webgpu-optbench/results@1';
  createdAt: string;
  /** False when the run was stopped before every planned trial finished (resume it). */
  complete: boolean;
  plannedTrials: number;
  /** The resolved study configuration (presets and flags applied). */
  config: Record<string, unknown> & { preset: string; datasets: string[]; optimizers: string[]; regs: RegMode[]; seeds: number[]; epochs: number };
  /** Only in a sweep: its grid axes. */
  sweep?: { axes: SweepAxis[] };
  /** A shard's run (--shard K/N) or a merge of shards (--merge); absent otherwise. */
  sharding?: Sharding;
  environment: EnvironmentInfo;
  /** profiled: some trial trained with per-kernel profiling on (its time includes the cost).
   * matmulKernels: the matmul kernel each training product ran with (the tuner's shape key
   * -> kernel name); `--kernels results.json` pins them in another run. In a merge, present
   * when every shard ran the same (sharding.matmulKernels). */
  mode: { batched: boolean; trialsAtOnce: number; peakGpuBytes: number; profiled?: boolean; matmulKernels?: Record<string, string> };
  /** Wall seconds of the whole study (this run; a resumed run adds its earlier part). */
  wallSeconds: number;
  /** dataset -> optimizer -> reg -> the reference study's lists; in a sweep one level more:
   * dataset -> optimizer -> reg -> setting -> lists. */
  results: Record<string, Record<string, Record<string, CellLists | Record<string, CellLists>>>>;
  statistics: CellStats[];
  /** Per-kernel timings (--profile): the timing source, how exact it is, what profiling
   * cost (the same steps timed with and without it), and one row per kernel. */
  kernels: { source: string; resolution?: TimingResolution; overhead?: ProfileOverhead | null; rows: KernelRow[] } | null;
  trials: TrialRecord[];
  /** Paired comparisons across seeds and the ranking across problems (docs/statistics.md);
   * absent in results written before it existed (the report computes it from the trials). */
  inference?: Inference;
}
