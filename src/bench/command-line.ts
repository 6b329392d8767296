// The command-line conventions of the perf tools (bench:perf, bench:kernels, docs:perf, the
// tfjs peer):
// --help prints the usage on stdout and exits 0; a bad option is one line on stderr and exit
// code 2, before any work starts, never a stack trace. Each tool exports its option table
// (tests/doc-flags.test.ts checks every --flag the docs mention against it).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BACKENDS, type BackendName } from '../kernels/device.ts';
import { GpuUnavailableError } from '../kernels/errors.ts';
import { Gpu, type GpuOptions } from '../kernels/gpu.ts';

export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** A bad command line: the message is the one line to print. */
export class UsageError extends Error {}

/** parseArgs, strict, with node's three-line messages cut to their first line. */
export function parseStrict<T extends OptionTable>(options: T, args: string[], allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (e) {
    // Node's advice on positionals that start with '-' does not apply to these commands.
    const first = (e as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${first} (see --help)`);
  }
}

/** --backend's value: undefined for 'auto' (OPTBENCH_BACKEND, then the native backend, then
 * OpenGL ES, as Gpu.open decides). */
export function backendOption(value: string | undefined): BackendName | undefined {
  const v = (value ?? 'auto').toLowerCase();
  if (!(BACKENDS as readonly string[]).includes(v)) throw new UsageError(`--backend: unknown backend '${value}' (use one of ${BACKENDS.join(', ')})`);
  return v === 'auto' ? undefined : (v as BackendName);
}

/** The options of `command`, or the process ends: usage and exit 0 on --help or -h anywhere,
 * one line and exit 2 on a UsageError. */
export function optionsOrExit<T>(command: string, usage: string, args: string[], parse: (args: string[]) => T): T {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parse(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${command}: ${e.message}\n`);
    process.exit(2);
  }
}

/** The GPU, or the process ends with one line and exit code 3 (as `npm run bench`) when no
 * adapter opens: the message names what to install or which backend to force. */
export async function openGpuOrExit(command: string, options: GpuOptions): Promise<Gpu> {
  try {
    return await Gpu.open(options);
  } catch (e) {
    if (!(e instanceof GpuUnavailableError)) throw e;
    process.stderr.write(`${command}: ${e.message.split('\n')[0]}\n`);
    process.exit(3);
  }
}
