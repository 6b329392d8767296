// `--check-optimizer FILE...`: the checks the test suite runs on every built-in optimizer
// (src/optim/check.ts), on the specs of a user's files (or registered optimizers by name).
// A file that cannot be loaded, a spec with a missing field or a name that clashes is one
// line and exit code 2 before the GPU is opened; then each optimizer's report, and exit
// code 0 when all pass, 1 when one fails (a WGSL compile error included).
import { existsSync } from 'node:fs';
import { BACKENDS, type BackendName } from '../kernels/device.ts';
import { GpuUnavailableError } from '../kernels/errors.ts';
import { Gpu } from '../kernels/gpu.ts';
import { checkOptimizer } from '../optim/check.ts';
import { formatCheckReport } from '../optim/check-format.ts';
import { OptimizerFileError, readOptimizerFiles, shownPath, type OptimizerSource } from './optimizer-loader.ts';
import { getOptimizer, listOptimizers, registerOptimizer } from '../optim/registry.ts';
import { HyperparameterError, type OptimizerSpec } from '../optim/spec.ts';

/** What may come with --check-optimizer. */
export const CHECK_FLAGS = new Set(['check-optimizer', 'backend', 'verbose']);

export interface CheckCommandIo {
  out: (s: string) => void;
  /** One line of bad input, then exit with the code. */
  fail: (message: string, code?: number) => never;
}

/** Runs the checks and returns the exit code (0 all pass, 1 one fails). */
export async function checkCommand(targets: string[], backend: BackendName | undefined, io: CheckCommandIo): Promise<number> {
  if (targets.length === 0) io.fail('--check-optimizer needs a spec file or folder (e.g. --check-optimizer ./lion.ts)');
  if (backend && !BACKENDS.includes(backend)) io.fail(`unknown backend '${backend}' (known: ${BACKENDS.join(', ')})`);
  const items: Array<{ spec: OptimizerSpec; source: OptimizerSource | null }> = [];
  try {
    // A registered optimizer may be named instead of a file (its report, as the suite sees it).
    const names = targets.filter((t) => !existsSync(t) && listOptimizers().includes(t));
    const files = await readOptimizerFiles(targets.filter((t) => !names.includes(t)));
    for (const f of files) for (const spec of f.specs) items.push({ spec, source: f.source });
    for (const n of names) items.push({ spec: getOptimizer(n), source: null });
  } catch (e) {
    if (e instanceof OptimizerFileError || e instanceof HyperparameterError) io.fail(e.message);
    throw e;
  }
  for (const { spec } of items) if (!listOptimizers().includes(spec.name)) registerOptimizer(spec);
  let gpu: Gpu;
  try {
    gpu = await Gpu.open({ backend: backend === 'auto' ? undefined : backend });
  } catch (e) {
    if (e instanceof GpuUnavailableError) io.fail(e.message, 3);
    throw e;
  }
  process.stderr.write(`adapter: ${gpu.describe()}\n`);
  try {
    let failed = 0;
    for (const { spec, source } of items) {
      const shown = source ? shownPath(source.path) : undefined;
      const report = await checkOptimizer(gpu, spec, { file: source?.path, shownFile: shown });
      io.out(`${formatCheckReport(report, source?.sha256)}\n\n`);
      if (!report.passed) failed++;
    }
    if (items.length > 1) io.out(`${items.length - failed} of ${items.length} optimizers pass${failed ? `; ${failed} fail` : ''}\n`);
    return failed ? 1 : 0;
  } finally {
    gpu.destroy();
  }
}
