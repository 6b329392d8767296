// The study configuration: presets, a JSON config file, command-line flags (in that order
// of precedence, flags last), validated in one place. Bad input is a ConfigError: the CLI
// prints its one line and exits with code 2 before anything is written.
import { BACKENDS, type BackendName } from '../../kernels/device.ts';
import { platform } from '../../kernels/platform.ts';
import { INITIALIZERS, type InitName } from '../../nn/init.ts';
import type { OptimizerSource } from '../optimizer-loader.ts';
import { getOptimizer, listOptimizers } from '../../optim/registry.ts';
import { HyperparameterError, resolveHyper } from '../../optim/spec.ts';
import { parseDataDirs } from '../data/data-dirs.ts';
import { DataError } from '../data/errors.ts';
import { DATASETS, type DatasetName } from '../data/names.ts';
import { KernelChoiceError, readKernelChoices, type KernelChoices } from './kernel-choices.ts';
import { REG_MODES, type RegMode } from '../results/types.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface StudyConfig {
  preset: string;
  datasets: DatasetName[];
  optimizers: string[];
  /** Per optimizer, hyperparameters that differ from its defaults; a list is a grid axis. */
  hyper: Record<string, Record<string, number | number[]>>;
  regs: RegMode[];
  /** L2 lambda of the L2 mode: loss + lambda / (2 n) * sum of squared weights; a list is a grid axis. */
  l2: number | number[];
  /** Drop probability of the dropout mode (after each hidden ReLU); a list is a grid axis. */
  dropout: number | number[];
  seeds: number[];
  /** Breaks the pairing for a check (--independent-seeds): each optimizer trains with its own
   * seeds, drawn from `seeds` and its name (plan.ts), instead of every optimizer sharing a
   * seed's initial weights, data order and dropout masks. Absent in older runs: false. */
  independentSeeds?: boolean;
  epochs: number;
  batch: number;
  /** Validation samples, taken from the end of the training split. */
  validation: number;
  /** Training samples from the start of the training split (null: all but validation). */
  trainSamples: number | null;
  sizes: number[];
  init: InitName;
  /** Validation accuracy whose first epoch is reported as time-to-target, per data set. */
  target: Record<string, number>;
  /** Trials trained together in one set of dispatches (1 = one by one; 0 = as many as fit). */
  trialsAtOnce: number;
  /** Optimizers whose state is zeroed before every step (the reference notebook's behaviour). */
  resetStateEveryStep: string[];
  backend: BackendName;
  profile: boolean;
  dataDir: string | null;
  /** This run trains only the K-th of N parts of the planned trials (--shard K/N); absent
   * for a whole study. Not part of the study's fingerprint: every shard shares it. */
  shard?: ShardSpec;
  /** Matmul kernels pinned by --kernels FILE (shape -> candidate), installed instead of
   * measured; absent: the tuner picks. Not part of the fingerprint either. */
  kernels?: KernelChoices;
  /** Files that define optimizers this study trains (--optimizer-file): the path and SHA-256
   * of each, so --resume and --merge refuse another version (optimizer-files.ts). Absent:
   * built-in optimizers only. */
  optimizerFiles?: OptimizerSource[];
}

/** The K-th (1-based index) of N shards of a study. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** `K/N` with 1 <= K <= N. */
export function parseShard(spec: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(index >= 1 && index <= count)) throw new ConfigError(`--shard must be K/N with 1 <= K <= N (e.g. --shard 2/4 for the second of four), got '${spec}'`);
  return { index, count };
}

export const STUDY_SEEDS = [36549, 13790, 41463, 52126, 1272, 60548, 14578, 86558, 96271, 57229];

/** n seeds: the study's ten first, then 100000, 100001, ... (what --seed-count N trains). */
export function studySeeds(n: number): number[] {
  return Array.from({ length: n }, (_, i) => STUDY_SEEDS[i] ?? 100_000 + i);
}

