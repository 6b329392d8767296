// Progress: a live bar on a terminal (trial i of N, epoch, loss, ETA), with log lines printed
// above it; in a log (not a TTY), plain lines and one line per finished trial.
import { MultiBar } from 'cli-progress';

export interface Progress {
  /** `done` trial-epochs of `total` finished. */
  update(done: number, info: { trials: string; epoch: string; loss: number }): void;
  trialDone(line: string): void;
  /** A message that must not tear the bar. */
  log(line: string): void;
  stop(): void;
}

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return { update() {}, trialDone: (line) => stream.write(`${line}\n`), log: (line) => stream.write(`${line}\n`), stop() {} };
  }
  const bars = new MultiBar({ format: 'training [{bar}] {percentage}% | trials {trials} | epoch {epoch} | loss {loss} | ETA {eta_formatted}', hideCursor: true, etaBuffer: 20, stream });
  const bar = bars.create(total, 0, { trials: '-', epoch: '-', loss: '-' });
  return {
    update: (done, info) => bar.update(done, { ...info, loss: Number.isFinite(info.loss) ? info.loss.toFixed(4) : 'nan' }),
    trialDone: () => {},
    log: (line) => bars.log(`${line}\n`),
    stop: () => bars.stop(),
  };
}
