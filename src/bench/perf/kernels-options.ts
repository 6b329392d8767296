// bench:kernels' command line: its option table (exported for tests/doc-flags.test.ts), its
// usage text, and the parsed options; a bad option is a UsageError (command-line.ts).
import type { BackendName } from '../../kernels/device.ts';
import { backendOption, parseStrict, UsageError } from '../command-line.ts';

export const KERNELS_OPTIONS = {
  trials: { type: 'string', default: '1' },
  batch: { type: 'string', default: '128' },
  backend: { type: 'string' },
  'no-tune': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

export const KERNELS_USAGE = `usage: npm run bench:kernels -- [options]
Every kernel at the study's shapes (MLP 784-128-128-10): ms per call, GFLOP/s, GB/s and the
matmul implementation the tuner chose; the fused optimizer updates against the copy
bandwidth; a training step of T trials dispatch by dispatch; a kernel's time at three sizes.
  --trials T      trials stacked in every kernel (default 1; the study trains 120 at once)
  --batch N       batch rows (default 128)
  --backend B     auto, vulkan, metal, d3d12, opengles, opengl (or OPTBENCH_BACKEND; the
                  option wins)
  --no-tune       use the cached or default matmul kernels instead of measuring them
  --json          one JSON document on stdout instead of the tables
  -h, --help      this text`;

export interface KernelsOptions {
  trials: number;
  batch: number;
  backend: BackendName | undefined;
  tune: boolean;
  json: boolean;
}

export function parseKernelsArgs(args: string[]): KernelsOptions {
  const { values } = parseStrict(KERNELS_OPTIONS, args);
  const positive = (name: 'trials' | 'batch'): number => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${values[name]}'`);
    return n;
  };
  return { trials: positive('trials'), batch: positive('batch'), backend: backendOption(values.backend), tune: !values['no-tune'], json: values.json };
}
