// The tests Stryker runs against each mutant (npm run test:mutation, stryker.config.json):
// the host-only files that cover the mutated modules. No GPU, no child processes (a CLI
// run in a child would not see the mutant), so each mutant costs well under a second.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'tests/module-load.test.ts',
      'tests/config.test.ts',
      'tests/journal.test.ts',
      'tests/specs.test.ts',
      'tests/stats.test.ts',
      'tests/report.test.ts',
      'tests/compare.test.ts',
      'tests/sweep-plan.test.ts',
      'tests/sweep-report.test.ts',
    ],
    // compare.test.ts skips its CLI runs (child processes) under this variable.
    env: { OPTBENCH_MUTATION: '1' },
    testTimeout: 60_000,
  },
});
