// The optimizer checker (src/optim/check.ts), which `--check-optimizer` runs on a user's
// spec: every registered optimizer passes it, and each kind of mistake a spec can hold is
// caught by the stage meant for it, with a message that says where.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assigns, checkOptimizer, defaultCases } from '../src/optim/check.ts';
import { compileProblems, mapToWgslLine, placeOf, wgslOffsetInFile } from '../src/optim/check-compile.ts';
import { formatCheckReport } from '../src/optim/check-format.ts';
import { checkGradients } from '../src/optim/check-reference.ts';
import { optimizerSource } from '../src/optim/codegen.ts';
import { getOptimizer, listOptimizers } from '../src/optim/registry.ts';
import type { OptimizerSpec } from '../src/optim/spec.ts';
import { useGpu } from './helpers/gpu.ts';
import { useTempDirs } from './helpers/temp.ts';

const gpu = useGpu();
const tempDir = useTempDirs('check');

// A small Adam-like rule to plant mistakes in.
const base: OptimizerSpec = {
  name: 'check-base',
  description: 'momentum SGD with a normalized step, for the checker tests',
  slots: [{ name: 'm' }],
  hyper: { lr: { default: 0.01, min: 0, max: 1, minExclusive: true, doc: 'learning rate' }, beta: { default: 0.9, min: 0, max: 1, maxExclusive: true, doc: 'momentum decay' } },
  perStep: (h, t) => ({ bc: 1 - h.beta ** t }),
  wgsl: `
    m = beta * m + (1.0 - beta) * g;
    p = p - lr * (m / bc);`,
  reference(p, g, s, h, d) {
    s.m = h.beta * s.m + (1 - h.beta) * g;
    return p - h.lr * (s.m / d.bc);
  },
};

describe('every registered optimizer passes the checks', () => {
  for (const name of listOptimizers()) {
    it(`${name}: fields, assignments, compile, 25 steps against its reference`, async () => {
      const spec = getOptimizer(name);
      const report = await checkOptimizer(gpu(), spec);
      expect(report.problems, formatCheckReport(report)).toEqual([]);
      expect(report.passed).toBe(true);
      if (spec.tensorStep || spec.evaluate) {
        // Per-tensor steps or evaluated parameters: tensor-check.ts's comparison instead of the
        // per-element one, each kind of value within its tolerance.
        expect(report.stages).toEqual(['fields', 'assignments', 'compile', 'tensor reference']);
        expect(report.slots.length).toBeGreaterThan(0);
        for (const s of report.slots) expect(s.worstRatio, s.slot).toBeLessThanOrEqual(1);
        return;
      }
      expect(report.stages).toEqual(['fields', 'assignments', 'compile', 'reference']);
      expect(report.cases).toEqual(defaultCases(spec).map((c) => c.label));
      // p and every slot, each compared at every step of some case.
      expect(report.slots.map((s) => s.slot)).toEqual(['p', ...spec.slots.map((s) => s.name)]);
      for (const s of report.slots) {
        expect(s.values).toBeGreaterThanOrEqual(25 * 52);
        expect(s.worstRatio).toBeLessThanOrEqual(1);
        expect(s.maxRelError).toBeLessThan(1e-3);
      }
    });
  }
});

