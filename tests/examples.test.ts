// The README's examples stay runnable.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function run(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('examples', () => {
  it('examples/train-mlp.ts trains two trials and reports their accuracies', () => {
    const r = run('examples/train-mlp.ts');
    expect(r.status, r.stderr).toBe(0);
    const acc = /test accuracy: adam (0\.\d+), sgd (0\.\d+)/.exec(r.stdout);
    expect(acc, r.stdout).not.toBeNull();
    expect(Number(acc![1])).toBeGreaterThan(0.85);
    expect(Number(acc![2])).toBeGreaterThan(0.85);
  });

  it('examples/add-optimizer.ts registers Lion and trains with it', () => {
    const r = run('examples/add-optimizer.ts');
    expect(r.status, r.stderr).toBe(0);
    const acc = /lion: test accuracy (0\.\d+)/.exec(r.stdout);
    expect(acc, r.stdout).not.toBeNull();
    expect(Number(acc![1])).toBeGreaterThan(0.8);
  });

  it('examples/add-tensor-optimizer.ts registers LARS (per-matrix norms), checks it against its reference and trains with it', () => {
    const r = run('examples/add-tensor-optimizer.ts');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('lars: check against its reference passed');
    const acc = /lars: test accuracy (0\.\d+)/.exec(r.stdout);
    expect(acc, r.stdout).not.toBeNull();
    // Measured 0.879 on llvmpipe; chance is 0.1.
    expect(Number(acc![1])).toBeGreaterThan(0.8);
  });
});
