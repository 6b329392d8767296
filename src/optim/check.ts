// The checks every optimizer spec must pass, for the test suite (on every registered
// optimizer) and for `--check-optimizer FILE` alike: the same code, so a spec that passes
// here passes the suite. In order, each stage stopping the ones after it when it fails:
//   fields       every field present and typed, names usable in WGSL, ranges well-formed
//                with the default inside (validate.ts);
//   assignments  the rule assigns `p` and each of its slots (a slot never written stays 0);
//   compile      the generated kernel compiles, for every set of slots the cases store;
//                errors point at the spec's own lines (check-compile.ts);
//   reference    the fused kernel against the spec's TypeScript reference over 25 steps
//                with gradients that include negatives, zeros, +-1e-30 and +-1e4, at the
//                defaults, with each switch flipped, each optional slot on and off, with L2
//                and with the state reset every step: every value finite and within
//                tolerance (check-reference.ts).
// The fields come first for every spec; the other stages are SPEC_CHECKS. A new kind of
// spec adds stages of its own there, each saying which specs it applies to, and keeps the
// stages above from applying where they do not fit.
import { GpuDeviceLostError, GpuValidationError, ShaderCompileError } from '../kernels/errors.ts';
import type { Gpu } from '../kernels/gpu.ts';
import { compileProblems, placeOf, type CompileProblem } from './check-compile.ts';
import { CHECK_STEPS, compareWithReference, describeMismatch, type SlotStats } from './check-reference.ts';
import { getOptimizer, listOptimizers, registerOptimizer } from './registry.ts';
import { activeSlots, HyperparameterError, resolveHyper, type OptimizerSpec } from './spec.ts';
import { checkAgainstReference } from './tensor-check.ts';
import { validateSpec } from './validate.ts';

/** One trial of the reference check. */
export interface CheckCase {
  label: string;
  hyper?: Record<string, number>;
  l2?: number;
  resetEveryStep?: boolean;
}

export interface CheckOptions {
  /** The trials compared with the reference (default: defaultCases(spec)). */
  cases?: CheckCase[];
  steps?: number;
  /** The spec's file, so compile errors name its lines. */
  file?: string;
  /** How to show that file (default: as given). */
  shownFile?: string;
}

export interface CheckReport {
  optimizer: string;
  /** The spec's file, as shown (CheckOptions.shownFile or file), or null. */
  file: string | null;
  passed: boolean;
  steps: number;
  cases: string[];
  /** `p`, then each slot, each at its worst over the cases; empty when the kernel did not run. */
  slots: SlotStats[];
  /** Why it failed, one line each. */
  problems: string[];
  /** The compiler's errors, placed in the spec. */
  compile: CompileProblem[];
  /** The stages that ran. */
  stages: string[];
}

export interface CheckContext {
  gpu: Gpu;
  spec: OptimizerSpec;
  cases: CheckCase[];
  steps: number;
  options: CheckOptions;
  report: CheckReport;
}

export interface SpecCheck {
  name: string;
  applies(spec: OptimizerSpec): boolean;
  /** Adds findings to ctx.report; returns false to stop the stages after it. */
  run(ctx: CheckContext): Promise<boolean> | boolean;
}

/** Whether a hyperparameter's range admits the value. */
function accepted(spec: OptimizerSpec, k: string, v: number): boolean {
  try {
    resolveHyper(spec, { [k]: v });
    return true;
  } catch {
    return false;
  }
}

/** The cases the check trains: the defaults; each switch flipped; each hyperparameter that
 * turns a slot on or off (`when`) set the other way; L2 (lambda 0.7); the state reset every
 * step (step 1's bias corrections every time). */
export function defaultCases(spec: OptimizerSpec): CheckCase[] {
  const cases: CheckCase[] = [{ label: 'defaults' }];
  const toggled = new Set<string>();
  for (const [k, h] of Object.entries(spec.hyper)) {
    if (!h.flag) continue;
    cases.push({ label: `${k}=${1 - h.default}`, hyper: { [k]: 1 - h.default } });
    toggled.add(k);
  }
  for (const slot of spec.slots) {
    const k = slot.when;
    if (!k || toggled.has(k)) continue;
    toggled.add(k);
    const h = spec.hyper[k];
    const other = h.default === 0 ? [0.5, 0.9, 0.1, 1, h.max, h.min].find((v) => v !== 0 && Number.isFinite(v) && accepted(spec, k, v)) : accepted(spec, k, 0) ? 0 : undefined;
    if (other !== undefined) cases.push({ label: `${k}=${other}`, hyper: { [k]: other } });
  }
  cases.push({ label: 'L2 lambda 0.7', l2: 0.7 }, { label: 'state reset every step', resetEveryStep: true });
  return cases;
}

/** Whether the rule's text assigns `name` (`name = ...`, `name += ...`, not `==`). */
export function assigns(wgsl: string, name: string): boolean {
  return new RegExp(`(^|[^\\w.])${name}\\s*[-+*/]?=(?!=)`, 'm').test(wgsl);
}

const isElementwise = (spec: OptimizerSpec) => typeof spec.wgsl === 'string';
/** A spec with per-tensor steps or evaluated parameters (tensor-spec.ts): its per-element
 * rule covers only what no step claims, so its reference stage is tensor-check.ts's. */
const hasTensorParts = (spec: OptimizerSpec) => Boolean(spec.tensorStep || spec.evaluate);

