// Progress: a live bar on a terminal (trials, epoch, loss, ETA), with log lines printed
// above it. In a log (stderr not a TTY), plain lines: one per epoch of a group, at most one
// every LOG_INTERVAL_MS (the last epoch of a group always), and one per finished trial.
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

export interface Progress {
  /** `done` trial-epochs of `total` finished; `info`: the epoch that just did. */
  update(done: number, info: EpochInfo): void;
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
  /** Milliseconds; performance.now() unless a test drives the clock. */
  now?: () => number;
}

/** The plain-line progress of a log: `mnist: trials 1-24 of 240, epoch 3/10, 1 min 12 s
 * elapsed, ETA 8 min 40 s, mean train loss 0.3121`. */
function logProgress(total: number, stream: Pick<NodeJS.WriteStream, 'write'>, options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const limiter = new RateLimiter(options.intervalMs ?? LOG_INTERVAL_MS, now);
  const started = now();
  let skipped = 0;
  const write = (line: string) => void stream.write(`${line}\n`);
  return {
    update(done, info) {
      if (!limiter.allow(info.epoch === info.epochs)) return;
      const elapsed = (now() - started) / 1000;
      const trained = done - skipped;
      const eta = trained > 0 ? ((total - done) * elapsed) / trained : NaN;
      write(`${info.dataset}: trials ${info.trials}, epoch ${info.epoch}/${info.epochs}, ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}, mean train loss ${lossText(info.loss)}`);
    },
    restored: (n) => void (skipped += n),
    trialDone: write,
    log: write,
    stop() {},
  };
}

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = {}): Progress {
  if (!stream.isTTY) return logProgress(total, stream, options);
  const bars = new MultiBar({ format: 'training [{bar}] {percentage}% | trials {trials} | epoch {epoch} | loss {loss} | ETA {eta_formatted}', hideCursor: true, etaBuffer: 20, stream });
  const bar = bars.create(total, 0, { trials: '-', epoch: '-', loss: '-' });
  return {
    update: (done, info) => bar.update(done, { trials: info.trials, epoch: `${info.epoch}/${info.epochs}`, loss: lossText(info.loss) }),
    restored() {},
    trialDone: () => {},
    log: (line) => bars.log(`${line}\n`),
    stop: () => bars.stop(),
  };
}
