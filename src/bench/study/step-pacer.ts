// Lets the event loop turn between the training steps of an epoch. An epoch's steps are
// submitted one after another without waiting for the GPU (no read-back inside a step), so
// without a pause Node would run no signal handler and no timer until the epoch's end:
// minutes on a CPU. Every YIELD_MS the step loop pauses for one turn of the event loop
// (platform().turn(): setImmediate in Node; no GPU wait), so Ctrl-C or SIGTERM is seen within about a step; and every
// REPORT_MS it asks the queue to say when the steps submitted so far are done
// (onSubmittedWorkDone, a fence, not a read-back), which is what progress shows: steps the
// device finished, not steps the host queued ahead of it.
import type { Gpu } from '../../kernels/gpu.ts';
import { platform } from '../../kernels/platform.ts';
import { stepHook } from './step-hook.ts';

/** Longest stretch of steps without a turn of the event loop, in milliseconds. */
export const YIELD_MS = 10;
/** Least time between two progress reports within an epoch, in milliseconds. */
export const REPORT_MS = 250;

/** Told the steps of the epoch (counted from 1) that the device has finished. */
export type StepsDone = (steps: number) => void;

export class StepPacer {
  private lastYield: number;
  private lastReport = -Infinity;
  private reported = 0;

  constructor(
    private readonly gpu: Pick<Gpu, 'device' | 'profile'>,
    private readonly onSteps?: StepsDone,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastYield = now();
  }

  /** Call before each step; `submitted`: the steps of this epoch submitted so far. */
  async beforeStep(submitted: number): Promise<void> {
    const hold = stepHook();
    if (hold) await hold;
    const t = this.now();
    if (t - this.lastYield < YIELD_MS) return;
    this.report(submitted, t);
    await platform().turn();
    this.lastYield = this.now();
  }

  private report(submitted: number, t: number): void {
    // A profiled run holds its commands until the next read-back (kernels/profiler.ts): a
    // fence now would pass at once and report steps that have not run.
    if (!this.onSteps || this.gpu.profile || submitted <= this.reported || t - this.lastReport < REPORT_MS) return;
    this.lastReport = t;
    this.reported = submitted;
    const onSteps = this.onSteps;
    // A device lost meanwhile rejects: the training loop reports that itself.
    this.gpu.device.queue.onSubmittedWorkDone().then(() => onSteps(submitted), () => {});
  }
}
