// How the user started the benchmark, for messages that tell them what to type next
// ("continue with: npm run bench -- --resume DIR"): `npm run bench --` in a checkout, or
// what bin/optbench.js sets (`npx optbench`) in a project that installed the package.
export function benchCommand(): string {
  return process.env.OPTBENCH_COMMAND || 'npm run bench --';
}
