// bench:perf's command line: its option table (exported for tests/doc-flags.test.ts), its
// usage text, and the parsed options. A bad option is a UsageError whose message is the one
// line to print before exit code 2 (command-line.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { BackendName } from '../../kernels/device.ts';
import { STUDY_SEEDS } from '../study/config.ts';
import { backendOption, parseStrict, UsageError } from '../command-line.ts';

export const PEERS = ['tfjs', 'torch'] as const;

export const PERF_OPTIONS = {
  out: { type: 'string' },
  backend: { type: 'string' },
  'skip-peers': { type: 'boolean', default: false },
  peers: { type: 'string', default: PEERS.join(',') },
  'max-trials': { type: 'string', default: '120' },
  seconds: { type: 'string', default: '5' },
  study: { type: 'boolean', default: false },
  'study-seeds': { type: 'string', default: '10' },
  'study-epochs': { type: 'string', default: '10' },
  'loop-seeds': { type: 'string', default: '1' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const PERF_USAGE = `usage: npm run bench:perf -- [options]
This engine against TensorFlow.js and PyTorch on this machine, same workload (Fashion-MNIST,
batch 128, MLP 784-128-128-10): steps/s of one trial, then study throughput one by one and
batched. Writes perf.json and summary.md (a Markdown summary: machine, adapter, versions,
BLAS, threads, medians and ranges, the command) into --out.
  --out DIR            output directory (default runs/perf-<date>; must be new or empty);
                       a path ending in .json writes that file and the summary beside it (.md)
  --backend B          auto, vulkan, metal, d3d12, opengles, opengl (or OPTBENCH_BACKEND; the
                       option wins)
  --seconds S          timed seconds per measurement, engine and peers alike (default 5)
  --max-trials T       largest batched group measured: 12 or 120 (default 120)
  --peers a,b          tfjs, torch (default both); each peer tries its thread settings
                       briefly and measures with the fastest
  --skip-peers         the engine alone
  --study              instead, the whole default study end to end (both data sets, 240
                       trials x 10 epochs) with this engine and the PyTorch peer
  --study-seeds N      --study: seeds per cell, 1 to 10 (default 10; fewer: extrapolated)
  --study-epochs E     --study: epochs (default 10; fewer: extrapolated)
  --loop-seeds N       --study: seeds per cell for PyTorch's one-model loop (default 1)
  -h, --help           this text
Put a finished run into the README and docs/performance.md: npm run docs:perf -- DIR`;

export interface PerfOptions {
  /** perf.json and summary.md, and the directory that holds them. */
  out: { dir: string; json: string; summary: string };
  backend: BackendName | undefined;
  peers: Array<(typeof PEERS)[number]>;
  maxTrials: number;
  seconds: number;
  study: boolean;
  studySeeds: number;
  studyEpochs: number;
  loopSeeds: number;
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Where a run goes: a new or empty directory (perf.json, summary.md), or a .json file that
 * does not exist yet (the summary beside it). A finished run is never written over. */
export function perfOutputs(out: string | undefined, study: boolean, now = new Date()): PerfOptions['out'] {
  if (out?.endsWith('.json')) {
    if (existsSync(out)) throw new UsageError(`${out} exists; choose another --out (a finished run is never written over)`);
    return { dir: dirname(out), json: out, summary: join(dirname(out), `${basename(out, '.json')}.md`) };
  }
  const dir = out ?? join('runs', `perf${study ? '-study' : ''}-${stamp(now)}`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`output ${dir} exists and is not a directory; choose another --out`);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`${dir} is not empty; choose another --out`);
  return { dir, json: join(dir, 'perf.json'), summary: join(dir, 'summary.md') };
}

/** bench:perf's options; a bad one throws a UsageError whose message is the line to print. */
export function parsePerfArgs(args: string[], now = new Date()): PerfOptions {
  const { values } = parseStrict(PERF_OPTIONS, args);
  const int = (name: 'max-trials' | 'study-seeds' | 'study-epochs' | 'loop-seeds', min: number, max = Infinity): number => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min}${max < Infinity ? ` to ${max}` : ''}, got '${values[name]}'`);
    return n;
  };
  const peers = values['skip-peers'] ? [] : values.peers.split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = peers.filter((p) => !(PEERS as readonly string[]).includes(p));
  if (unknown.length) throw new UsageError(`--peers: unknown peer '${unknown[0]}' (known: ${PEERS.join(', ')})`);
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new UsageError(`--seconds must be a positive number, got '${values.seconds}'`);
  const options = {
    backend: backendOption(values.backend),
    peers: peers as PerfOptions['peers'],
    maxTrials: int('max-trials', 1),
    seconds,
    study: values.study,
    studySeeds: int('study-seeds', 1, STUDY_SEEDS.length),
    studyEpochs: int('study-epochs', 1),
    loopSeeds: int('loop-seeds', 1, STUDY_SEEDS.length),
  };
  return { ...options, out: perfOutputs(values.out, options.study, now) };
}