describe('the cases the checker trains', () => {
  it('defaults, each switch flipped, each optional slot turned the other way, L2, reset every step', () => {
    expect(defaultCases(getOptimizer('sgd'))).toEqual([
      { label: 'defaults' },
      { label: 'nesterov=1', hyper: { nesterov: 1 } },
      { label: 'momentum=0', hyper: { momentum: 0 } },
      { label: 'L2 lambda 0.7', l2: 0.7 },
      { label: 'state reset every step', resetEveryStep: true },
    ]);
    // centered is a switch and gates a slot: flipped once; momentum (default 0) gets a value.
    expect(defaultCases(getOptimizer('rmsprop')).map((c) => c.label)).toEqual(['defaults', 'centered=1', 'keras=1', 'momentum=0.5', 'L2 lambda 0.7', 'state reset every step']);
    expect(defaultCases(getOptimizer('adam')).map((c) => c.label)).toEqual(['defaults', 'keras=1', 'L2 lambda 0.7', 'state reset every step']);
  });

  it('gradients hold negatives, zeros, +-1e-30 and +-1e4 at every step', () => {
    for (const step of [1, 7, 25]) {
      const g = Array.from(checkGradients(52, step));
      for (const v of [0, 1e-30, -1e-30, 1e4, -1e4]) expect(g, `step ${step}`).toContain(Math.fround(v));
      expect(g.some((v) => v < 0 && v > -1)).toBe(true);
    }
    expect(Array.from(checkGradients(52, 1))).not.toEqual(Array.from(checkGradients(52, 2)));
  });
});

