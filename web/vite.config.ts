// The web page: `npm run web` serves it (Vite's dev server), `npm run build:web` writes it to
// dist/web as static files any static host serves (relative paths: it works from any folder).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { gitCommit, packageVersion } from '../src/bench/study/environment.ts';
import { dataSubsets } from './build/data-subsets.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const self = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  define: {
    // What results.json's environment records of the page: the commit and package versions
    // it was built from, as a CLI run records its own.
    __OPTBENCH_BUILD__: JSON.stringify({
      packages: { 'webgpu-optbench': self.version, vega: packageVersion('vega'), 'vega-lite': packageVersion('vega-lite'), vite: packageVersion('vite') },
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
