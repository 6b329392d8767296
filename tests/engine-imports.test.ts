// The engine (src/kernels, src/autograd, src/nn, src/optim) runs in Node and in a web page:
// it imports nothing from Node, and only from itself below src/. What differs between the two
// goes through the platform seam (src/kernels/platform.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { OptimizerSpec } from '../src/optim/spec.ts';
import { BUILTIN_SPECS } from '../src/optim/specs/index.ts';
import { moduleRefs, nodeFindings, reachableFindings } from './helpers/node-free.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ENGINE = ['src/kernels', 'src/autograd', 'src/nn', 'src/optim'];
/** Packages the engine may import: pure JavaScript that runs in a browser as in Node. */
const ENGINE_PACKAGES = ['@noble/hashes'];

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const engineFiles = ENGINE.flatMap(tsFiles);

describe('the engine imports nothing from Node', () => {
  it('the checker finds a Node import, a Node global and a Node-only package, and names each', () => {
    const src = [
      "import { readFileSync } from 'node:fs';",
      "import type { Stats } from 'fs';",
      "import { create } from 'webgpu';",
      '// process.env in a comment does not count',
      "const s = 'Buffer in a string does not count';",
      'const x = { process: 1 }.process;',
      'const code = (x as unknown as NodeJS.ErrnoException).code;',
      'export const v = process.env.X ?? Buffer.from(s);',
    ].join('\n');
    expect(nodeFindings(src, 'src/kernels/x.ts').map((f) => f.what)).toEqual([
      "imports 'node:fs'",
      "imports 'fs'",
      "imports 'webgpu'",
      "uses Node's global process (line 8)",
      "uses Node's global Buffer (line 8)",
    ]);
  });

  it(`no file of ${ENGINE.join(', ')} imports a Node module or uses a Node global`, () => {
    expect(engineFiles.length).toBeGreaterThan(30);
    const findings = engineFiles.flatMap((f) => nodeFindings(readFileSync(join(ROOT, f), 'utf8'), f));
    expect(findings.map((f) => `${f.file} ${f.what}`), 'move Node-specific code to src/platform/node.ts behind src/kernels/platform.ts').toEqual([]);
  });

  it('engine files import only engine files and browser-safe packages', () => {
    const outside: string[] = [];
    for (const f of engineFiles) {
      for (const spec of moduleRefs(readFileSync(join(ROOT, f), 'utf8'), f).all) {
        if (spec.startsWith('.')) {
          const target = relative(ROOT, resolve(dirname(join(ROOT, f)), spec));
          if (!ENGINE.some((d) => target.startsWith(`${d}/`))) outside.push(`${f} imports ${target} (outside the engine)`);
        } else if (!ENGINE_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
          outside.push(`${f} imports package '${spec}' (not in the engine's list of browser-safe packages)`);
        }
      }
    }
    expect(outside).toEqual([]);
  });

  it('the web page reaches no Node module through its imports (the engine, src/bench and web/src alike)', () => {
    const { files, findings } = reachableFindings([join(ROOT, 'web/src/main.ts')], ROOT);
    // It does reach the engine, the trainer, the report and the browser's platform.
    for (const f of ['src/kernels/gpu.ts', 'src/bench/study/trainer.ts', 'src/bench/report/render.ts', 'src/platform/browser.ts']) expect(files).toContain(f);
    expect(findings.map((f) => `${f.file} ${f.what}`), 'the page runs in a browser: keep Node-only code out of what web/src imports').toEqual([]);
  });
});

describe('src/optim/specs/index.ts', () => {
  it('lists every spec that a file of src/optim/specs exports, the reference study four first', async () => {
    const files = readdirSync(join(ROOT, 'src/optim/specs')).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    for (const f of files) {
      const mod = (await import(/* @vite-ignore */ pathToFileURL(join(ROOT, 'src/optim/specs', f)).href)) as Record<string, unknown>;
      const specs = Object.values(mod).filter((v): v is OptimizerSpec => typeof v === 'object' && v !== null && typeof (v as OptimizerSpec).wgsl === 'string');
      expect(specs.length, `${f} exports no optimizer spec`).toBeGreaterThan(0);
      for (const s of specs) expect(BUILTIN_SPECS, `src/optim/specs/${f}: add '${s.name}' to BUILTIN_SPECS in src/optim/specs/index.ts`).toContain(s);
    }
    expect(BUILTIN_SPECS.slice(0, 4).map((s) => s.name)).toEqual(['sgd', 'adam', 'rmsprop', 'custom']);
  });
});