describe('mistakes the checker catches', () => {
  it('a rule whose kernel and reference disagree: the parameter fails, with the first value that does', async () => {
    const spec = { ...base, name: 'check-wrong-sign', wgsl: base.wgsl.replace('p = p - lr', 'p = p + lr') };
    const r = await checkOptimizer(gpu(), spec);
    expect(r.passed).toBe(false);
    const p = r.slots.find((s) => s.slot === 'p')!;
    expect(p.failures).toBeGreaterThan(0.9 * p.values);
    expect(r.slots.find((s) => s.slot === 'm')!.failures).toBe(0);
    expect(r.problems[0]).toMatch(/^\d+ of \d+ values of p fail; the first: p at step 1, element \d+ \(case defaults, g = .*\): kernel .*, reference .*: error .*, tolerance .*$/);
    expect(formatCheckReport(r)).toMatch(/\nFAIL check-wrong-sign: /);
  });

  it('a slot updated differently from its reference fails that slot', async () => {
    const spec = { ...base, name: 'check-wrong-slot', wgsl: base.wgsl.replace('(1.0 - beta) * g', '(1.0 - beta) * g * 1.001') };
    const r = await checkOptimizer(gpu(), spec);
    expect(r.passed).toBe(false);
    expect(r.slots.find((s) => s.slot === 'm')!.failures).toBeGreaterThan(0);
    expect(r.problems.some((l) => l.includes('values of m fail'))).toBe(true);
  });

  it('a value that is not finite fails, whichever side gives it', async () => {
    // Division by a runtime zero: infinite in the reference, and on IEEE hardware in the kernel.
    const spec = { ...base, name: 'check-infinite', wgsl: `${base.wgsl}\n    p = p / select(1.0, 0.0, lr > 0.0);`, reference: (p: number, g: number, s: Record<string, number>, h: Record<string, number>, d: Record<string, number>) => base.reference(p, g, s, h, d) / 0 };
    const r = await checkOptimizer(gpu(), spec);
    expect(r.passed).toBe(false);
    expect(r.problems[0]).toMatch(/gives (-?Infinity|NaN)/);
    expect(r.slots[0].maxRelError).toBe(Infinity);
  });

  it('a slot the rule never assigns, and a rule that never assigns p: refused before the GPU', async () => {
    const spec = { ...base, name: 'check-unassigned', slots: [{ name: 'm' }, { name: 'acc' }] };
    const r = await checkOptimizer(gpu(), spec);
    expect(r.stages).toEqual(['fields', 'assignments']);
    expect(r.problems).toEqual(["its wgsl never assigns slot 'acc' (its state would stay 0)"]);
    const r2 = await checkOptimizer(gpu(), { ...base, name: 'check-no-p', wgsl: 'm = beta * m + (1.0 - beta) * g;' });
    expect(r2.problems).toEqual(['its wgsl never assigns the parameter p']);
  });

  it('assignments are read from the text: =, +=, -=, *=, /=, not == or <=', () => {
    expect(assigns('p = p - g;', 'p')).toBe(true);
    expect(assigns('  p -= lr * g;', 'p')).toBe(true);
    expect(assigns('if (x) { m*=2.0; }', 'm')).toBe(true);
    expect(assigns('let q = select(0.0, 1.0, p == 0.0);', 'p')).toBe(false);
    expect(assigns('if (m <= 1.0) { p = 1.0; }', 'm')).toBe(false);
    expect(assigns('mm = 1.0; x.m = 2.0;', 'm')).toBe(false);
  });

  it("the spec's own code throwing is a finding, not a crash", async () => {
    const throwing = { ...base, name: 'check-throws', reference: (p: number, g: number, s: Record<string, number>, h: Record<string, number>, d: Record<string, number>) => {
      if (d.bc < 0.25) throw new Error('boom');
      return base.reference(p, g, s, h, d);
    } };
    // bc = 1 - 0.9^t: below 0.25 only at t = 1, 2.
    const r = await checkOptimizer(gpu(), throwing);
    expect(r.passed).toBe(false);
    expect(r.problems).toEqual(["check-throws's reference threw at step 1, element 0 (case defaults): boom"]);
    const late = { ...base, name: 'check-late-perstep', perStep: (h: Record<string, number>, t: number) => {
      if (t === 4) throw new Error('no step 4');
      return { bc: 1 - h.beta ** t };
    } };
    const r2 = await checkOptimizer(gpu(), late);
    expect(r2.problems).toEqual(['perStep threw at step 4: no step 4']);
    const early = await checkOptimizer(gpu(), { ...base, name: 'check-early-perstep', perStep: () => { throw new Error('never'); } });
    expect(early.problems).toEqual(["optimizer spec: optimizer 'check-early-perstep': perStep(defaults, 1) threw never"]);
  });

  it('a missing or mistyped field: one line, nothing else runs', async () => {
    const { reference: _, ...noReference } = base;
    const r = await checkOptimizer(gpu(), noReference as OptimizerSpec);
    expect(r.stages).toEqual(['fields']);
    expect(r.problems).toEqual(["optimizer spec: optimizer 'check-base' lacks 'reference': the same rule in TypeScript, (p, g, state, hyper, perStep) => new p"]);
  });

  it('a WGSL error names the line and column of the spec\'s own text, and of its file when the file holds it', async () => {
    const spec = { ...base, name: 'check-typo', wgsl: '\n    m = beta * m + (1.0 - beta) * g;\n\n      p = p - lr * (m / bcc);' };
    const dir = tempDir();
    const file = join(dir, 'typo.ts');
    writeFileSync(file, `// a spec file\nexport default {\n  name: 'check-typo',\n  wgsl: \`${spec.wgsl}\`,\n};\n`);
    const r = await checkOptimizer(gpu(), spec, { file, shownFile: 'typo.ts' });
    expect(r.passed).toBe(false);
    expect(r.stages).toEqual(['fields', 'assignments', 'compile']);
    expect(r.compile).toHaveLength(1);
    const [c] = r.compile;
    // Line 4 of the text (line 1 is the empty rest of the first line), column of 'bcc'.
    expect([c.wgslLine, c.column, c.fileLine, c.text]).toEqual([4, 25, 7, 'p = p - lr * (m / bcc);']);
    expect(c.message).toContain('bcc');
    expect(r.problems).toEqual([`its wgsl does not compile: typo.ts:7:25 (line 4:25 of its wgsl): ${c.message}`]);
    const shown = formatCheckReport(r);
    expect(shown).toContain(`  typo.ts:7:25 (line 4:25 of its wgsl): ${c.message}\n      p = p - lr * (m / bcc);\n                        ^\n`);
    // No file: the line of the text alone.
    const [alone] = await compileProblems(gpu(), spec, spec.slots);
    expect(placeOf(alone)).toBe('line 4:25 of its wgsl');
  });

  it("a name that clashes with one the kernel declares points at the generated kernel's line", async () => {
    const spec = { ...base, name: 'check-clash', hyper: { ...base.hyper, n4: { default: 1, min: 0, max: 2, doc: 'a name the template uses' } } };
    const [c] = await compileProblems(gpu(), spec, spec.slots);
    expect(c.wgslLine).toBeNull();
    expect(c.generatedLine).toBeGreaterThan(0);
    expect(optimizerSource(spec, spec.slots).split('\n')[c.generatedLine - 1]).toContain('n4');
    expect(placeOf(c)).toBe(`line ${c.generatedLine} of the generated kernel (not of its wgsl text: a name it declares may clash with the kernel's own)`);
  });
});

