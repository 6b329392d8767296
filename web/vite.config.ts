// The web page: `npm run web` serves it (Vite's dev server), `npm run build:web` writes it to
// dist/web as static files any static host serves (relative paths: it works from any folder).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { dataSubsets } from './build/data-subsets.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** The commit the page is built from (+modified with uncommitted changes), as results.json of
 * a CLI run records it. */
function gitCommit(): string | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return git('status', '--porcelain', '--untracked-files=no') ? `${git('rev-parse', 'HEAD')}+modified` : git('rev-parse', 'HEAD');
  } catch {
    return null;
  }
}

const self = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  define: {
    __OPTBENCH_BUILD__: JSON.stringify({
      packages: { 'webgpu-optbench': self.version, vega: version('vega'), 'vega-lite': version('vega-lite'), vite: version('vite') },
      gitCommit: gitCommit(),
    }),
  },
  plugins: [dataSubsets()],
  // The page imports the engine and src/bench from the repository root, above web/.
  server: { fs: { allow: [ROOT] } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Vega and Vega-Lite (the report's plots) make one large chunk; it loads once.
    chunkSizeWarningLimit: 2500,
  },
});
