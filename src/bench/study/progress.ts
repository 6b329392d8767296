// Progress: a live bar on a terminal (trials, epoch, step, loss, ETA), with log lines printed
// above it. In a log (stderr not a TTY), plain lines: one per epoch of a group, at most one
// every LOG_INTERVAL_MS (the last epoch of a group always), and one per finished trial; and
// within an epoch, a line on the steps the device finished: the first as soon as there is an
// ETA, then one whenever STEP_LOG_INTERVAL_MS passed without a progress line. The ETA comes
// from the training measured in this session (EtaEstimator); until there is some, it reads
// "estimating", never "0 s".
import { MultiBar } from 'cli-progress';

/** The epoch of a group that just finished. */
export interface EpochInfo {
  dataset: string;
  /** Which trials of the plan the group trains, e.g. '1-24 of 240'. */
  trials: string;
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Mean training loss over the group's trials that have not diverged (NaN: none left). */
  loss: number;
}

/** Steps of an epoch in flight: `step` of `steps` finished on the device. */
export interface StepInfo extends Omit<EpochInfo, 'loss'> {
  step: number;
  steps: number;
}

export interface Progress {
  /** `done` trial-epochs of `total` finished; `info`: the epoch that just did. */
  update(done: number, info: EpochInfo): void;
  /** Within an epoch: `done` trial-epochs (a fraction) finished on the device. A report
   * older than what is shown already (a late fence) is ignored. */
  steps(done: number, info: StepInfo): void;
  /** `n` trial-epochs counted as done without training them now (restored from a
   * checkpoint): they do not speed up the estimate of the time left. */
  restored(n: number): void;
  trialDone(line: string): void;
  /** A message that must not tear the bar. */
  log(line: string): void;
  stop(): void;
}

/** Least time between two epoch lines in a log, in milliseconds. */
export const LOG_INTERVAL_MS = 5000;
/** Longest time a log goes without a progress line while training, in milliseconds. */
export const STEP_LOG_INTERVAL_MS = 30_000;
/** Training measured before the first ETA, in milliseconds (unless an epoch finished). */
export const ETA_MIN_MS = 1000;

/** Lets a line through when `intervalMs` passed since the last one let through (the first
 * always), or when forced. */
export class RateLimiter {
  private last = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  allow(force = false): boolean {
    const t = this.now();
    if (!force && t - this.last < this.intervalMs) return false;
    this.last = t;
    return true;
  }
}

/** 42 s, 3 min 05 s, 2 h 07 min. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const lossText = (loss: number) => (Number.isFinite(loss) ? loss.toFixed(4) : 'nan');

export interface ProgressOptions {
  intervalMs?: number;
  stepIntervalMs?: number;
  /** Milliseconds; performance.now() unless a test drives the clock. */
  now?: () => number;
}

/**
 * Time left from the training measured in this session: trial-epochs done since an origin
 * over the time since it. The origin is the progress's creation, moved to the first report
 * from inside an epoch (so data loading, kernel tuning and the first step's recording do not
 * count as training), and past work restored from a checkpoint does not count as done here.
 */
export class EtaEstimator {
  private origin: { t: number; done: number };
  private moved = false;
  private epochSeen = false;

  constructor(
    private readonly total: number,
    private readonly now: () => number,
  ) {
    this.origin = { t: now(), done: 0 };
  }

  /** `n` trial-epochs counted as done without being trained in this session. */
  restored(n: number): void {
    this.origin.done += n;
  }

  /** The first report from inside an epoch starts the measurement. */
  stepSeen(done: number): void {
    if (this.moved || this.epochSeen) return;
    this.origin = { t: this.now(), done };
    this.moved = true;
  }

  epochDone(): void {
    this.epochSeen = true;
  }

