// Optimizer specs from a user's files (src/bench/optimizer-loader.ts) and the check of their shape
// (src/optim/validate.ts): what is loaded, what is refused, and that a refusal is one line
// that names the file and the field, with nothing registered.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandSpecPaths, loadOptimizerFiles, readOptimizerFiles, sha256File, shownPath } from '../src/bench/optimizer-loader.ts';
import { getOptimizer, listOptimizers, registerOptimizer } from '../src/optim/registry.ts';
import { HyperparameterError, type OptimizerSpec } from '../src/optim/spec.ts';
import { looksLikeSpec, validateSpec } from '../src/optim/validate.ts';
import { useTempDirs } from './helpers/temp.ts';

const tempDir = useTempDirs('loader');

/** The text of a spec named `name` (a sign-descent rule), as a user writes it. */
const specText = (name: string, extra = '') => `{
  name: '${name}',
  description: 'sign descent',
  slots: [],
  hyper: { lr: { default: 0.01, min: 0, max: 1, minExclusive: true, doc: 'learning rate' } },${extra}
  wgsl: 'p = p - lr * sign(g);',
  reference: (p, g, _s, h) => p - h.lr * Math.sign(g),
}`;

/** A folder of files (name -> text) with an ES-module package.json, as a user's project. */
function project(files: Record<string, string>): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('validateSpec: a complete, consistent spec or one line saying what is wrong', () => {
  const good: OptimizerSpec = {
    name: 'valid',
    description: 'x',
    slots: [{ name: 'm', when: 'beta' }],
    hyper: { lr: { default: 0.1, min: 0, max: 1, minExclusive: true, doc: 'learning rate' }, beta: { default: 0, min: 0, max: 1, doc: 'decay' }, on: { default: 0, min: 0, max: 1, flag: true, doc: 'a switch' } },
    perStep: (h, t) => ({ c: h.beta ** t }),
    wgsl: 'm = g; p = p - lr * m;',
    reference: (p, g, s, h) => p - h.lr * g,
  };

  it('accepts a good spec', () => {
    expect(() => validateSpec(good, 'f.ts')).not.toThrow();
    expect(() => validateSpec({ ...good, perStep: undefined }, 'f.ts')).not.toThrow();
  });

  const bad: Array<[string, unknown, string]> = [
    ['not an object', 42, 'f.ts: an optimizer spec must be an object'],
    ['no name', { ...good, name: undefined }, "f.ts: the optimizer spec: 'name' must be a lower-case name, e.g. 'lion', got nothing"],
    ['no reference', (({ reference: _, ...r }) => r)(good), "f.ts: optimizer 'valid' lacks 'reference': the same rule in TypeScript, (p, g, state, hyper, perStep) => new p"],
    ['no wgsl', (({ wgsl: _, ...r }) => r)(good), "f.ts: optimizer 'valid' lacks 'wgsl': the per-element rule in WGSL, assigning p and each slot"],
    ['no slots', (({ slots: _, ...r }) => r)(good), "f.ts: optimizer 'valid' lacks 'slots'"],
    ['a typo in a field name', { ...good, perstep: good.perStep }, "f.ts: optimizer 'valid' has an unknown field 'perstep' (fields: name, description, slots, hyper, perStep, wgsl, reference, tensorStep, evaluate)"],
    ['reference not a function', { ...good, reference: 'p - lr * g' }, "f.ts: optimizer 'valid': 'reference' must be the same rule in TypeScript, (p, g, state, hyper, perStep) => new p, got \"p - lr * g\""],
    ['empty wgsl', { ...good, wgsl: '  ' }, "'wgsl' must be the per-element rule in WGSL"],
    ['empty description', { ...good, description: '' }, "'description' must be one line saying what the rule is"],
    ['slots not a list', { ...good, slots: { name: 'm' } }, "'slots' must be the per-parameter state"],
    ['a slot without a name', { ...good, slots: ['m'] }, "f.ts: optimizer 'valid': slots[0] must be { name: 'm' } (optionally with when: 'hyperparameter'), got \"m\""],
    ['hyper not an object', { ...good, hyper: [] }, "'hyper' must be the hyperparameters"],
    ['a range without max', { ...good, hyper: { lr: { default: 0.1, min: 0, doc: 'lr' } } }, "f.ts: optimizer 'valid': hyperparameter 'lr': 'max' must be a number, got nothing"],
    ['a range without doc', { ...good, hyper: { lr: { default: 0.1, min: 0, max: 1 } } }, "hyperparameter 'lr': 'doc' must say what it is"],
    ['an empty range', { ...good, hyper: { lr: { default: 0.1, min: 1, max: 0, doc: 'lr' } } }, "f.ts: optimizer 'valid': hyperparameter 'lr': its range [1, 0] holds no value"],
    ['an empty exclusive range', { ...good, hyper: { lr: { default: 0.5, min: 0.5, max: 0.5, maxExclusive: true, doc: 'lr' } } }, 'its range [0.5, 0.5] holds no value'],
    ['a switch over another range', { ...good, hyper: { on: { default: 0, min: 0, max: 2, flag: true, doc: 'x' } } }, "hyperparameter 'on' is a switch (flag: true): its range must be min 0, max 1, both inclusive"],
    ['a typo in a range field', { ...good, hyper: { lr: { default: 0.1, min: 0, max: 1, doc: 'lr', exclusive: true } } }, "hyperparameter 'lr' has an unknown field 'exclusive'"],
    ['a default outside its range', { ...good, hyper: { lr: { default: 2, min: 0, max: 1, doc: 'lr' } } }, 'f.ts: valid: lr = 2 is outside its valid range [0, 1] (lr)'],
    ['a reserved name', { ...good, slots: [{ name: 'g' }] }, "f.ts: optimizer spec 'valid': slot 'g' is not a usable WGSL name"],
    ['perStep not a function', { ...good, perStep: { c: 1 } }, "'perStep' must be (hyper, t) =>"],
  ];
  for (const [name, spec, message] of bad) {
    it(`refuses ${name}`, () => {
      expect(() => validateSpec(spec, 'f.ts')).toThrow(HyperparameterError);
      expect(() => validateSpec(spec, 'f.ts')).toThrow(message);
    });
  }

  it('tells a spec from a helper export by the fields only specs have', () => {
    expect(looksLikeSpec(good)).toBe(true);
    expect(looksLikeSpec({ name: 'x', wgsl: 'p = p;' })).toBe(true); // incomplete, so refused by validateSpec
    expect(looksLikeSpec({ lr: { default: 1 } })).toBe(false);
    expect(looksLikeSpec('lion')).toBe(false);
    expect(looksLikeSpec([good])).toBe(false);
  });
});

