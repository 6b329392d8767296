// npm run bench — trains the study grid and writes results.json, trials.csv, tables,
// plots and index.html into one directory per run. Bad input is one line on stderr and
// exit code 2; Ctrl-C or SIGTERM stops after the current step, saving every finished trial
// (resume with --resume DIR; stop-signals.ts).
import '../platform/node.ts'; // the engine's Node side, installed before anything uses it
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { GpuDeviceLostError, GpuUnavailableError, GpuValidationError, ShaderCompileError } from '../kernels/errors.ts';
import { Gpu } from '../kernels/gpu.ts';
import type { BackendName } from '../kernels/device.ts';
import { listOptimizers } from '../optim/registry.ts';
import { shownPath, type OptimizerSource } from './optimizer-loader.ts';
import { CHECK_FLAGS, checkCommand } from './check-command.ts';
import { benchCommand } from './command.ts';
import { compileFileOptimizers, loadGivenOptimizerFiles, loadRecordedOptimizerFiles, loadShardOptimizerFiles, unusedOptimizerFiles } from './study/optimizer-files.ts';
import { BENCH_OPTIONS } from './cli-options.ts';
import { CompareError, compareDirs, comparisonMarkdown, writeComparison } from './compare/index.ts';
import { ConfigError, PRESETS, resolveConfig, type Flags } from './study/config.ts';
import { DataError } from './data/errors.ts';
import { JOURNAL, Journal } from './study/journal.ts';
import { writeOutputs } from './study/outputs.ts';
import { agreementWarning } from './study/kernel-choices.ts';
import { toJson, writeFileAtomic } from './results/files.ts';
import { MergeError, mergeRuns } from './study/merge.ts';
import { OutDirError, prepareOutDir, removeMadeDirs } from './out-dir.ts';
import { runPlan } from './study/shard.ts';
import { consoleSummary, runStudy, tuneStudy } from './study/study.ts';
import { implausibleSize } from './study/implausible.ts';
import { canAsk, confirm } from './confirm.ts';
import { listenForStop } from './stop-signals.ts';

const USAGE = `usage: ${benchCommand()} [options]
  --preset NAME              ${Object.keys(PRESETS).join(' | ')} (default seed-study: the reference study)
  --config FILE.json         study settings (fields as in results.json "config"); flags override it
  --datasets a,b             mnist, fashion-mnist
  --optimizers a,b           ${listOptimizers().join(', ')}
  --regs a,b                 default, L2, dropout
  --seeds 1,2,3 | --seed-count N
  --independent-seeds        each optimizer trains with its own seeds (drawn from these), which
                             breaks the pairing of optimizers on a seed: a check of what pairing buys
  --epochs N  --batch N  --validation N  --train-samples N  --sizes 784,128,128,10
  --lambda X                 L2 lambda (loss + lambda/(2n) * sum w^2), default 0.7
  --dropout P                dropout rate of the dropout mode, default 0.3
  --optimizer-file PATH      register the optimizer specs a .ts/.js file (or each file of a
                             folder) exports; repeatable. Without --optimizers the study trains
                             the preset's optimizers and these. --resume/--merge find the
                             recorded files again (give a moved file again with this option)
  --check-optimizer PATH...  check a spec file's fused kernel against its reference, as the
                             test suite checks the built-ins; nothing is trained
  --hyper opt.name=value     e.g. --hyper adam.lr=0.002 (repeatable)
                             a comma list is a grid axis (a sweep): --hyper adam.lr=1e-4,1e-3
                             --lambda 0.01,0.1 --dropout 0.1,0.3; axes multiply
  --reset-state-every-step a,b   zero these optimizers' state before every step
  --target X | d=X,d=X       validation accuracy for time-to-target
  --trials-at-once N         trials trained together (1 = one by one; default: as many as fit)
  --yes                      start a run of more than 100x the reference study's training work
                             without asking (on a terminal it asks; elsewhere it is refused)
  --backend B                auto, vulkan, metal, d3d12, opengles, opengl (or OPTBENCH_BACKEND;
                             the option wins). OPTBENCH_BOUNDS_CHECKS=1 keeps Dawn's index
                             clamping in every shader (off by default: it slows kernels)
  --verbose                  also show Dawn's native warnings that need no action (OPTBENCH_VERBOSE=1)
  --profile                  per-kernel timings (GPU timestamps, or each dispatch alone);
                             slows training: its measured cost is reported
  --data-dir DIR | d=DIR,... the four IDX files of each data set: DIR/<name> (or DIR itself),
                             or a folder per data set (mnist=DIR1,fashion-mnist=DIR2)
  --out DIR                  output directory (default runs/<preset>-<date>)
  --resume DIR               continue a stopped run; ends with the same report
  --kernels FILE             run the matmul kernels FILE names (a run's results.json, or
                             --tune-only's file) instead of measuring them
  --tune-only --out FILE     measure the study's matmul kernels and write FILE (for
                             --kernels: shards with one FILE match one run bit for bit)
  --shard K/N                train only the K-th of N parts of the study (1 <= K <= N), for
                             many machines; the same split on every machine
  --merge DIR... --out DIR   merge the shards' run directories into one run's outputs
                             (results.json, trials.csv, report); nothing is trained
  --compare DIR1 DIR2        compare two runs (e.g. seed-replica and seed-study) with the
                             reference study: compare.md and compare.html into --out
                             (default runs/compare-<date>); nothing is trained`;

