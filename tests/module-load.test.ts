// Every host-side module loads, and what it builds while loading (presets, the optimizer
// registry) is whole. A module that throws while loading fails these tests; elsewhere vitest
// reports it as a file that could not be collected, which mutation testing (npm run
// test:mutation) does not count as a failed test.
import { describe, expect, it } from 'vitest';

const MODULES = [
  'src/bench/study/config.ts', 'src/bench/study/plan.ts', 'src/bench/study/journal.ts', 'src/bench/study/checkpoint.ts',
  'src/bench/results/stats.ts', 'src/bench/report/index.ts', 'src/bench/compare/index.ts', 'src/optim/codegen.ts', 'src/optim/spec.ts',
];

describe('host-side modules load', () => {
  for (const path of MODULES) {
    it(path, async () => {
      const mod = (await import(/* @vite-ignore */ `../${path}`)) as Record<string, unknown>;
      expect(Object.keys(mod).length).toBeGreaterThan(0);
    });
  }

  it('the registry loads every shipped spec', async () => {
    const { listOptimizers } = await import('../src/optim/registry.ts');
    expect(listOptimizers().slice(0, 5)).toEqual(['sgd', 'adam', 'rmsprop', 'custom', 'adamw']);
  });

  it('the presets are whole', async () => {
    const { PRESETS } = await import('../src/bench/study/config.ts');
    expect(Object.keys(PRESETS)).toEqual(expect.arrayContaining(['seed-study', 'seed-replica', 'quick']));
    for (const p of Object.values(PRESETS)) expect(Object.keys(p).length).toBeGreaterThanOrEqual(20);
  });
});
