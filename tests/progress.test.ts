import { describe, expect, it } from 'vitest';
import { createProgress, EtaEstimator, formatDuration, RateLimiter, type EpochInfo } from '../src/bench/study/progress.ts';

/** A clock the test moves by hand (milliseconds). */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** A stream that is not a terminal (as stderr in a log file) and keeps what it gets. */
function logStream(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let text = '';
  const stream = { isTTY: false, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

describe('progress without a terminal', () => {
  it('the rate limiter lets the first line through, then one per interval, and forced ones always', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(5000, clock.now);
    expect(limiter.allow()).toBe(true);
    clock.advance(4999);
    expect(limiter.allow()).toBe(false);
    expect(limiter.allow(true)).toBe(true); // forced: printed, and the interval starts again
    clock.advance(4999);
    expect(limiter.allow()).toBe(false);
    clock.advance(1);
    expect(limiter.allow()).toBe(true);
    clock.advance(12_000);
    expect(limiter.allow()).toBe(true);
    expect(limiter.allow()).toBe(false);
  });

  it('durations read as seconds, minutes or hours', () => {
    expect(formatDuration(0.4)).toBe('0 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(2 * 3600 + 7 * 60 + 10)).toBe('2 h 07 min');
    expect(formatDuration(NaN)).toBe('?');
  });

  it('one line per epoch, rate-limited, the last epoch of a group always; ETA from the trained epochs', () => {
    const clock = manualClock();
    const out = logStream();
    // Two groups of 4 trials, 3 epochs each: 24 trial-epochs; each epoch takes 2 s.
    const p = createProgress(24, out.stream, { intervalMs: 5000, now: clock.now });
    const info = (trials: string, epoch: number, loss: number): EpochInfo => ({ dataset: 'mnist', trials, epoch, epochs: 3, loss });
    let done = 0;
    for (const [trials, losses] of [['1-4 of 8', [0.9, 0.5, 0.25]], ['5-8 of 8', [1, 0.6, NaN]]] as const) {
      losses.forEach((loss, e) => {
        clock.advance(2000);
        done += 4;
        p.update(done, info(trials, e + 1, loss));
      });
      p.trialDone(`trial ${trials}: done`);
    }
    // t=2 s printed (first); 4 s too soon; 6 s is the group's last epoch (forced); 8 s too
    // soon; 10 s: 4 s after 6 s, too soon; 12 s: last epoch of the second group.
    expect(out.lines()).toEqual([
      'mnist: trials 1-4 of 8, epoch 1/3, 2 s elapsed, ETA 10 s, mean train loss 0.9000',
      'mnist: trials 1-4 of 8, epoch 3/3, 6 s elapsed, ETA 6 s, mean train loss 0.2500',
      'trial 1-4 of 8: done',
      'mnist: trials 5-8 of 8, epoch 3/3, 12 s elapsed, ETA 0 s, mean train loss nan',
      'trial 5-8 of 8: done',
    ]);
  });

  it('epochs restored from a checkpoint do not shorten the ETA', () => {
    const clock = manualClock();
    const out = logStream();
    const p = createProgress(40, out.stream, { now: clock.now });
    p.restored(20); // half the work was done before this session
    clock.advance(10_000);
    p.update(30, { dataset: 'fashion-mnist', trials: '1-10 of 10', epoch: 3, epochs: 4, loss: 0.5 });
    // 10 trial-epochs trained in 10 s, 10 left: 10 s (not 3.3 s from 30 done in 10 s).
    expect(out.lines()).toEqual(['fashion-mnist: trials 1-10 of 10, epoch 3/4, 10 s elapsed, ETA 10 s, mean train loss 0.5000']);
  });
});

describe('progress within an epoch', () => {
  const where = { dataset: 'mnist', trials: '1-4 of 4', epochs: 2, steps: 100 };

  it('a log shows steps of the first epoch with an ETA measured from the first step report, then a line whenever 30 s were quiet', () => {
    const clock = manualClock();
    const out = logStream();
    // 4 trials x 2 epochs = 8 trial-epochs; 100 steps an epoch.
    const p = createProgress(8, out.stream, { now: clock.now });
    clock.advance(20_000); // data, kernel tuning: not training
    const at = (step: number) => (4 * step) / 100;
    p.steps(at(2), { ...where, epoch: 1, step: 2 });
    clock.advance(500);
    p.steps(at(4), { ...where, epoch: 1, step: 4 }); // half a second of training: no ETA yet
    expect(out.lines()).toEqual([]);
    clock.advance(500);
    // 1 s for steps 2..6 (0.16 trial-epochs): 7.76 left at 0.16 a second.
    p.steps(at(6), { ...where, epoch: 1, step: 6 });
    expect(out.lines()).toEqual(['mnist: trials 1-4 of 4, epoch 1/2, step 6/100, 21 s elapsed, ETA 49 s']);
    clock.advance(29_000);
    p.steps(at(50), { ...where, epoch: 1, step: 50 });
    expect(out.lines()).toHaveLength(1); // 29 s since the last line
    clock.advance(1000);
    p.steps(at(51), { ...where, epoch: 1, step: 51 });
    // 1.96 trial-epochs in the 31 s since the first report: 5.96 left.
    expect(out.lines()[1]).toBe('mnist: trials 1-4 of 4, epoch 1/2, step 51/100, 51 s elapsed, ETA 1 min 34 s');
    p.steps(at(40), { ...where, epoch: 1, step: 40 }); // a late fence of earlier steps: ignored
    clock.advance(60_000);
    p.steps(at(45), { ...where, epoch: 1, step: 45 });
    expect(out.lines()).toHaveLength(2);
  });

  it('an epoch measures training from the first step report, not from the start of the run', () => {
    const clock = manualClock();
    const out = logStream();
    const p = createProgress(8, out.stream, { now: clock.now });
    clock.advance(45_000); // data, kernel tuning
    p.steps(0.04, { ...where, epoch: 1, step: 1 });
    clock.advance(30_000);
    p.update(4, { dataset: 'mnist', trials: '1-4 of 4', epoch: 1, epochs: 2, loss: 0.5 });
    // An epoch is measured training: from the first step report, 3.96 trial-epochs in 30 s.
    expect(out.lines()).toEqual(['mnist: trials 1-4 of 4, epoch 1/2, 1 min 15 s elapsed, ETA 30 s, mean train loss 0.5000']);
  });
});

describe('EtaEstimator', () => {
  it('"estimating" (never "0 s") until a second of training or an epoch is measured; restored work does not count', () => {
    const clock = manualClock();
    const eta = new EtaEstimator(100, clock.now);
    expect(eta.text(0)).toBe('estimating');
    eta.restored(50);
    eta.stepSeen(51);
    clock.advance(999);
    expect(eta.secondsLeft(52)).toBeNull();
    clock.advance(1);
    expect(eta.secondsLeft(52)).toBe(48); // 1 trial-epoch a second since the first report
    eta.epochDone();
    expect(eta.text(60)).toBe('4 s');
  });
});
