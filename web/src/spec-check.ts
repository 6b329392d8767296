// Checks a pasted optimizer spec before it trains, with the same checker as
// `--check-optimizer` and the test suite (src/optim/check.ts): its fields, its generated
// kernel compiling, and the fused kernel against the spec's own TypeScript reference over 25
// steps in every case the checker trains (defaults, each switch, L2, state reset). The page
// shows one line: what passed, or the first thing that failed and where.
import type { Gpu } from '../../src/kernels/gpu.ts';
import { checkOptimizer } from '../../src/optim/check.ts';
import type { OptimizerSpec } from '../../src/optim/spec.ts';

export interface SpecCheck {
  ok: boolean;
  /** One line: what passed, or the first thing that failed and where. */
  message: string;
  /** Largest error relative to the tolerance of the parameter and of each slot (<= 1 passes). */
  worst: Record<string, number>;
}

/** Runs the checker on a spec (registered under its name, as the checker runs it by name). */
export async function checkSpecOnGpu(gpu: Gpu, spec: OptimizerSpec): Promise<SpecCheck> {
  const r = await checkOptimizer(gpu, spec);
  const worst = Object.fromEntries(r.slots.map((s) => [s.slot, s.worstRatio]));
  if (!r.passed) {
    // Of the slots that disagree, the one that does so first: where the mistake shows (a
    // wrong state slot makes the parameter wrong only a step later).
    const first = r.slots.filter((s) => s.firstFailure).sort((a, b) => a.firstFailure!.step - b.firstFailure!.step)[0];
    const line = first ? r.problems.find((p) => p.startsWith(`${first.failures} of ${first.values} values of ${first.slot} fail`)) : undefined;
    return { ok: false, message: line ?? r.problems[0] ?? 'the check failed', worst };
  }
  const summary = r.slots.map((s) => `${s.slot} ${s.worstRatio.toFixed(2)}`).join(', ');
  return { ok: true, message: `kernel and reference agree over ${r.steps} steps in ${r.cases.length} cases (largest error / tolerance: ${summary})`, worst };
}
