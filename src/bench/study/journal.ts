// The run journal: one JSON line per finished trial, appended and flushed to disk before
// the next trial starts, so a killed run loses nothing finished. Its first line records the
// configuration fingerprint; --resume refuses a journal of a different study. A 'kernels'
// line records the matmul kernels a session tuned, so a resumed run trains with the same.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type StudyConfig } from './config.ts';
import { toJson } from '../results/files.ts';
import type { TrialRecord } from '../results/types.ts';
import { fingerprint } from './fingerprint.ts';
import type { KernelChoices } from './kernel-choices.ts';

export { fingerprint };

export const JOURNAL = 'journal.jsonl';

interface Header {
  type: 'header';
  fingerprint: string;
  preset: string;
  createdAt: string;
  /** The run's configuration: --resume DIR continues with it. */
  config: StudyConfig;
}

function appendLine(path: string, obj: unknown): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, `${toJson(obj, 0)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class Journal {
  readonly trials = new Map<string, TrialRecord>();
  /** Wall seconds of earlier sessions (each appends one 'session' line when it ends). */
  earlierSeconds = 0;
  /** The matmul kernel of every shape the run's sessions trained (tuning key -> name). */
  readonly kernels: KernelChoices = {};

  private constructor(readonly path: string) {}

  static create(dir: string, c: StudyConfig): Journal {
    const j = new Journal(join(dir, JOURNAL));
    const header: Header = { type: 'header', fingerprint: fingerprint(c), preset: c.preset, createdAt: new Date().toISOString(), config: c };
    appendLine(j.path, header);
    return j;
  }

  /** The configuration a run directory was started with. */
  static config(dir: string): StudyConfig {
    const path = join(dir, JOURNAL);
    if (!existsSync(path)) throw new ConfigError(`${dir} holds no run to resume (no ${JOURNAL})`);
    const first = readFileSync(path, 'utf8').split('\n', 1)[0];
    try {
      const h = JSON.parse(first) as Header;
      if (h.type !== 'header' || !h.config) throw new Error('no header');
      return h.config;
    } catch {
      throw new ConfigError(`${path} does not start with a run header; it is not a journal of this tool`);
    }
  }

  /** Opens an existing journal; throws if it belongs to another configuration. */
  static open(dir: string, c: StudyConfig): Journal {
    const j = new Journal(join(dir, JOURNAL));
    if (!existsSync(j.path)) throw new ConfigError(`${dir} holds no run to resume (no ${JOURNAL})`);
    const lines = readFileSync(j.path, 'utf8').split('\n');
    let header: Header | null = null;
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let obj: { type: string } & Record<string, unknown>;
      try {
        obj = JSON.parse(line);
      } catch {
        // Only the last line can be torn (a kill during its write); it is not a finished trial.
        if (i >= lines.length - 2) return;
        throw new ConfigError(`${j.path}: line ${i + 1} is not JSON; the journal is damaged`);
      }
      if (obj.type === 'header') header = obj as unknown as Header;
      else if (obj.type === 'trial') {
        const r = obj.record as TrialRecord;
        j.trials.set(r.id, r);
      } else if (obj.type === 'session') j.earlierSeconds += Number(obj.seconds) || 0;
      else if (obj.type === 'kernels') Object.assign(j.kernels, obj.kernels);
    });
    if (!header) throw new ConfigError(`${j.path} has no header line; the journal is damaged`);
    const h = header as Header;
    if (h.fingerprint !== fingerprint(c)) {
      throw new ConfigError(`${dir} holds a run of a different configuration (preset '${h.preset}'); --resume continues it with its own settings (only --backend, --profile, --trials-at-once and --data-dir may change)`);
    }
    return j;
  }

  append(records: TrialRecord[]): void {
    for (const r of records) {
      appendLine(this.path, { type: 'trial', record: r });
      this.trials.set(r.id, r);
    }
  }

  /** Records the kernels of shapes not recorded yet. */
  recordKernels(choices: KernelChoices): void {
    const fresh = Object.entries(choices).filter(([k, v]) => this.kernels[k] !== v);
    if (fresh.length === 0) return;
    appendLine(this.path, { type: 'kernels', kernels: Object.fromEntries(fresh) });
    Object.assign(this.kernels, Object.fromEntries(fresh));
  }

  endSession(seconds: number): void {
    appendLine(this.path, { type: 'session', seconds, endedAt: new Date().toISOString() });
  }
}
