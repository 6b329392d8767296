// What a study's optimizers need beyond the fused per-element update: the matmuls of their
// tensor steps (Muon's Newton-Schulz products), which the tuner measures like the training
// step's, and their scratch memory per trial, which sizes the groups.
import type { TunedShape } from '../../kernels/matmul.ts';
import { mlpParamSpecs } from '../../nn/mlp.ts';
import { getOptimizer } from '../../optim/registry.ts';
import { buildProgram, claimedParams, programMatmulShapes, tempSpans, tensorStepBytes } from '../../optim/tensor-program.ts';

/** The tensor-step products of `count` trials of `optimizer` in one group (none for an
 * element-wise optimizer). A group's trials of one optimizer form one batch. */
function optimizerMatmulShapes(optimizer: string, sizes: readonly number[], count: number): TunedShape[] {
  const spec = getOptimizer(optimizer);
  return programMatmulShapes(claimedParams(spec, mlpParamSpecs(sizes)).map((p) => buildProgram(spec, p)), count);
}

/** Each distinct tensor-step product of `optimizer` on the MLP, labeled by its step and
 * parameter (`muon ns_gram W1`), for bench:kernels' table. */
export function labeledOptimizerShapes(optimizer: string, sizes: readonly number[], trials: number): Array<{ label: string; shape: TunedShape }> {
  const spec = getOptimizer(optimizer);
  const out = new Map<string, { label: string; shape: TunedShape }>();
  for (const p of claimedParams(spec, mlpParamSpecs(sizes))) {
    const program = buildProgram(spec, p);
    program.ops.forEach((o) => {
      if (o.kind !== 'matmul') return;
      const [shape] = programMatmulShapes([{ ...program, ops: [o] }], trials);
      const key = `${o.form}:${o.M}x${o.N}x${o.K}`;
      if (!out.has(key)) out.set(key, { label: `${optimizer} ${o.label} ${p.name}`, shape });
    });
  }
  return [...out.values()];
}

/** The products every group of `groups` (each a list of its trials' optimizers) runs. */
export function groupsMatmulShapes(sizes: readonly number[], groups: ReadonlyArray<ReadonlyArray<{ optimizer: string }>>): TunedShape[] {
  return groups.flatMap((trials) => {
    const counts = new Map<string, number>();
    for (const t of trials) counts.set(t.optimizer, (counts.get(t.optimizer) ?? 0) + 1);
    return [...counts].flatMap(([name, n]) => optimizerMatmulShapes(name, sizes, n));
  });
}

/** Per trial, the bytes the largest of the optimizers' scratch buffers adds to one buffer
 * (binding limits) and what their scratch and evaluation copies add in all (memory). */
export function optimizerScratch(optimizers: readonly string[], sizes: readonly number[]): { largestBuffer: number; total: number; what: string } {
  const params = mlpParamSpecs(sizes);
  let largestBuffer = 0, scratch = 0, what = '';
  for (const name of optimizers) {
    const spec = getOptimizer(name);
    const spans = tempSpans(claimedParams(spec, params).map((p) => buildProgram(spec, p)));
    for (const [temp, span] of spans) {
      if (4 * span > largestBuffer) [largestBuffer, what] = [4 * span, `${name}'s scratch ${temp} (${span} floats)`];
    }
    scratch = Math.max(scratch, tensorStepBytes(spec, params));
  }
  // Where some trial is evaluated elsewhere, the group's whole arena is copied aside first.
  const arena = params.reduce((n, p) => n + Math.ceil(p.shape.reduce((a, b) => a * b, 1) / 4) * 4, 0);
  const copy = optimizers.some((name) => getOptimizer(name).evaluate) ? 4 * arena : 0;
  return { largestBuffer, total: scratch + copy, what };
}
