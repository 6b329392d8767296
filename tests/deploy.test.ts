// deploy/: the Kubernetes manifests, the SLURM scripts and the Dockerfile. The manifests
// parse and hand the CLI the shard index and directories it expects; the SLURM array
// script runs here for 3 shards (SLURM_ARRAY_TASK_ID set by hand, CPU fallback), then its
// merge step; the image's production dependencies cover what `npm run bench` imports.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ResultsFile } from '../src/bench/results/types.ts';
import { resolveConfig } from '../src/bench/study/config.ts';
import { planTrials } from '../src/bench/study/plan.ts';
import { keepShaderCache } from './helpers/cli.ts';
import { useTempDirs } from './helpers/temp.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const tmp = useTempDirs('deploy')();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command with exactly these environment variables added to PATH and HOME. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const child = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? tmp, ...keepShaderCache(env) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function yamlDoc(path: string): any {
  const docs = parseAllDocuments(readFileSync(join(ROOT, path), 'utf8'));
  expect(docs).toHaveLength(1);
  expect(docs[0].errors, path).toEqual([]);
  return docs[0].toJS();
}

function envOf(container: { env: Array<{ name: string; value: string }> }): Record<string, string> {
  return Object.fromEntries(container.env.map((e) => [e.name, String(e.value)]));
}

/** A project directory whose deploy scripts only print their arguments. */
function stubProject(): string {
  const dir = join(tmp, 'stub');
  mkdirSync(join(dir, 'deploy'), { recursive: true });
  for (const script of ['run-shard.sh', 'merge.sh']) {
    writeFileSync(join(dir, 'deploy', script), `#!/bin/sh\necho ${script} "$@"\n`);
    chmodSync(join(dir, 'deploy', script), 0o755);
  }
  return dir;
}

