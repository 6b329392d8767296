// results.json's `environment` for a run in this page: the adapter as the engine reports it,
// the browser, and what the page was built from (Vite's define, see web/vite.config.ts).
import type { Gpu } from '../../src/kernels/gpu.ts';
import type { EnvironmentInfo } from '../../src/bench/results/types.ts';
import { adapterEnvironment } from '../../src/bench/study/assemble.ts';

declare const __OPTBENCH_BUILD__: { packages: Record<string, string>; gitCommit: string | null };

export function pageEnvironment(gpu: Gpu): EnvironmentInfo {
  return {
    ...adapterEnvironment(gpu),
    node: 'none (a web page)',
    platform: `web page: ${navigator.userAgent}`,
    cpus: `${navigator.hardwareConcurrency ?? '?'} logical cores`,
    packages: __OPTBENCH_BUILD__.packages,
    gitCommit: __OPTBENCH_BUILD__.gitCommit,
  };
}
