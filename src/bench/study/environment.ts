// What a result was measured on: adapter and backend, Node, package versions, git commit.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Gpu } from '../../kernels/gpu.ts';
import type { EnvironmentInfo } from '../results/types.ts';
import { adapterEnvironment } from './assemble.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The version of an installed package: in this project's node_modules, or in a folder
 * above it (installed into another project, npm puts the dependencies beside this one). */
export function packageVersion(name: string): string {
  for (let dir = ROOT; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) {
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
      } catch {
        return 'not installed';
      }
    }
    if (dirname(dir) === dir) return 'not installed';
  }
}

/** This checkout's commit; null where the package was installed (no .git of its own: git
 * would report the commit of the project around it). */
export function gitCommit(): string | null {
  if (!existsSync(join(ROOT, '.git'))) return null;
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