export const SPEC_CHECKS: SpecCheck[] = [
  {
    name: 'assignments',
    applies: isElementwise,
    run({ spec, report }) {
      for (const name of ['p', ...spec.slots.map((s) => s.name)]) {
        if (!assigns(spec.wgsl, name)) report.problems.push(`its wgsl never assigns ${name === 'p' ? 'the parameter p' : `slot '${name}' (its state would stay 0)`}`);
      }
      return report.problems.length === 0;
    },
  },
  {
    name: 'compile',
    applies: isElementwise,
    async run({ gpu, spec, cases, options, report }) {
      const variants = new Map(cases.map((c) => {
        const slots = activeSlots(spec, resolveHyper(spec, c.hyper));
        return [slots.map((s) => s.name).join(','), slots] as const;
      }));
      for (const slots of variants.values()) {
        report.compile = await compileProblems(gpu, spec, slots, options.file);
        if (report.compile.length) {
          report.problems.push(...report.compile.map((p) => `its wgsl does not compile: ${placeOf(p, report.file ?? undefined)}: ${p.message}`));
          return false;
        }
      }
      return true;
    },
  },
  {
    name: 'reference',
    applies: (spec) => isElementwise(spec) && !hasTensorParts(spec),
    async run({ gpu, spec, cases, steps, report }) {
      if (!listOptimizers().includes(spec.name)) registerOptimizer(spec);
      if (getOptimizer(spec.name) !== spec) {
        report.problems.push(`another optimizer named '${spec.name}' is registered; the check runs the registered one by name`);
        return false;
      }
      let outcomes;
      try {
        outcomes = await compareWithReference(gpu, cases.map((c) => ({ label: c.label, config: { optimizer: spec.name, hyper: c.hyper, l2: c.l2, resetEveryStep: c.resetEveryStep } })), steps);
      } catch (e) {
        // The spec's own code (reference, perStep) threw: a finding, not a crash of the checker.
        if (e instanceof ShaderCompileError || e instanceof GpuValidationError || e instanceof GpuDeviceLostError) throw e;
        report.problems.push(String((e as Error)?.message ?? e));
        return false;
      }
      report.slots = mergeSlots(['p', ...spec.slots.map((s) => s.name)], outcomes.flatMap((o) => o.slots));
      for (const s of report.slots) {
        if (s.failures) report.problems.push(`${s.failures} of ${s.values} values of ${s.slot} fail; the first: ${describeMismatch(s.slot, s.firstFailure!)}`);
      }
      return report.problems.length === 0;
    },
  },
  {
    // Every parameter (the tensor step's, or the per-element rule's where no step claims
    // it), every slot and the evaluated parameters, on tall, wide and square matrices, at the
    // defaults, with L2 and with the state reset every step.
    name: 'tensor reference',
    applies: hasTensorParts,
    async run({ gpu, spec, steps, report }) {
      let r;
      try {
        r = await checkAgainstReference(gpu, spec, { steps });
      } catch (e) {
        if (e instanceof ShaderCompileError || e instanceof GpuValidationError || e instanceof GpuDeviceLostError) throw e;
        report.problems.push(String((e as Error)?.message ?? e));
        return false;
      }
      // tensor-check's configurations, not defaultCases'; its errors are relative to each
      // step's change (a matrix step's tolerance), so only the ratio to tolerance is shown.
      report.cases = ['defaults', 'L2 lambda 0.7', 'state reset every step'];
      report.slots = Object.entries(r.worst).map(([slot, worstRatio]) => ({ slot, maxRelError: NaN, worstRatio, values: 0, failures: 0, firstFailure: null }));
      report.problems.push(...r.failures);
      return r.pass;
    },
  },
];

/** Per slot name (in `order`), the worst of its statistics over the cases. */
export function mergeSlots(order: string[], all: SlotStats[]): SlotStats[] {
  return order.flatMap((slot) => {
    const mine = all.filter((s) => s.slot === slot);
    if (mine.length === 0) return [];
    return [{
      slot,
      maxRelError: Math.max(...mine.map((s) => s.maxRelError)),
      worstRatio: Math.max(...mine.map((s) => s.worstRatio)),
      values: mine.reduce((a, s) => a + s.values, 0),
      failures: mine.reduce((a, s) => a + s.failures, 0),
      firstFailure: mine.find((s) => s.firstFailure)?.firstFailure ?? null,
    }];
  });
}

/** Checks the spec's fields (validate.ts: every later stage needs them right), then runs
 * every stage of SPEC_CHECKS that applies to it, registering the spec for the reference
 * stage if it is not registered yet. Compile errors and mismatches are findings in the
 * report, not exceptions. */
export async function checkOptimizer(gpu: Gpu, spec: OptimizerSpec, options: CheckOptions = {}): Promise<CheckReport> {
  const steps = options.steps ?? CHECK_STEPS;
  const report: CheckReport = { optimizer: String(spec?.name), file: options.shownFile ?? options.file ?? null, passed: false, steps, cases: [], slots: [], problems: [], compile: [], stages: ['fields'] };
  try {
    validateSpec(spec, report.file ?? 'optimizer spec');
  } catch (e) {
    if (!(e instanceof HyperparameterError)) throw e;
    report.problems.push(e.message);
    return report;
  }
  const cases = options.cases ?? defaultCases(spec);
  report.cases = cases.map((c) => c.label);
  for (const stage of SPEC_CHECKS) {
    if (!stage.applies(spec)) continue;
    report.stages.push(stage.name);
    if (!(await stage.run({ gpu, spec, cases, steps, options, report }))) break;
  }
  report.passed = report.problems.length === 0;
  return report;
}