/** The reference study (DESIGN.md), corrected: stateful optimizers. */
const SEED_STUDY: StudyConfig = {
  preset: 'seed-study',
  datasets: ['fashion-mnist', 'mnist'],
  optimizers: ['sgd', 'adam', 'rmsprop', 'custom'],
  hyper: {
    sgd: { lr: 0.1, momentum: 0.9 },
    adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    rmsprop: { lr: 1e-3, rho: 0.9, eps: 1e-7, momentum: 0 },
    custom: { lr: 1e-3 },
  },
  regs: ['default', 'L2', 'dropout'],
  l2: 0.7,
  dropout: 0.3,
  seeds: STUDY_SEEDS,
  independentSeeds: false,
  epochs: 10,
  batch: 128,
  validation: 10_000,
  trainSamples: null,
  sizes: [784, 128, 128, 10],
  init: 'glorot-uniform',
  target: { mnist: 0.97, 'fashion-mnist': 0.85 },
  trialsAtOnce: 0,
  resetStateEveryStep: [],
  backend: 'auto',
  profile: false,
  dataDir: null,
};

/**
 * The reference study as its notebook ran it, to see which of its conclusions come from
 * the optimizers and which from the notebook. Same grid as seed-study, plus:
 * - State reset every step for sgd, adam and rmsprop: the notebook built a new Keras
 *   optimizer inside backward() on every step, so these started from empty state (and step
 *   t = 1) each time: sgd lost its momentum, adam moved by about lr * sign(g), rmsprop by
 *   about 3.16 lr * sign(g). `custom` kept its state across steps and keeps it here.
 * - tf.keras' formulations where ours differ:
 *   - adam `keras: 1`: epsilon-hat, eps outside the bias correction,
 *     p -= lr sqrt(1-b2^t)/(1-b1^t) m / (sqrt(v) + eps), where ours (paper/PyTorch) is
 *     p -= lr (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps);
 *   - rmsprop `keras: 1`: ApplyRMSProp, eps inside the root, p -= lr g / sqrt(ms + eps),
 *     where ours is p -= lr g / (sqrt(ms) + eps) (with eps 1e-7 the two part where
 *     ms is about 1e-7 or less, i.e. |g| below about 1e-3 after a reset).
 * - Formulations that already agree with tf.keras and stay: sgd (v = momentum v - lr g;
 *   p += v), custom (the study's own rule), glorot-uniform initialization. L2 and dropout
 *   keep the project's one documented formula for every optimizer.
 */
const SEED_REPLICA: StudyConfig = {
  ...SEED_STUDY,
  preset: 'seed-replica',
  hyper: {
    ...SEED_STUDY.hyper,
    adam: { ...SEED_STUDY.hyper.adam, keras: 1 },
    rmsprop: { ...SEED_STUDY.hyper.rmsprop, keras: 1 },
  },
  resetStateEveryStep: ['sgd', 'adam', 'rmsprop'],
};

/** Learning rates of the lr-sweep preset: eight half-decade steps around each default. */
const ADAPTIVE_LRS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2];
const SGD_LRS = [3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1];

/**
 * Each optimizer at its tuned learning rate, the way published optimizer benchmarks compare
 * them: 5 optimizers x 8 learning rates x 3 modes x 20 seeds on both data sets, 10 epochs
 * (4,800 trials; 2,400 per data set). The sweep report picks each optimizer's best rate on
 * validation accuracy; its performance profiles have six problems (data set x mode).
 */
const LR_SWEEP: StudyConfig = {
  ...SEED_STUDY,
  preset: 'lr-sweep',
  optimizers: ['sgd', 'adam', 'rmsprop', 'custom', 'adamw'],
  hyper: {
    sgd: { ...SEED_STUDY.hyper.sgd, lr: SGD_LRS },
    adam: { ...SEED_STUDY.hyper.adam, lr: ADAPTIVE_LRS },
    rmsprop: { ...SEED_STUDY.hyper.rmsprop, lr: ADAPTIVE_LRS },
    custom: { ...SEED_STUDY.hyper.custom, lr: ADAPTIVE_LRS },
    adamw: { lr: ADAPTIVE_LRS },
  },
  seeds: studySeeds(20),
};