describe('Kubernetes', () => {
  const pvc = yamlDoc('deploy/kubernetes/pvc.yaml');
  const shards = yamlDoc('deploy/kubernetes/shards-job.yaml');
  const merge = yamlDoc('deploy/kubernetes/merge-job.yaml');
  const shardPod = shards.spec.template.spec;
  const mergePod = merge.spec.template.spec;

  it('an Indexed Job of N one-GPU pods on the shared volume, retried per index; a merge Job on the same volume', () => {
    expect(pvc.kind).toBe('PersistentVolumeClaim');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(shards.kind).toBe('Job');
    expect(shards.spec.completionMode).toBe('Indexed');
    const n = Number(envOf(shardPod.containers[0]).OPTBENCH_SHARDS);
    expect(shards.spec.completions).toBe(n);
    expect(shards.spec.parallelism).toBeGreaterThanOrEqual(1);
    expect(shards.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
    expect(shardPod.restartPolicy).toBe('Never'); // backoffLimitPerIndex requires it
    expect(shards.spec.podReplacementPolicy).toBe('Failed'); // one writer per shard directory
    // A preempted pod has time to stop after its step and write its report (tests/stop.test.ts).
    expect(shardPod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    expect(shardPod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(mergePod.containers[0].resources.limits?.['nvidia.com/gpu']).toBeUndefined();
    // A GPU pod without Vulkan stops at once rather than train on the CPU fallback.
    expect(envOf(shardPod.containers[0]).OPTBENCH_BACKEND).toBe('vulkan');
    expect(envOf(mergePod.containers[0]).OPTBENCH_BACKEND).toBeUndefined();
    expect(envOf(mergePod.containers[0]).OPTBENCH_SHARDS).toBe(String(n));
    for (const pod of [shardPod, mergePod]) {
      const c = pod.containers[0];
      expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
      expect(c.volumeMounts[0].name).toBe(pod.volumes[0].name);
      // The study's directory lies on the shared volume, the same for shards and merge.
      expect(envOf(c).OPTBENCH_OUT.startsWith(`${c.volumeMounts[0].mountPath}/`)).toBe(true);
      expect(envOf(c).OPTBENCH_OUT).toBe(envOf(shardPod.containers[0]).OPTBENCH_OUT);
      expect(c.workingDir).toBe('/app'); // the Dockerfile's WORKDIR
      expect(c.image).toBe(shardPod.containers[0].image);
    }
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^WORKDIR \/app$/m);
  });

  it('pod i runs shard i+1 of N; the merge pod merges N', async () => {
    const stub = stubProject();
    const c = shardPod.containers[0];
    const env = envOf(c);
    for (const index of [0, 1, 3]) {
      const r = await run(c.command[0], c.command.slice(1), stub, { ...env, JOB_COMPLETION_INDEX: String(index) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(`run-shard.sh ${index + 1} ${env.OPTBENCH_SHARDS}`);
    }
    const m = mergePod.containers[0];
    const r = await run(m.command[0], m.command.slice(1), stub, envOf(m));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`merge.sh ${env.OPTBENCH_SHARDS}`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('Node 20, the Vulkan loader, the graphics driver capability, production dependencies only', () => {
    expect(dockerfile).toMatch(/^FROM node:20[-\w]*$/m);
    expect(dockerfile).toMatch(/apt-get install[^\n]*\\\n(\s+[^\n]*\\\n)*\s+libvulkan1/);
    expect(dockerfile).toMatch(/NVIDIA_DRIVER_CAPABILITIES=[\w,]*graphics/);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')).toContain('node_modules');
  });

  it('every package `npm run bench` imports is a production dependency (tsx, loaded by node --import, runs it)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; scripts: Record<string, string> };
    // exec: npm's shell gives way to node, so the signals npm relays reach the benchmark (docs/running.md).
    expect(pkg.scripts.bench).toMatch(/^exec node --import tsx /);
    const used = new Set<string>(['tsx']);
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
        const spec = m[1] ?? m[2];
        if (/^(import|export) type /.test(m[0].trim())) continue;
        if (spec.startsWith('.')) visit(join(dirname(file), spec));
        else if (!spec.startsWith('node:')) used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    };
    visit(join(ROOT, 'src/bench/cli.ts'));
    expect(seen.size).toBeGreaterThan(20);
    expect([...used].filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });
});

describe('SLURM', () => {
  const out = join(tmp, 'study');
  const args = '--datasets mnist --optimizers sgd,adam --regs default --seed-count 2 --epochs 1 --train-samples 300 --validation 100 --sizes 784,32,10 --trials-at-once 2';
  const env = { OPTBENCH_OUT: out, OPTBENCH_SHARDS: '3', OPTBENCH_ARGS: args, XDG_CACHE_HOME: join(tmp, 'cache') };

  it('the array script asks one GPU per task and submit.sh chains the merge after the array (afterok)', async () => {
    const script = readFileSync(join(ROOT, 'deploy/slurm/shards.sbatch'), 'utf8');
    expect(script).toMatch(/^#SBATCH --gres=gpu:1$/m);
    // SIGTERM to the batch shell (npm, through the execs) before the time limit: a clean stop.
    expect(script).toMatch(/^#SBATCH --signal=B:TERM@\d+$/m);
    expect(script).toMatch(/^exec deploy\/run-shard\.sh /m);
    expect(readFileSync(join(ROOT, 'deploy/slurm/merge.sbatch'), 'utf8')).not.toMatch(/--gres/);
    // submit.sh against a stand-in sbatch that logs its arguments and answers a job id.
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'sbatch'), `#!/bin/sh\necho "$@" >> "${join(tmp, 'sbatch.log')}"\necho "$((1000 + $(wc -l < "${join(tmp, 'sbatch.log')}")));cluster"\n`);
    chmodSync(join(bin, 'sbatch'), 0o755);
    const r = await run('deploy/slurm/submit.sh', ['3'], ROOT, { PATH: `${bin}:${process.env.PATH}`, OPTBENCH_OUT: out });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(tmp, 'sbatch.log'), 'utf8').trim().split('\n')).toEqual([
      '--parsable --array=0-2 deploy/slurm/shards.sbatch',
      '--parsable --dependency=afterok:1001 deploy/slurm/merge.sbatch',
    ]);
  });

  it('runs the array script for 3 shards with SLURM_ARRAY_TASK_ID set by hand, then the merge step', async () => {
    const kernels = join(out, 'kernels.json');
    for (const task of [0, 1, 2]) {
      const r = await run('bash', ['deploy/slurm/shards.sbatch'], ROOT, { ...env, SLURM_ARRAY_TASK_ID: String(task) });
      expect(r.code, r.stderr).toBe(0);
      const res = JSON.parse(readFileSync(join(out, `shard-${task + 1}-of-3`, 'results.json'), 'utf8')) as ResultsFile;
      expect(res.sharding?.shard).toEqual({ index: task + 1, count: 3 });
      // The first task measures the kernels and publishes them; every task trains with that file.
      expect(r.stderr.includes(`pin them with --kernels`), r.stderr).toBe(task === 0);
      expect(res.config.kernels).toEqual(JSON.parse(readFileSync(kernels, 'utf8')).kernels);
    }
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]); // no leftover measurement
    // A retried task resumes its finished shard: nothing trains again.
    const again = await run('bash', ['deploy/slurm/shards.sbatch'], ROOT, { ...env, SLURM_ARRAY_TASK_ID: '1' });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('2 of 2 trials already finished');

    const m = await run('bash', ['deploy/slurm/merge.sbatch'], ROOT, env);
    expect(m.code, m.stderr).toBe(0);
    const merged = JSON.parse(readFileSync(join(out, 'merged', 'results.json'), 'utf8')) as ResultsFile;
    expect(merged.complete).toBe(true);
    expect(merged.sharding?.matmulKernels?.identical).toBe(true);
    expect(m.stderr).not.toContain('warning');
    const plan = planTrials(resolveConfig({ datasets: 'mnist', optimizers: 'sgd,adam', regs: 'default', 'seed-count': '2' }));
    expect(merged.trials.map((t) => t.id)).toEqual(plan.map((p) => p.id));
    expect(merged.sharding?.mergedFrom?.map((s) => s.dir)).toEqual([1, 2, 3].map((k) => join(out, `shard-${k}-of-3`)));
    expect(existsSync(join(out, 'merged', 'index.html'))).toBe(true);

    // Without every shard the merge step fails with the CLI's line and leaves merged/ as it was.
    const missing = await run('bash', ['deploy/slurm/merge.sbatch'], ROOT, { ...env, OPTBENCH_SHARDS: '4' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`bench: ${join(out, 'shard-1-of-4')} holds no run`);
    expect(existsSync(join(out, 'merged', 'results.json'))).toBe(true);
  });
});