function fail(message: string, code = 2): never {
  process.stderr.write(`bench: ${message}\n`);
  removeMadeDirs(); // an output folder made for this run and still empty
  process.exit(code);
}

/** Makes the output folder and proves it writable (out-dir.ts), or fails with one line. */
function outDir(dir: string, remedy?: string): void {
  try {
    prepareOutDir(dir, remedy);
  } catch (e) {
    if (e instanceof OutDirError) fail(e.message);
    throw e;
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** An output directory that a command may write: absent or empty; then made, and probed. */
function requireEmptyOut(out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) fail(`output ${out} exists and is not a directory; choose another --out`);
  if (existsSync(out) && readdirSync(out).length > 0) fail(`${out} is not empty; choose another --out`);
  outDir(out);
}

/** --compare DIR1 DIR2 [--out DIR]: writes compare.md and compare.html, prints the Markdown. */
function compareAndExit(flags: Flags, dirs: string[]): never {
  const other = Object.keys(flags).filter((k) => k !== 'compare' && k !== 'out' && flags[k] !== undefined);
  if (other.length) fail(`--compare takes only two run directories and --out, not --${other[0]}`);
  if (dirs.length !== 2) fail(`--compare needs exactly two run directories (--compare DIR1 DIR2), got ${dirs.length}`);
  const out = (flags.out as string | undefined) ?? join('runs', `compare-${stamp()}`);
  requireEmptyOut(out);
  let report;
  try {
    report = compareDirs(dirs[0], dirs[1]);
  } catch (e) {
    if (e instanceof CompareError) fail(e.message);
    throw e;
  }
  let files;
  try {
    files = writeComparison(out, report);
  } catch (e) {
    fail(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]}`);
  }
  process.stdout.write(comparisonMarkdown(report));
  process.stderr.write(`wrote ${files.markdown} and ${files.html}\n`);
  process.exit(0);
}

/** --merge DIR... [--out DIR]: checks that the directories are every trial of one study
 * exactly once, then writes what a single run of it writes. */
async function mergeAndExit(flags: Flags, dirs: string[]): Promise<never> {
  const other = Object.keys(flags).filter((k) => k !== 'merge' && k !== 'out' && k !== 'optimizer-file' && flags[k] !== undefined);
  if (other.length) fail(`--merge takes only run directories, --out and --optimizer-file, not --${other[0]}`);
  const out = (flags.out as string | undefined) ?? join('runs', `merged-${stamp()}`);
  requireEmptyOut(out);
  let results;
  try {
    await loadShardOptimizerFiles(dirs, (flags['optimizer-file'] as string[] | undefined) ?? []);
    results = mergeRuns(dirs);
  } catch (e) {
    if (e instanceof MergeError || e instanceof ConfigError) fail(e.message);
    throw e;
  }
  let files;
  try {
    mkdirSync(out, { recursive: true });
    files = await writeOutputs(out, results);
  } catch (e) {
    fail(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]}`);
  }
  process.stdout.write(`${consoleSummary(results)}\n`);
  const warning = agreementWarning(results.sharding!.matmulKernels!);
  if (warning) process.stderr.write(`bench: ${warning}\n`);
  process.stderr.write(`merged ${results.trials.length} trials of ${dirs.length} runs: wrote ${files.length} files to ${out} (open ${join(out, 'index.html')})\n`);
  process.exit(0);
}

