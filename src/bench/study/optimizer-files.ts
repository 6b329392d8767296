// Optimizers from files in a study (`--optimizer-file`): which files a run loads, what it
// records, and how --resume and --merge find the same files again.
//
// A run records, in its configuration (journal header and results.json), the absolute path
// and SHA-256 of every file that defines an optimizer it trains; the hashes are part of the
// study's fingerprint. --resume DIR and --merge DIR... load the recorded files again: from
// a file given with --optimizer-file that has the recorded hash (the file moved, or another
// machine), else from the recorded path if the file there still has it. Another version is
// refused with one line before anything is trained or written.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Gpu } from '../../kernels/gpu.ts';
import { compileProblemLine, compileProblems } from '../../optim/check-compile.ts';
import { expandSpecPaths, loadOptimizerFiles, OptimizerFileError, sha256File, shownPath, type OptimizerSource } from '../optimizer-loader.ts';
import { getOptimizer } from '../../optim/registry.ts';
import { activeSlots, HyperparameterError } from '../../optim/spec.ts';
import { ConfigError, type StudyConfig } from './config.ts';
import { Journal, JOURNAL } from './journal.ts';
import { planTrials } from './plan.ts';

const short = (sha: string) => sha.slice(0, 12);

/** Runs `f`, turning a file's or spec's one-line error into a ConfigError (exit code 2). */
async function asConfigError<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof OptimizerFileError || e instanceof HyperparameterError) throw new ConfigError(e.message);
    throw e;
  }
}

/** Loads and registers the files of a new run. */
export function loadGivenOptimizerFiles(paths: readonly string[]): Promise<OptimizerSource[]> {
  return asConfigError(() => loadOptimizerFiles(paths));
}

/** Files given that define nothing the study trains (a forgotten `--optimizers` entry). */
export function unusedOptimizerFiles(files: readonly OptimizerSource[], c: StudyConfig): OptimizerSource[] {
  return files.filter((f) => !c.optimizerFiles?.some((u) => u.path === f.path));
}

/**
 * Loads and registers the files a run (or a study's shards) recorded: each from a file
 * given with --optimizer-file that has the recorded hash, else from its recorded path.
 * `since` completes "changed since ...": 'this run started', 'the shards were trained'.
 */
export async function loadRecordedOptimizerFiles(recorded: readonly OptimizerSource[], given: readonly string[], since: string): Promise<void> {
  // Files named directly must each be one of the recorded; a folder's other files may be helpers.
  const direct = new Set(given.filter((p) => existsSync(p) && statSync(p).isFile()).map((p) => resolve(p)));
  const givenFiles = await asConfigError(async () => expandSpecPaths(given).map((path) => ({ path, sha256: sha256File(path) })));
  const paths: string[] = [];
  for (const r of recorded) {
    const match = givenFiles.find((g) => g.sha256 === r.sha256);
    if (match) {
      paths.push(match.path);
      continue;
    }
    if (!existsSync(r.path)) {
      throw new ConfigError(`${shownPath(r.path)}, which defines ${r.optimizers.join(', ')}, is gone since ${since}; give that file with --optimizer-file PATH (the version with sha256 ${short(r.sha256)})`);
    }
    const now = sha256File(r.path);
    if (now !== r.sha256) {
      throw new ConfigError(`${shownPath(r.path)} changed since ${since} (sha256 ${short(r.sha256)} then, ${short(now)} now): restore that version, or give it with --optimizer-file PATH`);
    }
    paths.push(r.path);
  }
  for (const g of givenFiles) {
    if (recorded.some((r) => r.sha256 === g.sha256) || !direct.has(g.path)) continue;
    const same = recorded.find((r) => r.path === g.path);
    if (same) throw new ConfigError(`${shownPath(g.path)} changed since ${since} (sha256 ${short(same.sha256)} then, ${short(g.sha256)} now): restore that version to continue`);
    throw new ConfigError(`--optimizer-file ${shownPath(g.path)} is not among the files of the study (${recorded.map((r) => `${shownPath(r.path)}, sha256 ${short(r.sha256)}`).join('; ') || 'none'}); its optimizers cannot change`);
  }
  await asConfigError(() => loadOptimizerFiles(paths));
}

/** --merge: the shards must have recorded the same optimizer files (by hash); loads them. */
export async function loadShardOptimizerFiles(dirs: readonly string[], given: readonly string[]): Promise<void> {
  const runs = dirs.flatMap((dir) => {
    if (!existsSync(join(dir, JOURNAL))) return []; // mergeRuns says what is wrong with it
    try {
      return [{ dir, files: Journal.config(dir).optimizerFiles ?? [] }];
    } catch {
      return [];
    }
  });
  if (runs.length === 0) return;
  const first = runs[0];
  const hashOf = (files: readonly OptimizerSource[], o: string) => files.find((f) => f.optimizers.includes(o));
  for (const r of runs.slice(1)) {
    for (const o of new Set([...first.files, ...r.files].flatMap((f) => f.optimizers))) {
      const [a, b] = [hashOf(first.files, o), hashOf(r.files, o)];
      if (a?.sha256 === b?.sha256) continue;
      const which = (f: OptimizerSource | undefined) => (f ? `${shownPath(f.path)} with sha256 ${short(f.sha256)}` : 'no optimizer file');
      throw new ConfigError(`${r.dir} trained optimizer '${o}' from ${which(b)}, ${first.dir} from ${which(a)}: merge only shards trained with one version of each optimizer file`);
    }
  }
  if (first.files.length || given.length) await loadRecordedOptimizerFiles(first.files, given, 'the shards were trained');
}

/** Compiles the kernels of the study's optimizers that came from files, for every set of
 * slots its trials store, before anything is trained: a WGSL mistake is one line naming the
 * line of the spec's file, not a failure inside the run. */
export async function compileFileOptimizers(gpu: Gpu, c: StudyConfig): Promise<void> {
  if (!c.optimizerFiles?.length) return;
  const plan = planTrials(c);
  for (const file of c.optimizerFiles) {
    for (const name of file.optimizers.filter((o) => c.optimizers.includes(o))) {
      const spec = getOptimizer(name);
      const variants = new Map(plan.filter((p) => p.optimizer === name).map((p) => {
        const slots = activeSlots(spec, p.hyper);
        return [slots.map((s) => s.name).join(','), slots] as const;
      }));
      for (const slots of variants.values()) {
        const [problem] = await compileProblems(gpu, spec, slots, file.path);
        if (problem) throw new ConfigError(`optimizer '${name}' does not compile: ${compileProblemLine(problem, shownPath(file.path))} (see --check-optimizer ${shownPath(file.path)})`);
      }
    }
  }
}
