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

export function startBench(args: string[], env: Record<string, string> = {}): Started {
  return startScript('src/bench/cli.ts', args, env);
}

/** Runs a TypeScript entry point of the project (e.g. src/bench/perf/kernels-bench.ts) as `npm run` would. */
export function runScript(file: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startScript(file, args, env).done;
}

function startScript(file: string, args: string[], env: Record<string, string>): Started {
  return watch(spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: { ...process.env, ...keepShaderCache(env) }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

export function runBench(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startBench(args, env).done;
}

/** stderr without Dawn's own warnings (Vulkan loader, limit notes). */
export function ownErrors(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('bench:'));
}

/** `npm run --silent bench -- args` in a process group of its own (as a terminal runs a
 * command), so a test can signal npm alone or the whole group as Ctrl-C does. */
export interface Started {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Resolves once stderr holds `text` (rejects if the process ends first). */
  stderrHas: (text: string) => Promise<void>;
}

export function startNpmBench(args: string[], env: Record<string, string> = {}): Started {
  return watch(spawn('npm', ['run', '--silent', 'bench', '--', ...args], { cwd: ROOT, env: { ...process.env, ...keepShaderCache(env) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
}

/** Any command of the project (a deploy script) in a process group of its own. */
export function startCommand(command: string, args: string[], env: Record<string, string> = {}): Started {
  return watch(spawn(command, args, { cwd: ROOT, env: { ...process.env, ...keepShaderCache(env) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
}

function watch(child: ChildProcess): Started {
  let stdout = '';
  let stderr = '';
  const waiting: Array<{ text: string; resolve: () => void }> = [];
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of waiting.filter((w) => stderr.includes(w.text))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  });
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const stderrHas = (text: string) =>
    stderr.includes(text)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiting.push({ text, resolve });
          void done.then((r) => reject(new Error(`exited (${r.code ?? r.signal}) before printing '${text}':\n${r.stderr}`)));
        });
  return { child, done, stderrHas };
}
