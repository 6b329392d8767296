// Keeps Dawn's native warnings that need no action off stderr: the one place that filters
// what native code writes (the Node side of the platform seam, src/kernels/platform.ts).
//
// Dawn logs with fprintf(stderr) (dawn::WarningLog), straight to file descriptor 2, and
// Dawn's node bindings (webgpu 0.6.2) have no option or callback for that log: their
// create() flags are backend, adapter, dlldir, validate, verbose and Dawn toggles, and no
// toggle touches it. Those warnings come while the adapter and device are created, so for
// that span fd 2 points at an unlinked temporary file (dup/dup2 through the koffi FFI), and
// afterwards what was written there goes to stderr, less the warnings quietWarnings() names.
// Everything else (an error, an unknown warning, anything Node wrote meanwhile) is passed
// on as written, only later. Validation errors and a lost device reach the engine as
// WebGPU events, never through this path.
//
// OPTBENCH_VERBOSE=1 (`npm run bench -- --verbose`) passes everything. Where koffi or the C
// library cannot be loaded (Windows, musl), nothing is filtered.
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envFlag } from '../kernels/platform.ts';

/** Dawn's Vulkan backend without a Vulkan loader: the 'auto' backend tries Vulkan first and
 * falls back. On a machine without a GPU that needs no action. */
const NO_VULKAN_LOADER = /^Warning: Couldn't load Vulkan: libvulkan\.so[.\d]*: cannot open shared object file/;
/** Dawn's Vulkan backend with the loader (libvulkan1, e.g. in the project's Docker image) but
 * no Vulkan driver: two messages, the second with a source location. On a machine without
 * a GPU that needs no action either; with one, the driver's ICD is missing (install it, or
 * point VK_DRIVER_FILES at it). */
const NO_VULKAN_DRIVER = [/^Warning: vkCreateInstance: Found no drivers!$/, /^Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER$/];
/** Limits Dawn lowers to what it supports; the engine asks for neither. */
const LIMIT_LOWERED = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

/** A GPU device node (NVIDIA, AMD, or any DRM render node): there a missing Vulkan loader
 * does need action (install libvulkan1; the run would fall back to the CPU). */
function gpuDeviceNode(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    return existsSync('/dev/nvidia0') || existsSync('/dev/kfd') || readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    return false; // no /dev/dri
  }
}

/** The warnings kept off stderr on this machine. */
export function quietWarnings(gpuPresent = gpuDeviceNode()): RegExp[] {
  return gpuPresent ? [LIMIT_LOWERED] : [NO_VULKAN_LOADER, ...NO_VULKAN_DRIVER, LIMIT_LOWERED];
}

export function verboseNativeLog(): boolean {
  return envFlag('OPTBENCH_VERBOSE', process.env);
}

/**
 * `text` without the quiet warnings. A Dawn message is its first line plus the indented
 * lines after it (a source location: "    at operator() (...)") and one blank line after
 * those; a quiet message goes as a whole.
 */
export function filterNativeLog(text: string, quiet: RegExp[] = quietWarnings()): { kept: string; dropped: string[] } {
  const lines = text.split('\n');
  const kept: string[] = [];
  const dropped: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!quiet.some((re) => re.test(lines[i]))) {
      kept.push(lines[i]);
      continue;
    }
    dropped.push(lines[i]);
    let indented = false;
    while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1])) {
      i++;
      indented = true;
    }
    if (indented && i + 1 < lines.length - 1 && lines[i + 1] === '') i++;
  }
  return { kept: kept.join('\n'), dropped };
}

interface Fds {
  dup(fd: number): number;
  dup2(from: number, to: number): number;
}

let fdsLoaded: Promise<Fds | null> | null = null;

/** dup and dup2 of the C library, or null where they cannot be had. */
function loadFds(): Promise<Fds | null> {
  fdsLoaded ??= (async () => {
    const lib = process.platform === 'linux' ? 'libc.so.6' : process.platform === 'darwin' ? 'libSystem.dylib' : null;
    if (!lib) return null;
    try {
      const koffi = (await import('koffi')).default;
      const libc = koffi.load(lib);
      return { dup: libc.func('int dup(int)') as Fds['dup'], dup2: libc.func('int dup2(int, int)') as Fds['dup2'] };
    } catch {
      return null;
    }
  })();
  return fdsLoaded;
}

let previous: Promise<unknown> = Promise.resolve();

/** Runs `fn` (adapter and device creation) with fd 2 captured, then writes what it caught
 * to stderr without the quiet warnings. Calls run one after another (fd 2 is one). */
export async function quietNativeLog<T>(fn: () => Promise<T>): Promise<T> {
  const { value, log } = await heldNativeLog(fn);
  writeLog(log);
  return value;
}

/** As quietNativeLog, but what it caught (less the quiet warnings) is returned, not
 * written: the caller decides. When opening a backend fails, the engine's own one-line
 * error says what is missing, and the Vulkan loader's lines before it only repeat that. */
export function heldNativeLog<T>(fn: () => Promise<T>): Promise<{ value: T; log: string }> {
  const run = previous.then(() => captured(fn));
  previous = run.catch(() => {});
  return run;
}

/** Writes text heldNativeLog returned to stderr. */
export function writeLog(log: string): void {
  if (log.trim() !== '') process.stderr.write(log.endsWith('\n') ? log : `${log}\n`);
}

async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; log: string }> {
  const fds = verboseNativeLog() ? null : await loadFds();
  if (!fds) return { value: await fn(), log: '' };
  // Node picks process.stderr's kind (TTY, pipe, file) from fd 2 when it is first used:
  // make that happen before fd 2 points at the file.
  void process.stderr.isTTY;
  const dir = mkdtempSync(join(tmpdir(), 'optbench-native-log-'));
  const file = openSync(join(dir, 'stderr'), 'w+');
  rmSync(dir, { recursive: true, force: true });
  const saved = fds.dup(2);
  if (saved < 0 || fds.dup2(file, 2) < 0) {
    if (saved >= 0) closeSync(saved);
    closeSync(file);
    return { value: await fn(), log: '' };
  }
  let outcome: { value: T } | { error: unknown };
  try {
    outcome = { value: await fn() };
  } catch (error) {
    outcome = { error };
  }
  fds.dup2(saved, 2);
  closeSync(saved);
  const bytes = Buffer.alloc(fstatSync(file).size);
  readSync(file, bytes, 0, bytes.length, 0);
  closeSync(file);
  const log = filterNativeLog(bytes.toString()).kept;
  if ('error' in outcome) {
    // The error goes up; what was caught meanwhile goes out, as it would have.
    writeLog(log);
    throw outcome.error;
  }
  return { value: outcome.value, log };
}