describe('readOptimizerFiles and loadOptimizerFiles', () => {
  it('a default export, named exports and an array, .ts and .js; hashes of the bytes; registered on load', async () => {
    const dir = project({
      'a.ts': `import type { OptimizerSpec } from 'webgpu-optbench';\nconst a: OptimizerSpec = ${specText('file-a')};\nexport default a;\nexport const helper = 3;\n`,
      'b.js': `export const b1 = ${specText('file-b1')};\nexport const more = [${specText('file-b2')}, ${specText('file-b3')}];\n`,
    });
    const files = await readOptimizerFiles([join(dir, 'a.ts'), join(dir, 'b.js')]);
    expect(files.map((f) => f.source.optimizers)).toEqual([['file-a'], ['file-b1', 'file-b2', 'file-b3']]);
    expect(files[0].source).toEqual({ path: join(dir, 'a.ts'), sha256: sha256File(join(dir, 'a.ts')), optimizers: ['file-a'] });
    expect(files[0].source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(listOptimizers()).not.toContain('file-a'); // read, not registered
    const sources = await loadOptimizerFiles([join(dir, 'a.ts'), join(dir, 'b.js')]);
    expect(sources.map((s) => s.path)).toEqual([join(dir, 'a.ts'), join(dir, 'b.js')]);
    for (const n of ['file-a', 'file-b1', 'file-b2', 'file-b3']) expect(getOptimizer(n).name).toBe(n);
    // Loading the same files again is no clash: the same objects.
    await expect(loadOptimizerFiles([join(dir, 'a.ts')])).resolves.toHaveLength(1);
  });

  it('a folder: its spec files by name, helpers skipped, not .d.ts, tests or subfolders', async () => {
    const dir = project({
      'specs/z.ts': `export default ${specText('folder-z')};\n`,
      'specs/a.mjs': `export default ${specText('folder-a')};\n`,
      'specs/helper.ts': 'export const lr = { default: 0.1, min: 0, max: 1, doc: "lr" };\n',
      'specs/types.d.ts': 'export type X = number;\n',
      'specs/z.test.ts': `export default ${specText('folder-test')};\n`,
      'specs/notes.md': '# notes\n',
      'specs/sub/deep.ts': `export default ${specText('folder-deep')};\n`,
    });
    expect(expandSpecPaths([join(dir, 'specs')]).map((p) => p.slice(dir.length + 1))).toEqual(['specs/a.mjs', 'specs/helper.ts', 'specs/z.ts']);
    const files = await readOptimizerFiles([join(dir, 'specs')]);
    expect(files.map((f) => f.source.optimizers)).toEqual([['folder-a'], ['folder-z']]);
  });

  it('a file given twice, or through its folder too, loads once', () => {
    const dir = project({ 's/x.ts': `export default ${specText('twice-x')};\n` });
    expect(expandSpecPaths([join(dir, 's/x.ts'), join(dir, 's'), join(dir, 's', '..', 's', 'x.ts')])).toEqual([join(dir, 's/x.ts')]);
  });

  it('a spec a file registered itself is no clash', async () => {
    const dir = project({ 'self.ts': `import { registerOptimizer } from '${join(process.cwd(), 'src/optim/registry.ts')}';\nconst s = ${specText('self-registered')};\nregisterOptimizer(s);\nexport default s;\n` });
    await expect(loadOptimizerFiles([join(dir, 'self.ts')])).resolves.toEqual([expect.objectContaining({ optimizers: ['self-registered'] })]);
  });

  const refusals: Array<[string, Record<string, string>, string[], RegExp]> = [
    ['a path that does not exist', {}, ['nope.ts'], /^optimizer file .*nope\.ts: no such file or folder$/],
    ['a file of another kind', { 'spec.json': '{}' }, ['spec.json'], /^optimizer file .*spec\.json is not a \.ts, \.mts, \.js, \.mjs file$/],
    ['a folder without spec files', { 'empty/readme.md': 'x' }, ['empty'], /^optimizer folder .*empty holds no \.ts, \.mts, \.js, \.mjs file$/],
    ['a file that exports no spec', { 'none.ts': 'export const x = 1;\n' }, ['none.ts'], /none\.ts exports no optimizer spec \(export default \{ name, description, slots, hyper, wgsl, reference \}\)$/],
    ['a syntax error', { 'broken.ts': 'export default { name: "x", wgsl: "p = p" ; }\n' }, ['broken.ts'], /^cannot load .*broken\.ts: .*broken\.ts:1:\d+/],
    ['a file that throws', { 'throws.ts': 'throw new Error("no GPU here");\n' }, ['throws.ts'], /^cannot load .*throws\.ts: no GPU here$/],
    ['an incomplete spec', { 'half.ts': "export default { name: 'half', wgsl: 'p = p;' };\n" }, ['half.ts'], /half\.ts: optimizer 'half' lacks 'description'/],
    ['a built-in name', { 'adam.ts': `export default ${specText('adam')};\n` }, ['adam.ts'], /adam\.ts: an optimizer named 'adam' is already registered \(registered: sgd, adam, .*\); rename it$/],
    ['one name in two files', { 'one.ts': `export default ${specText('dup-name')};\n`, 'two.ts': `export default ${specText('dup-name')};\n` }, ['one.ts', 'two.ts'], /^optimizer 'dup-name' is defined in both .*one\.ts and .*two\.ts; give each optimizer a name of its own$/],
  ];
  for (const [name, files, paths, message] of refusals) {
    it(`refuses ${name} in one line, registering nothing`, async () => {
      const dir = project({ ...files, 'fine.ts': `export default ${specText(`fine-${name.replace(/\W+/g, '-')}`)};\n` });
      const before = listOptimizers();
      const err = await loadOptimizerFiles([join(dir, 'fine.ts'), ...paths.map((p) => join(dir, p))]).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(message);
      expect(err!.message).not.toContain('\n');
      expect(listOptimizers()).toEqual(before);
    });
  }

  it('paths are shown relative to the working directory when inside it', () => {
    expect(shownPath(join(process.cwd(), 'examples', 'lion.ts'))).toBe(join('examples', 'lion.ts'));
    expect(shownPath('/elsewhere/lion.ts')).toBe('/elsewhere/lion.ts');
  });

  it('registerOptimizer still refuses a second spec of a name', () => {
    expect(() => registerOptimizer({ ...getOptimizer('adam') })).toThrow(/already registered/);
  });
});
