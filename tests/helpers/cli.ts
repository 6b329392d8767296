// Runs `npm run bench` (src/bench/cli.ts) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Tests give each run a fresh XDG_CACHE_HOME (its own matmul tuning cache), which would also
 * move Mesa's shader cache ($XDG_CACHE_HOME/mesa_shader_cache) and make llvmpipe compile
 * every pipeline again in every run: minutes of a cold suite. Pin Mesa's to the usual place. */
export function keepShaderCache(env: Record<string, string>): Record<string, string> {
  const base = process.env.MESA_SHADER_CACHE_DIR ?? process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return { MESA_SHADER_CACHE_DIR: base, ...env };
}

export function startBench(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  return startScript('src/bench/cli.ts', args, env);
}

/** Runs a TypeScript entry point of the project (e.g. src/bench/perf/kernels-bench.ts) as `npm run` would. */
export function runScript(file: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startScript(file, args, env).done;
}

function startScript(file: string, args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: { ...process.env, ...keepShaderCache(env) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runBench(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startBench(args, env).done;
}

/** stderr without Dawn's own warnings (Vulkan loader, limit notes). */
export function ownErrors(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('bench:'));
}
