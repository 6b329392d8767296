// `npm run bench`'s option table, apart from cli.ts so that a test can read it without
// starting a run (tests/doc-flags.test.ts checks every --flag the docs mention against it).
export const BENCH_OPTIONS = {
  preset: { type: 'string' }, config: { type: 'string' }, datasets: { type: 'string' }, optimizers: { type: 'string' },
  regs: { type: 'string' }, seeds: { type: 'string' }, 'seed-count': { type: 'string' }, epochs: { type: 'string' },
  batch: { type: 'string' }, validation: { type: 'string' }, 'train-samples': { type: 'string' }, sizes: { type: 'string' },
  init: { type: 'string' }, lambda: { type: 'string' }, dropout: { type: 'string' }, hyper: { type: 'string', multiple: true },
  'reset-state-every-step': { type: 'string' }, target: { type: 'string' }, 'trials-at-once': { type: 'string' },
  backend: { type: 'string' }, profile: { type: 'boolean' }, 'data-dir': { type: 'string' }, out: { type: 'string' },
  resume: { type: 'string' }, 'independent-seeds': { type: 'boolean' }, kernels: { type: 'string' }, 'tune-only': { type: 'boolean' }, verbose: { type: 'boolean' }, yes: { type: 'boolean' }, compare: { type: 'boolean' }, shard: { type: 'string' }, merge: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  'optimizer-file': { type: 'string', multiple: true }, 'check-optimizer': { type: 'string', multiple: true },
} as const;
