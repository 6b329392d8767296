// The tests Stryker runs against each mutant (npm run test:mutation, stryker.config.json):
// the host-only files that cover the mutated modules. No GPU, no child processes (a CLI
// run in a child would not see the mutant). A static mutant (one in code that runs while a
// module loads: presets, optimizer specs) runs every test file listed, so a run over one
// module is much faster with only its own tests: MUTATION_TESTS=a.test.ts,b.test.ts
// (names under tests/) narrows the list; docs/mutation.md gives the command per module.
import { defineConfig } from 'vitest/config';

const ALL = [
  'module-load.test.ts', 'config.test.ts', 'journal.test.ts', 'specs.test.ts', 'stats.test.ts',
  'format.test.ts', 'report.test.ts', 'compare.test.ts', 'sweep-plan.test.ts', 'sweep-report.test.ts',
];

export default defineConfig({
  test: {
    include: (process.env.MUTATION_TESTS?.split(',') ?? ALL).map((f) => `tests/${f.trim()}`),
    // compare.test.ts skips its CLI runs (child processes) under this variable.
    env: { OPTBENCH_MUTATION: '1' },
    setupFiles: ['src/platform/node.ts'],
    testTimeout: 60_000,
  },
});
