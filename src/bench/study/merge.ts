// --merge DIR...: the shards of one study (run directories of --shard K/N) into what a
// single run writes. No GPU: the trials come from each shard's journal (every finished
// trial, as trained), the machine facts from its results.json. Everything is checked
// before anything is written: one study (the same configuration fingerprint), and every
// planned trial exactly once. It also compares the matmul kernels the shards ran: the
// same ones make the merged numbers one run's bit for bit; others are a warning, not an error.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KernelRow, ResultsFile, TrialRecord } from '../results/types.ts';
import { benchCommand } from '../command.ts';
import { assemble } from './assemble.ts';
import { ConfigError, type StudyConfig } from './config.ts';
import { fingerprint, Journal, JOURNAL } from './journal.ts';
import { compareChoices } from './kernel-choices.ts';
import { planTrials } from './plan.ts';
import { formatShard, partition, wholeStudy } from './shard.ts';

export class MergeError extends Error {
  override name = 'MergeError';
}

interface Run {
  dir: string;
  config: StudyConfig;
  fingerprint: string;
  trials: Map<string, TrialRecord>;
  results: ResultsFile;
}

function readRun(dir: string): Run {
  if (!existsSync(join(dir, JOURNAL))) throw new MergeError(`${dir} holds no run (no ${JOURNAL}); give the run directories of the shards`);
  let config: StudyConfig;
  let journal: Journal;
  try {
    config = Journal.config(dir);
    journal = Journal.open(dir, config);
  } catch (e) {
    if (e instanceof ConfigError) throw new MergeError(e.message);
    throw e;
  }
  const path = join(dir, 'results.json');
  if (!existsSync(path)) throw new MergeError(`${dir} has no results.json: its run did not end; finish it with ${benchCommand()} --resume ${dir}`);
  let results: ResultsFile;
  try {
    results = JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;
  } catch (e) {
    throw new MergeError(`${path} is not valid JSON (${(e as Error).message}); rewrite it with ${benchCommand()} --resume ${dir}`);
  }
  return { dir, config, fingerprint: fingerprint(config), trials: journal.trials, results };
}

function sample(ids: string[]): string {
  return ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
}

/** Why trials are missing, per shard of the partition the given shards were cut by. */
function missingMessage(study: StudyConfig, runs: Run[], missing: Set<string>, planned: number): string {
  const count = runs.find((r) => r.config.shard)?.config.shard?.count;
  if (!count || count > planned) return `the runs lack ${missing.size} of the study's ${planned} trials: ${sample([...missing])}`;
  const parts = partition(study, planTrials(study), count).map((shard, k) => {
    const lacking = shard.filter((p) => missing.has(p.id)).map((p) => p.id);
    if (lacking.length === 0) return null;
    const name = formatShard({ index: k + 1, count });
    const run = runs.find((r) => r.config.shard?.count === count && r.config.shard.index === k + 1);
    return run
      ? `shard ${name} in ${run.dir} lacks ${lacking.length} of its ${shard.length} trials (${sample(lacking)}): finish it with ${benchCommand()} --resume ${run.dir}`
      : `shard ${name} is not among the directories (${shard.length} trials, e.g. ${shard[0].id}): run it with --shard ${name} and merge its directory too`;
  });
  return `the runs lack ${missing.size} of the study's ${planned} trials: ${parts.filter((p) => p !== null).join('; ')}`;
}

/** Kernel timings of all shards, summed per kernel; null unless every shard has them from
 * the same source (GPU timestamps or wall clock). */
function mergeKernels(runs: Run[]): ResultsFile['kernels'] {
  const profiles = runs.map((r) => r.results.kernels);
  if (profiles.some((k) => !k) || new Set(profiles.map((k) => k!.source)).size !== 1) return null;
  const sums = new Map<string, KernelRow>();
  for (const k of profiles) {
    for (const row of k!.rows) {
      const s = sums.get(row.kernel) ?? { kernel: row.kernel, calls: 0, totalMs: 0, meanUs: 0, share: 0, firstCallsMs: 0 };
      s.calls += row.calls;
      s.totalMs += row.totalMs;
      s.firstCallsMs = (s.firstCallsMs ?? 0) + (row.firstCallsMs ?? 0);
      sums.set(row.kernel, s);
    }
  }
  const all = [...sums.values()].reduce((a, s) => a + s.totalMs, 0);
  const rows = [...sums.values()].map((s) => ({ ...s, meanUs: s.calls ? (s.totalMs * 1000) / s.calls : 0, share: all > 0 ? s.totalMs / all : 0 }));
  // The clock's resolution and the profiling overhead describe how the first shard measured;
  // shards of one study run on machines of one kind.
  const { source, resolution, overhead } = profiles[0]!;
  return { source, resolution, overhead, rows: rows.sort((a, b) => b.totalMs - a.totalMs) };
}

/** results.json of the whole study from its shards' run directories; throws a MergeError
 * (one line) when they are not every trial of one study exactly once. */
export function mergeRuns(dirs: string[]): ResultsFile {
  if (dirs.length === 0) throw new MergeError('--merge needs the run directories of the shards (--merge DIR... --out DIR)');
  const seen = new Set<string>();
  for (const d of dirs) {
    if (seen.has(resolve(d))) throw new MergeError(`${d} is given twice; give each shard's directory once`);
    seen.add(resolve(d));
  }
  const runs = dirs.map(readRun);
  for (const r of runs.slice(1)) {
    if (r.fingerprint !== runs[0].fingerprint) {
      throw new MergeError(`${r.dir} belongs to another study than ${runs[0].dir} (configuration fingerprint ${r.fingerprint}, not ${runs[0].fingerprint}); merge only the shards of one study`);
    }
  }
  const study = wholeStudy(runs[0].config);
  const plan = planTrials(study);
  const planned = new Set(plan.map((p) => p.id));
  const trials = new Map<string, TrialRecord>();
  const owner = new Map<string, string>();
  for (const r of runs) {
    for (const [id, t] of r.trials) {
      if (!planned.has(id)) throw new MergeError(`${r.dir} holds trial ${id}, which the study does not plan; was it written by another version of the benchmark?`);
      const first = owner.get(id);
      if (first !== undefined) throw new MergeError(`trial ${id} is in both ${first} and ${r.dir}; give each shard's directory once`);
      owner.set(id, r.dir);
      trials.set(id, t);
    }
  }
  const missing = new Set(plan.filter((p) => !trials.has(p.id)).map((p) => p.id));
  if (missing.size) throw new MergeError(missingMessage(study, runs, missing, plan.length));

  // Machine time of the whole study: a single run's wall time, whether the shards ran at
  // the same time or one after another.
  const wallSeconds = runs.reduce((a, r) => a + r.results.wallSeconds, 0);
  const agreement = compareChoices(runs.map((r) => ({ dir: r.dir, choices: r.results.mode.matmulKernels })));
  const machine = {
    environment: runs[0].results.environment,
    peakGpuBytes: Math.max(...runs.map((r) => r.results.mode.peakGpuBytes)),
    kernels: mergeKernels(runs),
    matmulKernels: agreement.identical ? Object.assign({}, ...runs.map((r) => r.results.mode.matmulKernels)) : undefined,
  };
  const results = assemble(study, machine, plan, trials, wallSeconds, 0);
  results.sharding = {
    fingerprint: runs[0].fingerprint,
    mergedFrom: runs.map((r) => ({ dir: r.dir, shard: r.config.shard ?? null, trials: r.trials.size, wallSeconds: r.results.wallSeconds, adapter: r.results.environment.adapter })),
    matmulKernels: agreement,
  };
  return results;
}
