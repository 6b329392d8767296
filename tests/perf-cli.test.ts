// The command lines of every entry point: --help prints the usage on stdout and exits 0;
// an unknown or bad option is one line on stderr and exit code 2, before any work, never a
// stack trace. (bench's own bad input: tests/cli.test.ts.)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseKernelsArgs } from '../src/bench/perf/kernels-options.ts';
import { useTempDirs } from './helpers/temp.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const tempDir = useTempDirs('perf-cli');

const COMMANDS = [
  ['bench', 'src/bench/cli.ts', 'usage: npm run bench -- [options]'],
  ['bench:perf', 'src/bench/perf/perf.ts', 'usage: npm run bench:perf -- [options]'],
  ['bench:kernels', 'src/bench/perf/kernels-bench.ts', 'usage: npm run bench:kernels -- [options]'],
  ['docs:perf', 'src/bench/perf/docs-perf.ts', 'usage: npm run docs:perf -- RUN [options]'],
  ['tfjs peer', 'src/bench/peers/tfjs.ts', 'usage: npx tsx src/bench/peers/tfjs.ts [options]'],
] as const;

function run(file: string, args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OPTBENCH_BACKEND: 'no-such-backend' } });
}

describe.each(COMMANDS)('%s', (name, file, usage) => {
  it('--help: the usage on stdout, exit code 0', () => {
    for (const flag of ['--help', '-h']) {
      const r = run(file, [flag]);
      expect(r.status).toBe(0);
      expect(r.stdout.startsWith(usage)).toBe(true);
      expect(r.stderr).toBe('');
    }
  });

  it('an unknown option: one line, exit code 2, no stack trace', () => {
    const r = run(file, ['--no-such-option', '3']);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`${name}: Unknown option '--no-such-option'`)).toBe(true);
    expect(lines[0]).toMatch(/\(see --help\)$/);
    expect(r.stdout).toBe('');
  });
});

describe('bad values, before any work', () => {
  it.each([
    ['src/bench/perf/perf.ts', ['--study-seeds', 'x'], "bench:perf: --study-seeds must be an integer from 1 to 10, got 'x'"],
    ['src/bench/perf/perf.ts', ['--backend', 'cuda'], "bench:perf: --backend: unknown backend 'cuda' (use one of auto, vulkan, metal, d3d12, opengles, opengl)"],
    ['src/bench/perf/kernels-bench.ts', ['--trials', '0'], "bench:kernels: --trials must be a positive integer, got '0'"],
    ['src/bench/perf/kernels-bench.ts', ['--backend', 'cuda'], "bench:kernels: --backend: unknown backend 'cuda' (use one of auto, vulkan, metal, d3d12, opengles, opengl)"],
    ['src/bench/perf/docs-perf.ts', [], 'docs:perf: give one run (a bench:perf output directory or its perf.json), got 0'],
    ['src/bench/peers/tfjs.ts', ['--backends', 'webgl'], "tfjs peer: --backends: unknown 'webgl' (known: webgpu, wasm, cpu)"],
  ])('%s %j', (file, args, line) => {
    const out = join(tempDir(), 'perf');
    const r = run(file, file === 'src/bench/perf/perf.ts' ? [...args, '--out', out] : args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([line]);
    expect(existsSync(out)).toBe(false);
  });

  it('a backend that opens no adapter: one line and exit code 3 (bench:kernels)', () => {
    const r = run('src/bench/perf/kernels-bench.ts', []);
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^bench:kernels: OPTBENCH_BACKEND='no-such-backend' is not a backend/);
  });
});

describe('bench:kernels options', () => {
  it('defaults, and each option read', () => {
    expect(parseKernelsArgs([])).toEqual({ trials: 1, batch: 128, backend: undefined, tune: true, json: false });
    expect(parseKernelsArgs(['--trials', '12', '--batch', '64', '--backend', 'opengles', '--no-tune', '--json'])).toEqual({ trials: 12, batch: 64, backend: 'opengles', tune: false, json: true });
  });
});
