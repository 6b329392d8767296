// Progress: a live bar on a terminal (trial i of N, epoch, loss, ETA); in a log, one plain
// line per finished trial.
import { SingleBar } from 'cli-progress';

export interface Progress {
  /** `done` trial-epochs of `total` finished. */
  update(done: number, info: { trials: string; epoch: string; loss: number }): void;
  trialDone(line: string): void;
  stop(): void;
}

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return { update() {}, trialDone: (line) => stream.write(`${line}\n`), stop() {} };
  }
  const bar = new SingleBar(
    { format: 'training [{bar}] {percentage}% | trials {trials} | epoch {epoch} | loss {loss} | ETA {eta_formatted}', hideCursor: true, etaBuffer: 20, stream },
  );
  bar.start(total, 0, { trials: '-', epoch: '-', loss: '-' });
  return {
    update: (done, info) => bar.update(done, { ...info, loss: Number.isFinite(info.loss) ? info.loss.toFixed(4) : 'nan' }),
    trialDone: () => {},
    stop: () => bar.stop(),
  };
}
