// A test hook: lets the CLI tests stop a run at an exact point instead of racing it (a
// fast GPU finishes a small run between two polls of a test). Off unless the environment
// sets OPTBENCH_TEST_HOOK=<event>:<n>:<action>: after the n-th `event` ('trial': a trial
// was journaled; 'checkpoint': a group checkpoint was written) the run does `action`,
// either a signal sent to its own process (SIGINT as Ctrl-C, SIGKILL) or 'device-lost'
// (destroys the GPU device, as a driver reset would).
import type { Gpu } from '../../kernels/gpu.ts';

export type HookEvent = 'trial' | 'checkpoint';

const seen = new Map<HookEvent, number>();

export function testHook(event: HookEvent, gpu: Gpu): void {
  const spec = process.env.OPTBENCH_TEST_HOOK;
  if (!spec) return;
  const [on, n, action] = spec.split(':');
  if (on !== event) return;
  const count = (seen.get(event) ?? 0) + 1;
  seen.set(event, count);
  if (count !== Number(n)) return;
  if (action === 'device-lost') gpu.device.destroy();
  else process.kill(process.pid, action as NodeJS.Signals);
}