/** parseArgs takes an option value that starts with '-' only as `--lambda=-1`, and calls
 * `--lambda -1` ambiguous. What looks like a negative number after an option is its value
 * (no option starts with a digit): join the two, so that `--epochs -1` meets the same
 * range check as `--epochs=-1`. */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (/^--[^=]+$/.test(args[i]) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** --tune-only writes one file: --out FILE, new, not --resume or --kernels. */
function tuneOnlyOut(flags: Flags): string {
  const clash = ['resume', 'kernels'].find((k) => flags[k] !== undefined);
  if (clash) fail(`--tune-only measures the kernels of a study; it takes the study's options and --out FILE, not --${clash}`);
  const out = flags.out as string | undefined;
  if (!out) fail('--tune-only needs --out FILE, the kernels file to write (e.g. --out kernels.json)');
  if (existsSync(out)) fail(`${out} exists; choose another --out for the kernels file`);
  outDir(dirname(out));
  return out;
}

function parse(): { flags: Flags; out: string; resume: boolean; mergeDirs?: string[]; tuneOnly?: boolean; check?: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(process.argv.slice(2)),
      options: BENCH_OPTIONS,
      strict: true,
      // Only --compare and --merge take positionals (run directories), and --check-optimizer
      // (more files); checked below.
      allowPositionals: true,
    });
  } catch (e) {
    fail(`${(e as Error).message.split('\n')[0]} (see --help)`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const flags = parsed.values as Flags;
  if (flags.compare) compareAndExit(flags, parsed.positionals);
  if (flags['check-optimizer']) {
    const other = Object.keys(flags).find((k) => !CHECK_FLAGS.has(k) && flags[k] !== undefined);
    if (other) fail(`--check-optimizer takes only spec files, --backend and --verbose, not --${other}`);
    return { flags, out: '', resume: false, check: [...(flags['check-optimizer'] as string[]), ...parsed.positionals] };
  }
  if (flags.merge) return { flags, out: '', resume: false, mergeDirs: parsed.positionals };
  if (flags['tune-only']) return { flags, out: tuneOnlyOut(flags), resume: false, tuneOnly: true };
  if (parsed.positionals.length) fail(`Unexpected argument '${parsed.positionals[0]}'. This command does not take positional arguments (see --help)`);
  const resume = typeof flags.resume === 'string';
  let out = resume ? (flags.resume as string) : (flags.out as string | undefined);
  if (resume && flags.out && flags.out !== flags.resume) fail('--resume DIR writes into DIR; do not give another --out');
  out ??= join('runs', `${(flags.preset as string | undefined) ?? 'seed-study'}-${stamp()}`);
  if (existsSync(out) && !statSync(out).isDirectory()) fail(`output ${out} exists and is not a directory; choose another --out`);
  if (resume && !existsSync(join(out, JOURNAL))) fail(`${out} holds no run to resume (no ${JOURNAL})`);
  if (!resume && existsSync(out) && readdirSync(out).length > 0) {
    fail(`${out} is not empty${existsSync(join(out, JOURNAL)) ? ' (it holds a run: continue it with --resume)' : ''}; choose another --out`);
  }
  outDir(out, resume ? 'make it writable, or copy the run to a writable place and resume the copy' : undefined);
  return { flags, out, resume };
}

async function main(): Promise<void> {
  const { flags, out, resume, mergeDirs, tuneOnly, check } = parse();
  if (flags.verbose) process.env.OPTBENCH_VERBOSE = '1'; // read by kernels/native-log.ts
  if (check) process.exit(await checkCommand(check, flags.backend as BackendName | undefined, { out: (s) => process.stdout.write(s), fail }));
  if (mergeDirs) return mergeAndExit(flags, mergeDirs);
  let config;
  let optimizerFiles: OptimizerSource[] = [];
  try {
    // Optimizer files are registered before the configuration names their optimizers.
    const givenFiles = (flags['optimizer-file'] as string[] | undefined) ?? [];
    const base = resume ? Journal.config(out) : undefined;
    if (base) await loadRecordedOptimizerFiles(base.optimizerFiles ?? [], givenFiles, 'this run started');
    else optimizerFiles = await loadGivenOptimizerFiles(givenFiles);
    config = resolveConfig(flags, base, optimizerFiles);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  // A resumed run was accepted when it started; --tune-only trains nothing.
  const tooLarge = resume || tuneOnly ? null : implausibleSize(config);
  if (tooLarge && !flags.yes) {
    if (!canAsk()) fail(`${tooLarge}; if that is what you want, add --yes`);
    if (!(await confirm(`${tooLarge}. Start it?`))) fail('not started (add --yes to start such a run without this question)');
  }
  try {
    runPlan(config); // a shard of a study with fewer trials than shards is refused here
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  for (const f of unusedOptimizerFiles(optimizerFiles, config)) process.stderr.write(`bench: note: ${shownPath(f.path)} defines ${f.optimizers.join(', ')}, which this study does not train (name it in --optimizers)\n`);
  let gpu: Gpu;
  try {
    // Profiling is opt-in (--profile): it times every dispatch apart, which slows training.
    // A backend named in the options or config wins; 'auto' leaves it to OPTBENCH_BACKEND.
    gpu = await Gpu.open({ backend: config.backend === 'auto' ? undefined : config.backend, profile: config.profile });
  } catch (e) {
    if (e instanceof GpuUnavailableError) fail(e.message, 3);
    throw e;
  }
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`adapter: ${gpu.describe()}`);
  try {
    await compileFileOptimizers(gpu, config);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  for (const f of config.optimizerFiles ?? []) log(`optimizer ${f.optimizers.join(', ')} from ${shownPath(f.path)} (sha256 ${f.sha256.slice(0, 12)})`);
  if (tuneOnly) {
    try {
      const file = await tuneStudy(gpu, config);
      mkdirSync(dirname(out), { recursive: true });
      writeFileAtomic(out, toJson(file));
      log(`wrote the matmul kernels of ${Object.keys(file.kernels).length} shapes to ${out}; pin them with --kernels ${out}`);
    } finally {
      gpu.destroy();
    }
    return;
  }
  // SIGINT and SIGTERM stop after the current step; the report of what finished is written.
  const stop = listenForStop({ log });
  try {
    const { results, interrupted, files } = await runStudy(config, { outDir: out, resume, gpu, stop: stop.requested, log });
    process.stdout.write(`${consoleSummary(results)}\n`);
    log(`wrote ${files.length} files to ${out} (open ${join(out, 'index.html')})`);
    if (interrupted) {
      log(`stopped: ${results.trials.length} of ${results.plannedTrials} trials finished; continue with: ${benchCommand()} --resume ${out}`);
      process.exitCode = stop.exitCode() ?? 130;
    }
  } catch (e) {
    if (e instanceof DataError) fail(e.message.split('\n').join(' | '), 2);
    if (e instanceof ConfigError) fail(e.message);
    if (e instanceof GpuDeviceLostError || e instanceof GpuValidationError || e instanceof ShaderCompileError) {
      fail(`${e.message.split('\n')[0]}; finished trials are saved in ${out}: continue with ${benchCommand()} --resume ${out}`, 1);
    }
    throw e;
  } finally {
    gpu.destroy();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  removeMadeDirs();
  process.exit(1);
});