/**
 * The optimizers researchers compare today beside the study's: Adam, AdamW, Schedule-Free
 * AdamW (won AlgoPerf's self-tuning track), Muon and the study's custom rule, each at its
 * best learning rate (8 half-decade steps; Muon's around its 0.02) on both data sets, 3 modes,
 * 10 seeds: 2,400 trials. Schedule-Free warms up over 200 steps (5% of 10 epochs of 391
 * steps); Muon's auxiliary AdamW (biases, output layer) runs at 1e-3, the study's Adam rate
 * (the reference's 3e-4 is a default its own examples override).
 */
const MODERN_SWEEP: StudyConfig = {
  ...SEED_STUDY,
  preset: 'modern-sweep',
  optimizers: ['adam', 'adamw', 'sf-adamw', 'muon', 'custom'],
  hyper: {
    adam: { ...SEED_STUDY.hyper.adam, lr: ADAPTIVE_LRS },
    adamw: { lr: ADAPTIVE_LRS },
    'sf-adamw': { lr: ADAPTIVE_LRS, warmup_steps: 200 },
    muon: { lr: SGD_LRS, adam_lr: 1e-3 },
    custom: { ...SEED_STUDY.hyper.custom, lr: ADAPTIVE_LRS },
  },
};

export const PRESETS: Record<string, StudyConfig> = {
  'seed-study': SEED_STUDY,
  // The reference notebook's behaviour (state reset every step, tf.keras formulations).
  'seed-replica': SEED_REPLICA,
  // Each optimizer at its best learning rate (4,800 trials).
  'lr-sweep': LR_SWEEP,
  // Adam, AdamW, Schedule-Free AdamW, Muon and custom, each at its best learning rate (2,400 trials).
  'modern-sweep': MODERN_SWEEP,
  // The whole pipeline in about a minute on the CPU fallback.
  quick: { ...SEED_STUDY, preset: 'quick', datasets: ['mnist'], seeds: STUDY_SEEDS.slice(0, 2), epochs: 2, trainSamples: 10_000, validation: 5_000 },
};

/** Flags as util.parseArgs gives them (strings, booleans, repeated strings). */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** Comma-separated entries ('' is none, unless `required`); an empty entry (`1,,2`,
 * `adam,`) is a typo, not a request for fewer. */
function list(v: string, flag = 'a list', required = false): string[] {
  if (v.trim() === '' && required) throw new ConfigError(`${flag} is empty; give at least one entry (or leave ${flag} out for the preset's)`);
  if (v.trim() === '') return [];
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new ConfigError(`${flag} '${v}' has an empty entry; separate entries with single commas`);
  return parts;
}