describe('specs with per-tensor steps or evaluated parameters', () => {
  it('an evaluated-parameter reference that disagrees with its WGSL fails the tensor stage, naming it', async () => {
    const sf = getOptimizer('sf-adamw');
    const wrong: OptimizerSpec = { ...sf, name: 'check-sf-wrong', evaluate: { ...sf.evaluate!, reference: (p, st, h, d) => 1.01 * sf.evaluate!.reference(p, st, h, d) } };
    const report = await checkOptimizer(gpu(), wrong);
    expect(report.passed).toBe(false);
    expect(report.stages).toEqual(['fields', 'assignments', 'compile', 'tensor reference']);
    expect(report.problems.join('\n')).toMatch(/evaluat/);
    expect(Math.max(...report.slots.map((s) => s.worstRatio))).toBeGreaterThan(1);
    expect(formatCheckReport(report)).toMatch(/^FAIL check-sf-wrong: /m);
  });
});

describe('mapping generated lines back to the spec', () => {
  const wgsl = '\n  let a = 1.0;\n\n    p = p + a * g;\n  m = g;';
  // As codegen lays it out: template lines, then the rule's non-blank lines re-indented, per component.
  const block = (c: string) => [`    {`, `      var p = p4.${c};`, '      let a = 1.0;', '        p = p + a * g;', '      m = g;', `      p4.${c} = p;`, '    }'];
  const generated = ['fn main() {', '  let x = 0u;', ...['x', 'y', 'z', 'w'].flatMap(block), '}'].join('\n');

  it('a line inside any copy of the rule maps to the same line of the text, columns shifted by the indentation', () => {
    // Copy 1 starts at generated line 3; its 'p = p + a * g;' is line 6; copy 3's is line 20.
    expect(mapToWgslLine(generated, wgsl, 6, 13)).toEqual({ line: 4, column: 9 });
    expect(mapToWgslLine(generated, wgsl, 20, 13)).toEqual({ line: 4, column: 9 });
    expect(mapToWgslLine(generated, wgsl, 5, 7)).toEqual({ line: 2, column: 3 });
    expect(mapToWgslLine(generated, wgsl, 7, 7)).toEqual({ line: 5, column: 3 });
  });

  it("a template line is not the spec's", () => {
    expect(mapToWgslLine(generated, wgsl, 2, 3)).toBeNull();
    expect(mapToWgslLine(generated, wgsl, 4, 3)).toBeNull();
    expect(mapToWgslLine(generated, wgsl, 8, 3)).toBeNull();
  });

  it("the text's first line in a file: only where the file holds it once, verbatim", () => {
    const dir = tempDir();
    const f = join(dir, 's.ts');
    writeFileSync(f, `a\nb\nconst w = \`${wgsl}\`;\n`);
    expect(wgslOffsetInFile(f, wgsl)).toBe(3);
    writeFileSync(f, `const w = \`${wgsl}\`;\nconst v = \`${wgsl}\`;\n`);
    expect(wgslOffsetInFile(f, wgsl)).toBeNull();
    expect(wgslOffsetInFile(join(dir, 'none.ts'), wgsl)).toBeNull();
    expect(wgslOffsetInFile(undefined, wgsl)).toBeNull();
  });
});