  /** Seconds left at `done`, or null while there is nothing to estimate from. */
  secondsLeft(done: number): number | null {
    const ms = this.now() - this.origin.t;
    const trained = done - this.origin.done;
    if (trained <= 0 || ms <= 0 || (!this.epochSeen && ms < ETA_MIN_MS)) return null;
    return ((this.total - done) * ms) / 1000 / trained;
  }

  text(done: number): string {
    const s = this.secondsLeft(done);
    return s === null ? 'estimating' : formatDuration(s);
  }
}

/** The highest `done` shown so far: fences of earlier steps can resolve late. */
class Monotonic {
  value = 0;

  advance(done: number): boolean {
    if (done <= this.value) return false;
    this.value = done;
    return true;
  }
}

/** The plain-line progress of a log: `mnist: trials 1-24 of 240, epoch 3/10, 1 min 12 s
 * elapsed, ETA 8 min 40 s, mean train loss 0.3121`, and within an epoch `mnist: trials
 * 1-24 of 240, epoch 1/10, step 120/391, 41 s elapsed, ETA 12 min 30 s`. */
function logProgress(total: number, stream: Pick<NodeJS.WriteStream, 'write'>, options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const limiter = new RateLimiter(options.intervalMs ?? LOG_INTERVAL_MS, now);
  const stepInterval = options.stepIntervalMs ?? STEP_LOG_INTERVAL_MS;
  const started = now();
  const eta = new EtaEstimator(total, now);
  const shown = new Monotonic();
  let lastLine = -Infinity;
  const write = (line: string) => void stream.write(`${line}\n`);
  const head = (done: number, info: StepInfo | EpochInfo) =>
    `${info.dataset}: trials ${info.trials}, epoch ${info.epoch}/${info.epochs}, ${'step' in info ? `step ${info.step}/${info.steps}, ` : ''}${formatDuration((now() - started) / 1000)} elapsed, ETA ${eta.text(done)}`;
  return {
    update(done, info) {
      shown.advance(done);
      eta.epochDone();
      if (!limiter.allow(info.epoch === info.epochs)) return;
      lastLine = now();
      write(`${head(done, info)}, mean train loss ${lossText(info.loss)}`);
    },
    steps(done, info) {
      if (!shown.advance(done)) return;
      eta.stepSeen(done);
      // The first line once there is an ETA (a sign of life early in a long first epoch),
      // then one whenever the log was quiet for stepInterval.
      const due = lastLine === -Infinity ? eta.secondsLeft(done) !== null : now() - lastLine >= stepInterval;
      if (!due) return;
      lastLine = now();
      write(head(done, info));
    },
    restored: (n) => eta.restored(n),
    trialDone: write,
    log: write,
    stop() {},
  };
}

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = {}): Progress {
  if (!stream.isTTY) return logProgress(total, stream, options);
  const now = options.now ?? (() => performance.now());
  const eta = new EtaEstimator(total, now);
  const shown = new Monotonic();
  const bars = new MultiBar({ format: 'training [{bar}] {percentage}% | trials {trials} | epoch {epoch} | loss {loss} | ETA {eta_text}', hideCursor: true, stream });
  const bar = bars.create(total, 0, { trials: '-', epoch: '-', loss: '-', eta_text: 'estimating' });
  let loss = '-';
  return {
    update(done, info) {
      shown.advance(done);
      eta.epochDone();
      loss = lossText(info.loss);
      bar.update(shown.value, { trials: info.trials, epoch: `${info.epoch}/${info.epochs}`, loss, eta_text: eta.text(shown.value) });
    },
    steps(done, info) {
      if (!shown.advance(done)) return;
      eta.stepSeen(done);
      bar.update(done, { trials: info.trials, epoch: `${info.epoch}/${info.epochs} step ${info.step}/${info.steps}`, loss, eta_text: eta.text(done) });
    },
    restored: (n) => eta.restored(n),
    trialDone: () => {},
    log: (line) => bars.log(`${line}\n`),
    stop: () => bars.stop(),
  };
}
