// Epoch checkpoints of a training group, so a killed run loses at most the epoch in flight
// even when many trials train together for a long time. A checkpoint is the group's
// snapshot (parameters, optimizer state, step, divergence) plus the per-epoch records so far;
// training continues from it bit for bit, since shuffles and dropout masks are functions of
// seeds, epochs and steps. Two files, each written atomically: checkpoint.bin (the arrays
// after a random token) and then checkpoint.json (which names the token), so a crash
// between the two leaves a pair that does not match and is ignored.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { toJson, writeFileAtomic } from '../results/files.ts';
import type { TrialRecord } from '../results/types.ts';
import type { GroupSnapshot } from './trainer.ts';

const BIN = 'checkpoint.bin';
const META = 'checkpoint.json';
const TOKEN_BYTES = 16;

interface Meta {
  version: 1;
  fingerprint: string;
  /** Trial ids of the group, in order. */
  ids: string[];
  epochsDone: number;
  records: TrialRecord[];
  step: number;
  divergedAt: Array<number | null>;
  /** Lengths of the arrays in checkpoint.bin: parameters, then each state buffer. */
  lengths: number[];
  token: string;
}

export interface Checkpoint {
  epochsDone: number;
  records: TrialRecord[];
  snapshot: GroupSnapshot;
}

export function writeCheckpoint(dir: string, fingerprint: string, ids: string[], epochsDone: number, records: TrialRecord[], s: GroupSnapshot): void {
  const token = randomBytes(TOKEN_BYTES);
  const arrays = [s.params, ...s.state];
  const bytes = new Uint8Array(TOKEN_BYTES + arrays.reduce((n, a) => n + a.byteLength, 0));
  bytes.set(token, 0);
  let at = TOKEN_BYTES;
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  writeFileAtomic(join(dir, BIN), bytes);
  const meta: Meta = { version: 1, fingerprint, ids, epochsDone, records, step: s.step, divergedAt: s.divergedAt, lengths: arrays.map((a) => a.length), token: token.toString('hex') };
  writeFileAtomic(join(dir, META), toJson(meta, 0));
}

/** The checkpoint of exactly this group of this study, or null (none, another group, or a
 * pair torn by a crash). JSON has no NaN: numbers saved as null come back as NaN. */
export function readCheckpoint(dir: string, fingerprint: string, ids: string[]): Checkpoint | null {
  if (!existsSync(join(dir, META)) || !existsSync(join(dir, BIN))) return null;
  let meta: Meta;
  try {
    meta = JSON.parse(readFileSync(join(dir, META), 'utf8')) as Meta;
  } catch {
    return null;
  }
  if (meta.version !== 1 || meta.fingerprint !== fingerprint || meta.ids.join('\n') !== ids.join('\n')) return null;
  const bin = readFileSync(join(dir, BIN));
  const total = meta.lengths.reduce((n, l) => n + l * 4, TOKEN_BYTES);
  if (bin.length !== total || bin.subarray(0, TOKEN_BYTES).toString('hex') !== meta.token) return null;
  const arrays: Float32Array[] = [];
  let at = TOKEN_BYTES;
  for (const l of meta.lengths) {
    arrays.push(new Float32Array(bin.buffer.slice(bin.byteOffset + at, bin.byteOffset + at + l * 4)));
    at += l * 4;
  }
  const nan = (v: number | null) => (v === null ? NaN : v);
  const records = meta.records.map((r) => ({
    ...r,
    epochs: r.epochs.map((e) => ({ ...e, trainLoss: nan(e.trainLoss), trainAccuracy: nan(e.trainAccuracy) })),
  }));
  return { epochsDone: meta.epochsDone, records, snapshot: { step: meta.step, divergedAt: meta.divergedAt, params: arrays[0], state: arrays.slice(1) } };
}

export function clearCheckpoint(dir: string): void {
  rmSync(join(dir, META), { force: true });
  rmSync(join(dir, BIN), { force: true });
}
