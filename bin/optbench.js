#!/usr/bin/env node
// optbench: the benchmark's command line (`npm run bench` in a checkout) for a project that
// installed this package. It runs the CLI in this very process, with no wrapper process in
// between, so Ctrl-C and SIGTERM reach the CLI's own handlers. tsx's loader is registered
// first, so optimizer files written in TypeScript (--optimizer-file, --check-optimizer)
// import as they are. In a checkout (src/ present) it runs the sources; in the installed
// package, the compiled dist/.
import { existsSync } from 'node:fs';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

// Both loaders: a .ts file outside an ES-module package compiles to CommonJS.
registerCommonJs();
register();
// Messages that say what to type next ("continue with: ... --resume DIR") name this command.
process.env.OPTBENCH_COMMAND ??= 'npx optbench';
const source = new URL('../src/bench/cli.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/bench/cli.js', import.meta.url).href);
