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
  const found = inspectCheckpoint(dir, fingerprint, ids);
  return found && 'checkpoint' in found ? found.checkpoint : null;
}

/** A checkpoint in `dir` that cannot continue this group: why, in words, and the epoch it
 * was taken after where that is known. Its epochs are lost; the group trains from epoch 1. */
export interface Unusable {
  unusable: string;
  epochsDone: number | null;
}

/** This group's checkpoint, or why the one in `dir` cannot be used; null when there is none. */
export function inspectCheckpoint(dir: string, fingerprint: string, ids: string[]): { checkpoint: Checkpoint } | Unusable | null {
  const hasMeta = existsSync(join(dir, META));
  const hasBin = existsSync(join(dir, BIN));
  if (!hasMeta && !hasBin) return null;
  if (!hasMeta) return { unusable: `${BIN} is there without its ${META}`, epochsDone: null };
  let meta: Meta;
  try {
    meta = JSON.parse(readFileSync(join(dir, META), 'utf8')) as Meta;
  } catch (e) {
    return { unusable: `${META} is damaged (${(e as Error).message.split('\n')[0]})`, epochsDone: null };
  }
  const after = typeof meta.epochsDone === 'number' ? meta.epochsDone : null;
  if (meta.version !== 1) return { unusable: `${META} is of another version (${JSON.stringify(meta.version ?? null)})`, epochsDone: after };
  if (meta.fingerprint !== fingerprint) return { unusable: 'it belongs to another study', epochsDone: after };
  if (meta.ids.join('\n') !== ids.join('\n')) return { unusable: 'it holds another group of trials (the groups differ when --trials-at-once or the adapter changes)', epochsDone: after };
  if (!hasBin) return { unusable: `${META} is there without its ${BIN}`, epochsDone: after };
  const bin = readFileSync(join(dir, BIN));
  const total = meta.lengths.reduce((n, l) => n + l * 4, TOKEN_BYTES);
  if (bin.length !== total || bin.subarray(0, TOKEN_BYTES).toString('hex') !== meta.token) {
    return { unusable: `${BIN} does not match ${META} (${bin.length !== total ? `${bin.length} bytes, not ${total}` : 'written by another checkpoint: a crash between the two writes'})`, epochsDone: after };
  }
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
  return { checkpoint: { epochsDone: meta.epochsDone, records, snapshot: { step: meta.step, divergedAt: meta.divergedAt, params: arrays[0], state: arrays.slice(1) } } };
}

export function clearCheckpoint(dir: string): void {
  rmSync(join(dir, META), { force: true });
  rmSync(join(dir, BIN), { force: true });
}