function int(name: string, v: unknown, min: number, hint = '', max = Infinity): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'number' ? v : NaN;
  const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer ${range}${hint}, got ${JSON.stringify(v)}`);
  return n;
}

/** The most seeds --seed-count makes (each is a trial of every cell; see implausible.ts). */
export const MAX_SEED_COUNT = 1_000_000;

function num(name: string, v: unknown): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ConfigError(`${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function readConfigFile(path: string): Partial<StudyConfig> {
  let text: string;
  try {
    text = platform().readTextFile(path);
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Partial<StudyConfig>;
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

const FILE_KEYS = new Set(Object.keys(SEED_STUDY));

/** Preset (or `base`: a resumed run's configuration), then config file, then flags, then the
 * optimizer files of a new run (already loaded and registered); then validation. */
export function resolveConfig(flags: Flags, base?: StudyConfig, optimizerFiles: readonly OptimizerSource[] = []): StudyConfig {
  const presetName = (flags.preset as string | undefined) ?? 'seed-study';
  const preset = base ?? PRESETS[presetName];
  if (!preset) throw new ConfigError(`unknown preset '${presetName}' (known: ${Object.keys(PRESETS).join(', ')})`);
  let c: StudyConfig = structuredClone(preset);
  let optimizersNamed = typeof flags.optimizers === 'string';
  if (typeof flags.config === 'string') {
    const file = readConfigFile(flags.config);
    for (const k of Object.keys(file)) if (!FILE_KEYS.has(k)) throw new ConfigError(`config file ${flags.config}: unknown field '${k}' (fields: ${[...FILE_KEYS].join(', ')})`);
    c = { ...c, ...file, hyper: { ...c.hyper, ...(file.hyper ?? {}) } } as StudyConfig;
    optimizersNamed ||= 'optimizers' in file;
  }
  // A flag given is a flag used: `--optimizers ""` is an error, not the preset's list.
  const f = (k: string) => flags[k] as string | undefined;
  const given = (k: string) => f(k) !== undefined;
  if (given('datasets')) c.datasets = list(f('datasets')!, '--datasets', true) as DatasetName[];
  if (given('optimizers')) c.optimizers = list(f('optimizers')!, '--optimizers', true);
  if (given('regs')) c.regs = list(f('regs')!, '--regs', true) as RegMode[];
  if (given('seeds')) c.seeds = list(f('seeds')!, '--seeds', true).map((s) => int('--seeds entries', s, 0));
  if (given('seed-count')) c.seeds = studySeeds(int('--seed-count', f('seed-count'), 1, '', MAX_SEED_COUNT));
  if (given('epochs')) c.epochs = int('--epochs', f('epochs'), 1);
  if (given('batch')) c.batch = int('--batch', f('batch'), 1);
  if (given('validation')) c.validation = int('--validation', f('validation'), 0);
  if (given('train-samples')) c.trainSamples = int('--train-samples', f('train-samples'), 1);
  if (given('lambda')) c.l2 = sweepValues('--lambda', f('lambda')!);
  if (given('dropout')) c.dropout = sweepValues('--dropout', f('dropout')!);
  if (given('sizes')) c.sizes = list(f('sizes')!, '--sizes', true).map((s) => int('--sizes entries', s, 1));
  if (given('init')) c.init = f('init') as InitName;
  // 0 (as many as fit) is the default a config file may name; the flag says a number.
  if (given('trials-at-once')) c.trialsAtOnce = int('--trials-at-once', f('trials-at-once'), 1, ' (leave it out to train as many together as fit)');
  if (given('reset-state-every-step')) c.resetStateEveryStep = list(f('reset-state-every-step')!, '--reset-state-every-step');
  if (flags['independent-seeds'] === true) c.independentSeeds = true;
  if (given('backend')) c.backend = f('backend') as BackendName;
  if (given('data-dir')) c.dataDir = f('data-dir')!;
  if (flags.profile === true) c.profile = true;
  if (given('target')) c.target = parseTarget(f('target')!, c.target);
  if (f('shard') !== undefined) {
    const shard = parseShard(f('shard')!);
    if (base && (base.shard?.index !== shard.index || base.shard?.count !== shard.count)) {
      throw new ConfigError(base.shard ? `this run is shard ${base.shard.index}/${base.shard.count}; --resume continues it as such (leave out --shard)` : 'this run is a whole study, not a shard; --resume continues it as such (leave out --shard)');
    }
    c.shard = shard;
  }
  if (f('kernels') !== undefined) {
    if (base) throw new ConfigError('--resume continues with the matmul kernels the run started with; leave out --kernels');
    try {
      c.kernels = readKernelChoices(f('kernels')!);
    } catch (e) {
      if (e instanceof KernelChoiceError) throw new ConfigError(e.message);
      throw e;
    }
  }
  // Before --hyper: a file's optimizers join the trained ones unless --optimizers names them.
  if (optimizerFiles.length && !base) applyOptimizerFiles(c, optimizerFiles, optimizersNamed);
  for (const h of (flags.hyper as string[] | undefined) ?? []) {
    const m = /^([\w-]+)\.(\w+)=(.+)$/.exec(h);
    if (!m) throw new ConfigError(`--hyper expects optimizer.name=value (e.g. adam.lr=0.002), got '${h}'`);
    if (!listOptimizers().includes(m[1])) throw new ConfigError(`--hyper ${h}: unknown optimizer '${m[1]}' (known: ${listOptimizers().join(', ')})`);
    if (!c.optimizers.includes(m[1])) throw new ConfigError(`--hyper ${h}: '${m[1]}' is not among the optimizers this run trains (${c.optimizers.join(', ')}); add it to --optimizers or leave the --hyper out`);
    (c.hyper[m[1]] ??= {})[m[2]] = sweepValues(`--hyper ${m[1]}.${m[2]}`, m[3]);
  }
  validate(c);
  return c;
}

/** A new run with optimizer files records those that define an optimizer it trains; when
 * its optimizers were not named (--optimizers, or the config file), it trains the preset's
 * and every optimizer of the files. */
function applyOptimizerFiles(c: StudyConfig, files: readonly OptimizerSource[], optimizersNamed: boolean): void {
  if (!optimizersNamed) for (const o of files.flatMap((f) => f.optimizers)) if (!c.optimizers.includes(o)) c.optimizers.push(o);
  const used = files.filter((f) => f.optimizers.some((o) => c.optimizers.includes(o) || c.resetStateEveryStep.includes(o)));
  if (used.length) c.optimizerFiles = used.map((f) => ({ ...f }));
}

/** One value, or a comma list of values (a grid axis), e.g. `1e-4,3e-4,1e-3`. */
function sweepValues(name: string, v: string): number | number[] {
  if (!v.includes(',')) return num(name, v);
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) throw new ConfigError(`${name} has an empty entry in '${v}'; give one number or a comma list of numbers (e.g. 1e-4,3e-4,1e-3)`);
  const xs = parts.map((s) => num(name, s));
  return xs.length === 1 ? xs[0] : xs;
}

/** The values of a setting: one, or a grid axis (a list, from flags or a config file). */
function axisValues(name: string, v: unknown): number[] {
  if (!Array.isArray(v)) return [num(name, v)];
  if (v.length === 0) throw new ConfigError(`${name} is an empty list; give one number or a list of numbers to sweep`);
  const xs = v.map((x) => num(`${name} entries`, x));
  if (new Set(xs).size !== xs.length) throw new ConfigError(`${name}: ${JSON.stringify(v)} repeats a value`);
  return xs;
}

/** Every value of every optimizer hyperparameter, each checked against the optimizer's spec. */
function validateHyper(c: StudyConfig): void {
  for (const o of Object.keys(c.hyper)) {
    const spec = getOptimizer(o);
    const given = c.hyper[o] ?? {};
    const axes = Object.entries(given).map(([k, v]) => [k, axisValues(`hyper ${o}.${k}`, v)] as const);
    const first = Object.fromEntries(axes.map(([k, xs]) => [k, xs[0]]));
    for (const [k, xs] of axes) for (const x of xs) resolveHyper(spec, { ...first, [k]: x });
  }
}

function parseTarget(v: string, base: Record<string, number>): Record<string, number> {
  const out = { ...base };
  for (const part of list(v, '--target', true)) {
    const [k, val] = part.includes('=') ? part.split('=') : [null, part];
    const x = num('--target', val);
    if (k !== null && !DATASETS.includes(k as DatasetName)) throw new ConfigError(`--target names an unknown data set '${k}' (known: ${DATASETS.join(', ')})`);
    if (k === null) for (const d of DATASETS) out[d] = x;
    else out[k] = x;
  }
  return out;
}

function nonEmptyUnique(name: string, xs: unknown[]): void {
  if (!Array.isArray(xs) || xs.length === 0) throw new ConfigError(`${name}: at least one is needed`);
  if (new Set(xs).size !== xs.length) throw new ConfigError(`${name}: ${JSON.stringify(xs)} repeats an entry`);
}

export function validate(c: StudyConfig): void {
  nonEmptyUnique('data sets', c.datasets);
  for (const d of c.datasets) if (!DATASETS.includes(d)) throw new ConfigError(`unknown data set '${d}' (known: ${DATASETS.join(', ')})`);
  nonEmptyUnique('optimizers', c.optimizers);
  nonEmptyUnique('regularization modes', c.regs);
  for (const r of c.regs) if (!REG_MODES.includes(r)) throw new ConfigError(`unknown regularization mode '${r}' (known: ${REG_MODES.join(', ')})`);
  nonEmptyUnique('seeds', c.seeds);
  for (const s of c.seeds) if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new ConfigError(`seed ${s} must be an integer in [0, 2^32)`);
  if (c.independentSeeds !== undefined && typeof c.independentSeeds !== 'boolean') throw new ConfigError(`independentSeeds must be true or false, got ${JSON.stringify(c.independentSeeds)}`);
  try {
    for (const o of c.optimizers) getOptimizer(o);
    validateHyper(c);
    for (const o of c.resetStateEveryStep) getOptimizer(o);
  } catch (e) {
    if (e instanceof HyperparameterError) throw new ConfigError(e.message);
    throw e;
  }
  int('epochs', c.epochs, 1);
  int('batch', c.batch, 1);
  int('validation', c.validation, 0);
  if (c.trainSamples !== null) int('train samples', c.trainSamples, 1);
  if (c.validation + (c.trainSamples ?? 1) > 60_000) throw new ConfigError(`${c.trainSamples ?? 'some'} training + ${c.validation} validation samples exceed the 60000 of the training split`);
  if (c.batch > trainCount(c)) throw new ConfigError(`batch ${c.batch} is larger than the ${trainCount(c)} training samples; use a smaller --batch (or more --train-samples, fewer --validation)`);
  for (const l2 of axisValues('L2 lambda', c.l2)) if (!(l2 >= 0)) throw new ConfigError(`L2 lambda must be a finite number >= 0, got ${l2}`);
  for (const p of axisValues('dropout', c.dropout)) if (!(p >= 0 && p < 1)) throw new ConfigError(`dropout must be in [0, 1), got ${p}`);
  if (c.sizes.length < 2 || c.sizes[0] !== 784 || c.sizes[c.sizes.length - 1] !== 10) throw new ConfigError(`sizes must start with 784 inputs and end with 10 classes, got ${c.sizes.join(',')}`);
  for (const s of c.sizes) int('layer sizes', s, 1);
  if (!INITIALIZERS.includes(c.init)) throw new ConfigError(`unknown initializer '${c.init}' (known: ${INITIALIZERS.join(', ')})`);
  for (const [d, t] of Object.entries(c.target)) if (!(t > 0 && t <= 1)) throw new ConfigError(`target accuracy for ${d} must be in (0, 1], got ${t}`);
  int('trials at once', c.trialsAtOnce, 0);
  if (c.dataDir !== null) {
    try {
      parseDataDirs(c.dataDir);
    } catch (e) {
      if (e instanceof DataError) throw new ConfigError(e.message);
      throw e;
    }
  }
  if (!BACKENDS.includes(c.backend)) throw new ConfigError(`unknown backend '${c.backend}' (known: ${BACKENDS.join(', ')})`);
}

/** Training samples of a run. */
export function trainCount(c: StudyConfig): number {
  return c.trainSamples ?? 60_000 - c.validation;
}
