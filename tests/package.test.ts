// The project as a package another project installs: `npm pack` (which builds dist/ first),
// the tarball installed into a fresh project from npm's cache, then, there, with a spec
// written in that project: `npx optbench --check-optimizer`, a tiny benchmark, the typed
// API from TypeScript (type-checked against the package's declarations) and the same API
// from plain JavaScript.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { keepShaderCache } from './helpers/cli.ts';
import { BUILTIN_SPECS } from '../src/optim/specs/index.ts';
import { useTempDirs } from './helpers/temp.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const tmp = useTempDirs('package')();
const consumer = join(tmp, 'consumer');
const env = { ...process.env, ...keepShaderCache({ XDG_CACHE_HOME: join(tmp, 'cache') }) };

function run(cmd: string, args: string[], cwd = consumer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A spec written in the consumer's project, in TypeScript, in a package that is not an ES
// module package (npm init's default), so tsx compiles it as CommonJS.
const SPEC = `import type { OptimizerSpec } from 'webgpu-optbench';

// Sign descent with momentum: m = beta m + (1 - beta) g; p -= lr sign(m).
const signum: OptimizerSpec = {
  name: 'signum',
  description: 'sign of an exponential moving average of the gradient',
  slots: [{ name: 'm' }],
  hyper: {
    lr: { default: 1e-3, min: 0, max: 1, minExclusive: true, doc: 'learning rate' },
    beta: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'momentum decay' },
  },
  wgsl: \`
    m = beta * m + (1.0 - beta) * g;
    p = p - lr * sign(m);\`,
  reference(p, g, s, h) {
    s.m = h.beta * s.m + (1 - h.beta) * g;
    return p - h.lr * Math.sign(s.m);
  },
};
export default signum;
`;

let files: string[] = [];

beforeAll(() => {
  // --ignore-scripts would skip prepack: the build is what is being tested.
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const [pack] = JSON.parse(out.slice(out.search(/^\[/m))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = pack.files.map((f) => f.path);
  mkdirSync(join(consumer, 'specs'), { recursive: true });
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  writeFileSync(join(consumer, 'specs', 'signum.ts'), SPEC);
  // Dependencies from npm's cache (CI has just run npm ci), the registry only for what it lacks.
  const r = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(tmp, pack.filename)]);
  if (r.status !== 0) throw new Error(`npm install of the tarball failed:\n${r.stderr}`);
}, 600_000);

describe('the package', () => {
  it('holds what it needs and nothing else', () => {
    for (const f of ['package.json', 'bin/optbench.js', 'dist/index.js', 'dist/index.d.ts', 'dist/bench/cli.js', 'dist/optim/specs/adam.js', 'shaders/optimizer.wgsl', 'shaders/matmul_vec4.wgsl', 'docs/extending.md', 'examples/lion.ts', 'examples/adan.ts']) {
      expect(files, f).toContain(f);
    }
    const top = new Set(files.map((f) => f.split('/')[0]));
    expect([...top].sort()).toEqual(['README.md', 'bin', 'dist', 'docs', 'examples', 'package.json', 'shaders']);
    expect(files.filter((f) => f.startsWith('docs/'))).toEqual(['docs/extending.md']);
    // The compiled engine only: no sources, no benchmark tools against peers, no tests.
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('examples/'))).toEqual([]);
    expect(files.filter((f) => /perf\/|peers\/|tests\/|\.test\.|stryker|\.gpu|runs\//.test(f))).toEqual([]);
  });

  it('npx optbench --check-optimizer checks a spec of the project', () => {
    const r = run('npx', ['optbench', '--check-optimizer', 'specs/signum.ts']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^signum \(specs\/signum\.ts, sha256 [0-9a-f]{12}\): fused kernel against its TypeScript reference/);
    expect(r.stdout).toMatch(/^  m +\d\.\de-\d+ /m);
    expect(r.stdout).toContain('PASS signum\n');
  });

  it('npx optbench benchmarks it beside a built-in and records its file', () => {
    const r = run('npx', ['optbench', '--optimizer-file', 'specs/signum.ts', '--optimizers', 'adam,signum', '--preset', 'quick', '--regs', 'default', '--seed-count', '1', '--epochs', '1', '--train-samples', '512', '--validation', '256', '--batch', '64', '--sizes', '784,32,10', '--out', 'run']);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(join(consumer, 'run', 'results.json'), 'utf8'));
    expect(res.trials.map((t: { optimizer: string }) => t.optimizer)).toEqual(['adam', 'signum']);
    expect(res.trials.every((t: { testAccuracy: number }) => t.testAccuracy > 0.2)).toBe(true);
    expect(res.config.optimizerFiles).toEqual([expect.objectContaining({ path: join(consumer, 'specs', 'signum.ts'), optimizers: ['signum'] })]);
    // The installed package's facts: its dependencies' versions, no commit of the project around it.
    expect(res.environment.packages.webgpu).toBe(JSON.parse(readFileSync(join(ROOT, 'node_modules', 'webgpu', 'package.json'), 'utf8')).version);
    expect(res.environment.gitCommit).toBeNull();
    expect(existsSync(join(consumer, 'run', 'index.html'))).toBe(true);
    // What to type next names the command that ran.
    expect(run('npx', ['optbench', '--help']).stdout).toMatch(/^usage: npx optbench \[options\]/);
  });

  it("the typed API type-checks in a TypeScript project against the package's declarations", () => {
    writeFileSync(join(consumer, 'train.ts'), `import { checkOptimizer, formatCheckReport, Gpu, loadDataset, registerOptimizer, TrainingGroup, uploadDataset, type CheckReport, type OptimizerSpec } from 'webgpu-optbench';
import signum from './specs/signum.ts';

export async function main(): Promise<number> {
  const gpu: Gpu = await Gpu.open();
  const report: CheckReport = await checkOptimizer(gpu, signum);
  console.log(formatCheckReport(report));
  registerOptimizer(signum);
  const data = uploadDataset(gpu, await loadDataset('mnist'));
  const group = new TrainingGroup(gpu, data, { sizes: [784, 32, 10], batch: 64, trainCount: 512, validationCount: 0 }, [{ seed: 1, optimizer: { optimizer: 'signum' }, dropout: 0 }]);
  const [epoch] = await group.trainEpoch(0);
  const loss: number = epoch.trainLoss;
  // @ts-expect-error: a spec needs its reference (the types are not 'any')
  const broken: OptimizerSpec = { name: 'x', description: 'x', slots: [], hyper: {}, wgsl: 'p = p;' };
  void broken;
  return loss;
}
`);
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: false, typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'] },
      files: ['train.ts'],
    }));
    const r = run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the same API from plain JavaScript: a spec checked and trained without TypeScript', () => {
    writeFileSync(join(consumer, 'check.mjs'), `import { checkOptimizer, Gpu, listOptimizers, registerOptimizer, TrainingGroup } from 'webgpu-optbench';
const spec = {
  name: 'plain-sgd', description: 'plain SGD', slots: [],
  hyper: { lr: { default: 0.1, min: 0, max: 1, minExclusive: true, doc: 'learning rate' } },
  wgsl: 'p = p - lr * g;', reference: (p, g, _s, h) => p - h.lr * g,
};
const gpu = await Gpu.open();
const report = await checkOptimizer(gpu, spec);
gpu.destroy();
console.log(JSON.stringify({ passed: report.passed, slots: report.slots.map((s) => s.slot), registered: listOptimizers(), kinds: [typeof registerOptimizer, typeof TrainingGroup] }));
`);
    const r = run(process.execPath, ['check.mjs']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out).toEqual({ passed: true, slots: ['p'], registered: [...BUILTIN_SPECS.map((b) => b.name), 'plain-sgd'], kinds: ['function', 'function'] });
  });
});
