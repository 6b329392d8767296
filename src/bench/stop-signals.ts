// Stopping a run on SIGINT (Ctrl-C) or SIGTERM (kill, a Kubernetes or SLURM preemption):
// the first signal asks the run to stop after the current training step, save what
// finished and write its report; the run then exits with 128 + the signal's number (130,
// 143). A second signal quits at once (the journal holds every finished trial either way).
//
// One Ctrl-C can arrive twice: a terminal sends SIGINT to the whole foreground process
// group, and `npm run` relays the SIGINT it got to its child as well. So under npm the first
// repeat of the first signal is taken for npm's relay of it, whenever its handler runs (a
// busy process, e.g. one rendering its report, runs it late); elsewhere a repeat within
// DUPLICATE_MS is. Only a further one quits at once.

/** Signals that stop a run, with the exit code a stopped run ends with (128 + number). */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignalName = keyof typeof STOP_SIGNALS;

/** A repeat of the first signal this soon is a relay of it (npm), not a second request. */
export const DUPLICATE_MS = 1000;

export interface StopRequest {
  /** True once a stop was asked. */
  requested(): boolean;
  /** The signal that asked, or null. */
  readonly signal: StopSignalName | null;
  /** The exit code of a run that stopped on it (130 or 143), or null. */
  exitCode(): number | null;
  /** Stops listening (the process's default handling returns). */
  dispose(): void;
}

export interface StopOptions {
  log: (line: string) => void;
  /** Leaves the process at once with `code` (a second signal); default process.exit. */
  quit?: (code: number) => void;
  /** Milliseconds; performance.now() unless a test drives the clock. */
  now?: () => number;
  /** Where the signals come from; default the process. */
  source?: Pick<NodeJS.Process, 'on' | 'off'>;
  /** The process runs under `npm run`, which relays each signal it gets (default: npm's
   * npm_lifecycle_event is set). */
  underNpm?: boolean;
}

/** How to send the signal again, as the user would. */
function againHint(signal: StopSignalName): string {
  return signal === 'SIGINT' ? 'press Ctrl-C again' : 'send SIGTERM again';
}

/** Listens for SIGINT and SIGTERM until dispose(). */
export function listenForStop(opts: StopOptions): StopRequest {
  const now = opts.now ?? (() => performance.now());
  const quit = opts.quit ?? ((code: number) => process.exit(code));
  const source = opts.source ?? process;
  const underNpm = opts.underNpm ?? process.env.npm_lifecycle_event !== undefined;
  let first: { signal: StopSignalName; at: number; repeats: number } | null = null;
  const handlers = (Object.keys(STOP_SIGNALS) as StopSignalName[]).map((signal) => {
    const handler = () => {
      const t = now();
      if (!first) {
        first = { signal, at: t, repeats: 0 };
        opts.log(`\nstopping after the current step (${signal}): finished trials are saved and the report is written (${againHint(signal)} to quit at once)`);
        return;
      }
      const relay = signal === first.signal && (underNpm ? first.repeats === 0 : t - first.at < DUPLICATE_MS);
      if (signal === first.signal) first.repeats++;
      if (relay) return; // the same request, relayed
      opts.log(`quitting at once (${signal}): every finished trial is in the journal`);
      quit(STOP_SIGNALS[signal]);
    };
    source.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    requested: () => first !== null,
    get signal() {
      return first?.signal ?? null;
    },
    exitCode: () => (first ? STOP_SIGNALS[first.signal] : null),
    dispose: () => handlers.forEach(([s, h]) => source.off(s, h)),
  };
}
