// npm run swiftshader -- COMMAND [ARGS...]: runs COMMAND with Dawn's Vulkan backend forced
// onto SwiftShader, the CPU Vulkan driver Debian's chromium-common ships: the code path of a
// real GPU (core feature level, timestamp queries, Vulkan's bounds behaviour) on a machine
// without one, about 100x slower than llvmpipe. Without a command it prints the variables
// as `export` lines for a shell (eval "$(npm run -s swiftshader)").
//
//   npm run swiftshader -- npx tsx examples/train-mlp.ts
//   npm run swiftshader -- npm run bench:kernels -- --no-tune
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { swiftShaderEnv, SwiftShaderMissingError } from '../src/platform/vulkan-drivers.ts';

let vars: Record<string, string>;
try {
  vars = swiftShaderEnv();
} catch (e) {
  if (!(e instanceof SwiftShaderMissingError)) throw e;
  process.stderr.write(`swiftshader: ${e.message}\n`);
  process.exit(3);
}
const [command, ...args] = process.argv.slice(2);
if (!command) {
  for (const [k, v] of Object.entries(vars)) process.stdout.write(`export ${k}='${v}'\n`);
  process.exit(0);
}
const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...vars } });
child.on('error', (e) => {
  process.stderr.write(`swiftshader: cannot run ${command}: ${e.message}\n`);
  process.exit(127);
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
