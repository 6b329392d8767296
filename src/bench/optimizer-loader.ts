// Optimizer specs from a user's files (`--optimizer-file`, `--check-optimizer`): a `.ts`
// or `.js` file exporting one spec or several (default and/or named exports, or an array),
// or a folder, each of whose spec files is loaded. Every file is read, hashed (SHA-256 of
// its bytes: what a run records so that --resume and --merge refuse another version) and
// imported, and every spec checked, before any is registered: a bad file registers nothing.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getOptimizer, listOptimizers, registerOptimizer } from '../optim/registry.ts';
import { HyperparameterError, type OptimizerSpec } from '../optim/spec.ts';
import { looksLikeSpec, validateSpec } from '../optim/validate.ts';

/** A file that defines optimizers, as a run records it. */
export interface OptimizerSource {
  /** Absolute path when the run started. */
  path: string;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  /** The optimizers it defines, in export order. */
  optimizers: string[];
}

/** A file that cannot be used: one line, for the CLI's exit code 2. */
export class OptimizerFileError extends Error {
  override name = 'OptimizerFileError';
}

export const SPEC_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A path as the user reads it: relative to the working directory when inside it. */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

const isSpecFile = (name: string) => SPEC_EXTENSIONS.includes(extname(name)) && !name.endsWith('.d.ts') && !/\.test\.[mc]?[jt]s$/.test(name) && !name.startsWith('.');

/** The files a list of paths names: a file as it is, a folder's spec files (not its
 * subfolders) by name; absolute, each once. */
export function expandSpecPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const real = realpathSync(file);
    if (seen.has(real)) return;
    seen.add(real);
    out.push(resolve(file));
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new OptimizerFileError(`optimizer file ${p}: no such file or folder`);
    if (statSync(p).isDirectory()) {
      const files = readdirSync(p).filter(isSpecFile).sort().filter((f) => statSync(join(p, f)).isFile());
      if (files.length === 0) throw new OptimizerFileError(`optimizer folder ${p} holds no ${SPEC_EXTENSIONS.join(', ')} file`);
      for (const f of files) add(join(p, f));
    } else {
      if (!SPEC_EXTENSIONS.includes(extname(p))) throw new OptimizerFileError(`optimizer file ${p} is not a ${SPEC_EXTENSIONS.join(', ')} file`);
      add(p);
    }
  }
  return out;
}

/** What an import failure says, on one line: the first lines of the message (esbuild's
 * syntax errors name the file, line and column on the second). */
function importFailure(path: string, e: unknown): OptimizerFileError {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return new OptimizerFileError(`cannot load ${shownPath(path)}: Node does not import TypeScript by itself; use the optbench command (or node --import tsx), or give a .js file`);
  }
  const text = String(err?.message ?? e).split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' | ');
  return new OptimizerFileError(`cannot load ${shownPath(path)}: ${text.length > 400 ? `${text.slice(0, 397)}...` : text}`);
}

/** The distinct specs a module exports (default and named; arrays of specs too). A file
 * compiled as CommonJS (a .ts file outside an ES-module package) arrives as a default
 * export holding its exports object: its values count as exports too. */
function exportedSpecs(mod: Record<string, unknown>, path: string): OptimizerSpec[] {
  const found: unknown[] = [];
  const cjs = mod.default;
  const values = [...Object.values(mod), ...(cjs && typeof cjs === 'object' && !Array.isArray(cjs) && !looksLikeSpec(cjs) ? Object.values(cjs) : [])];
  for (const v of values) {
    for (const x of Array.isArray(v) ? v : [v]) if (looksLikeSpec(x) && !found.includes(x)) found.push(x);
  }
  found.forEach((x) => validateSpec(x, shownPath(path)));
  return found as OptimizerSpec[];
}

export interface LoadedFile {
  source: OptimizerSource;
  specs: OptimizerSpec[];
}

/** Reads, hashes and imports the files, and checks every spec they export (fields, names,
 * ranges, no clash with a registered optimizer or with each other); registers nothing.
 * A file must export at least one spec; a folder's file that exports none (a helper) is
 * skipped. Throws OptimizerFileError or HyperparameterError, one line each. */
export async function readOptimizerFiles(paths: readonly string[]): Promise<LoadedFile[]> {
  const direct = new Set(paths.filter((p) => existsSync(p) && !statSync(p).isDirectory()).map((p) => realpathSync(p)));
  const out: LoadedFile[] = [];
  const owner = new Map<string, { path: string; spec: OptimizerSpec }>();
  for (const path of expandSpecPaths(paths)) {
    const sha256 = sha256File(path);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (e) {
      throw importFailure(path, e);
    }
    // A spec another file of the list exported already (re-exported, e.g. by an index file)
    // counts once, for its first file.
    const specs = exportedSpecs(mod, path).filter((s) => owner.get(s.name)?.spec !== s);
    if (specs.length === 0) {
      if (direct.has(realpathSync(path))) throw new OptimizerFileError(`${shownPath(path)} exports no optimizer spec (export default { name, description, slots, hyper, wgsl, reference })`);
      continue;
    }
    for (const spec of specs) {
      const other = owner.get(spec.name);
      if (other) throw new HyperparameterError(`optimizer '${spec.name}' is defined in both ${shownPath(other.path)} and ${shownPath(path)}; give each optimizer a name of its own`);
      owner.set(spec.name, { path, spec });
      // The file may have registered its spec itself (registerOptimizer at import): the same
      // object is no clash.
      if (listOptimizers().includes(spec.name) && getOptimizer(spec.name) !== spec) {
        throw new HyperparameterError(`${shownPath(path)}: an optimizer named '${spec.name}' is already registered (registered: ${listOptimizers().join(', ')}); rename it`);
      }
    }
    out.push({ source: { path, sha256, optimizers: specs.map((s) => s.name) }, specs });
  }
  return out;
}

/** readOptimizerFiles, then registers every spec: what `--optimizer-file` does. Returns
 * the sources, in the order loaded. */
export async function loadOptimizerFiles(paths: readonly string[]): Promise<OptimizerSource[]> {
  const files = await readOptimizerFiles(paths);
  for (const f of files) for (const spec of f.specs) if (!listOptimizers().includes(spec.name)) registerOptimizer(spec);
  return files.map((f) => f.source);
}
