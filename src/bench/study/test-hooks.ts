// A test hook: lets the CLI tests stop a run at an exact point instead of racing it (a
// fast GPU finishes a small run between two polls of a test). Off unless the environment
// sets OPTBENCH_TEST_HOOK=<event>:<n>:<action>: after the n-th `event` ('trial': a trial
// was journaled; 'checkpoint': a group checkpoint was written) the run does `action`,
// either a signal sent to its own process (SIGINT as Ctrl-C, SIGKILL) or 'device-lost'
// (destroys the GPU device, as a driver reset would). The event 'step' (a training step is
// about to start, counted over the whole run) takes the action 'hold': the run prints
// `test hook: holding before step <n>` on stderr and waits there, inside the epoch, until
// SIGINT or SIGTERM arrives from outside, so a test can send a signal through `npm run`
// at a known point however fast the device trains.
import type { Gpu } from '../../kernels/gpu.ts';
import { setStepHook } from './step-hook.ts';

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

/** The 'step' hook's step number, or null: read once, since it is asked before every step. */
const holdAt = (() => {
  const [on, n, action] = (process.env.OPTBENCH_TEST_HOOK ?? '').split(':');
  return on === 'step' && action === 'hold' ? Number(n) : null;
})();
let steps = 0;

/** Before every training step: at the step OPTBENCH_TEST_HOOK names, a promise to wait for
 * (it resolves on a stop signal); else null, at no cost. */
function holdStep(): Promise<void> | null {
  if (holdAt === null || ++steps !== holdAt) return null;
  const signalled = new Promise<void>((resolve) => {
    // A signal listener does not keep Node's event loop alive; a timer does.
    const alive = setInterval(() => {}, 1000);
    const done = () => {
      clearInterval(alive);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  process.stderr.write(`test hook: holding before step ${holdAt}\n`);
  return signalled;
}

// The trainer asks step-hook.ts; a run without the variable installs nothing.
if (holdAt !== null) setStepHook(holdStep);
