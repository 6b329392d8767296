// Every --flag README.md and docs/*.md mention (pages added later included) exists in the
// parser of the command it belongs to: bench, bench:perf, bench:kernels, docs:perf and the
// two peers' own command lines. Which command a flag belongs to: tests/helpers/doc-flags.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BENCH_OPTIONS } from '../src/bench/cli-options.ts';
import { TFJS_OPTIONS } from '../src/bench/peers/tfjs.ts';
import { DOCS_PERF_OPTIONS } from '../src/bench/perf/docs-perf.ts';
import { KERNELS_OPTIONS } from '../src/bench/perf/kernels-options.ts';
import { PERF_OPTIONS } from '../src/bench/perf/perf-options.ts';
import { perfSummary } from '../src/bench/perf/perf-summary.ts';
import { flagsOf, flagUses, unknownFlags } from './helpers/doc-flags.ts';
import { NETLIB, stepsReport, studyReport } from './helpers/perf-fixture.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The PyTorch peer's options, read from its argparse calls (it needs torch to run). */
function torchPeerFlags(): Set<string> {
  const source = readFileSync(join(ROOT, 'src/bench/peers/torch_peer.py'), 'utf8');
  return new Set(['help', ...[...source.matchAll(/add_argument\('--([\w-]+)'/g)].map((m) => m[1])]);
}

const table = (t: object) => new Set(Object.keys(t));
const PARSERS = {
  bench: { flags: table(BENCH_OPTIONS), where: 'src/bench/cli-options.ts BENCH_OPTIONS' },
  'bench:perf': { flags: table(PERF_OPTIONS), where: 'src/bench/perf/perf-options.ts PERF_OPTIONS' },
  'bench:kernels': { flags: table(KERNELS_OPTIONS), where: 'src/bench/perf/kernels-options.ts KERNELS_OPTIONS' },
  'docs:perf': { flags: table(DOCS_PERF_OPTIONS), where: 'src/bench/perf/docs-perf.ts DOCS_PERF_OPTIONS' },
  'tfjs peer': { flags: table(TFJS_OPTIONS), where: 'src/bench/peers/tfjs.ts TFJS_OPTIONS' },
  'torch peer': { flags: torchPeerFlags(), where: "src/bench/peers/torch_peer.py's argparse" },
};

/** Other tools' flags the docs may use, each vouched for here. */
const FOREIGN: Record<string, string[]> = {
  npm: ['omit', 'no-audit', 'no-fund', 'save-exact'],
  'apt-get': ['no-install-recommends'],
  docker: ['build-arg', 'rm', 'gpus'],
  sbatch: ['array', 'dependency', 'signal', 'requeue'],
  kubectl: ['for', 'timeout'],
  apptainer: ['nv', 'bind', 'env', 'pwd'],
  chromium: ['headless', 'no-sandbox', 'enable-unsafe-webgpu', 'disable-gpu', 'disable-quic', 'no-first-run', 'disable-background-networking', 'disable-component-update', 'disable-sync', 'disable-default-apps'],
  python3: ['muon', 'schedulefree'], // scripts/optimizer_parity.py
  node: ['import'],
  stryker: ['mutate'],
};

const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('every --flag the docs mention exists', () => {
  it.each(pages)('%s', (page) => {
    const uses = flagUses(page, readFileSync(join(ROOT, page), 'utf8'));
    expect(unknownFlags(uses, PARSERS, FOREIGN)).toEqual([]);
  });

  it('so do the summaries docs:perf puts into README.md and docs/performance.md', () => {
    for (const report of [stepsReport(), studyReport(NETLIB)]) {
      const uses = flagUses('summary.md', perfSummary(report));
      expect(uses.length).toBeGreaterThan(0);
      expect(unknownFlags(uses, PARSERS, FOREIGN)).toEqual([]);
    }
  });

  it('reads the pages that matter, and finds flags of every parser in them', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/cli.md', 'docs/performance.md']));
    const used = new Set(pages.flatMap((p) => flagUses(p, readFileSync(join(ROOT, p), 'utf8'))).map((u) => u.command));
    for (const command of Object.keys(PARSERS)) expect(used).toContain(command);
  });
});

describe('which command a flag belongs to', () => {
  it('the command before it in the same piece of text; separators end a command', () => {
    expect(flagsOf('npm run bench:perf -- --seconds 2 && npm run bench -- --epochs 3')).toEqual([{ flag: 'seconds', command: 'bench:perf' }, { flag: 'epochs', command: 'bench' }]);
    expect(flagsOf('python3 src/bench/peers/torch_peer.py --task info; --x')).toEqual([{ flag: 'task', command: 'torch peer' }, { flag: 'x', command: null }]);
    expect(flagsOf('npx tsx src/bench/peers/tfjs.ts --backends wasm')).toEqual([{ flag: 'backends', command: 'tfjs peer' }]);
    expect(flagsOf('### bench:perf --study, 2026-12-05')).toEqual([{ flag: 'study', command: 'bench:perf' }]);
    expect(flagsOf('OPTBENCH_ARGS="--hyper adam.lr=1e-3" deploy/slurm/submit.sh 4')).toEqual([{ flag: 'hyper', command: 'bench' }]);
    expect(flagsOf('sbatch --array=0-3 (see outputs.md#per-kernel-timings---profile)')).toEqual([{ flag: 'array', command: 'sbatch' }]);
  });

  it('a flag with no command before it takes the page context: bench, or what a flags comment names', () => {
    const page = ['Use `--epochs 3`.', '', '<!-- flags: bench:perf -->', '', 'Then `--seconds 2`', 'and `npm run bench --', '--profile`.', '', '```sh', 'npm run bench:kernels -- \\', '  --trials 12   # not --counted', '```'].join('\n');
    expect(flagUses('p.md', page).map((u) => [u.line, u.flag, u.command])).toEqual([
      [1, 'epochs', 'bench'],
      [5, 'seconds', 'bench:perf'],
      [6, 'profile', 'bench'],
      [10, 'trials', 'bench:kernels'],
    ]);
  });

  it('fails naming the file, the line, the flag and the parser; a foreign flag must be vouched for', () => {
    const uses = flagUses('docs/x.md', 'Run `npm run bench:perf -- --epochs 3` or `docker run --privileged`.');
    expect(unknownFlags(uses, PARSERS, FOREIGN)).toEqual([
      'docs/x.md:1: --epochs is not an option of bench:perf (its parser: src/bench/perf/perf-options.ts PERF_OPTIONS)',
      "docs/x.md:1: --privileged after docker: neither one of our commands' options nor in the list of docker's flags (tests/doc-flags.test.ts FOREIGN)",
    ]);
  });
});
