// What a result was measured on: adapter and backend, Node, package versions, git commit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Gpu } from '../../kernels/gpu.ts';
import type { EnvironmentInfo } from '../results/types.ts';
import { adapterEnvironment } from './assemble.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** HEAD of the checkout, `+modified` with uncommitted changes to tracked files; null outside git. */
export function gitCommit(): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${sha}+modified` : sha;
  } catch {
    return null;
  }
}

export function environment(gpu: Gpu): EnvironmentInfo {
  const self = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
  const c = cpus();
  return {
    ...adapterEnvironment(gpu),
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: `${c.length} x ${c[0]?.model ?? 'unknown'}`,
    packages: { 'webgpu-optbench': self.version, webgpu: packageVersion('webgpu'), vega: packageVersion('vega'), 'vega-lite': packageVersion('vega-lite') },
    gitCommit: gitCommit(),
  };
}
