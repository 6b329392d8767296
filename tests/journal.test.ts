// The run journal and group checkpoints: what a killed or stopped run keeps. Host only.
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../src/bench/results/types.ts';
import { clearCheckpoint, inspectCheckpoint, readCheckpoint, writeCheckpoint } from '../src/bench/study/checkpoint.ts';
import { ConfigError, PRESETS, type StudyConfig } from '../src/bench/study/config.ts';
import { fingerprint, Journal, JOURNAL } from '../src/bench/study/journal.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('journal');
const quick = (): StudyConfig => structuredClone(PRESETS.quick);

function record(id: string, over: Partial<TrialRecord> = {}): TrialRecord {
  const [dataset, optimizer, reg, seed] = id.split('/');
  return {
    id, dataset, optimizer, reg: reg as TrialRecord['reg'], seed: Number(seed), hyper: { lr: 0.1 }, l2: 0, dropout: 0, resetEveryStep: false,
    epochs: [{ epoch: 0, trainLoss: 0.5, trainAccuracy: 0.9, valLoss: 0.4, valAccuracy: 0.91, seconds: 1.25 }],
    testLoss: 0.3, testAccuracy: 0.92, diverged: false, divergedEpoch: null, seconds: 2, samplesPerSecond: 1000, groupSize: 1, updateMsPerStep: null,
    ...over,
  };
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe('fingerprint', () => {
  it('changes with every setting that changes a trial, not with how or where it runs', () => {
    const c = quick();
    const fp = fingerprint(c);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint(quick())).toBe(fp);
    const changes: Array<Partial<StudyConfig>> = [
      { datasets: ['fashion-mnist'] }, { optimizers: ['sgd'] }, { hyper: { ...c.hyper, adam: { lr: 0.002 } } }, { regs: ['L2'] }, { l2: 0.5 },
      { dropout: 0.2 }, { seeds: [1] }, { epochs: 3 }, { batch: 64 }, { validation: 1000 }, { trainSamples: 500 }, { sizes: [784, 64, 10] },
      { init: 'he-uniform' }, { resetStateEveryStep: ['sgd'] },
    ];
    for (const ch of changes) expect(fingerprint({ ...c, ...ch }), JSON.stringify(ch)).not.toBe(fp);
    const same: Array<Partial<StudyConfig>> = [{ backend: 'vulkan' }, { profile: true }, { trialsAtOnce: 7 }, { dataDir: '/data' }, { preset: 'renamed' }, { target: { mnist: 0.5 } }];
    for (const ch of same) expect(fingerprint({ ...c, ...ch }), JSON.stringify(ch)).toBe(fp);
  });
});

describe('journal', () => {
  it('keeps the configuration, every appended trial and the time of earlier sessions', () => {
    const dir = tmp();
    const c = quick();
    const j = Journal.create(dir, c);
    j.append([record('mnist/sgd/default/1'), record('mnist/sgd/default/2', { testLoss: NaN, testAccuracy: NaN, diverged: true, divergedEpoch: 0 })]);
    j.endSession(12.5);
    expect([...j.trials.keys()]).toEqual(['mnist/sgd/default/1', 'mnist/sgd/default/2']);
    const lines = readFileSync(join(dir, JOURNAL), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string } & Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(['header', 'trial', 'trial', 'session']);
    expect(lines[0]).toMatchObject({ fingerprint: fingerprint(c), preset: 'quick', config: c });

    expect(Journal.config(dir)).toEqual(c);
    const again = Journal.open(dir, c);
    expect([...again.trials.keys()]).toEqual(['mnist/sgd/default/1', 'mnist/sgd/default/2']);
    expect(again.trials.get('mnist/sgd/default/1')).toEqual(record('mnist/sgd/default/1'));
    // JSON has no NaN: a diverged trial's numbers come back as null.
    expect(again.trials.get('mnist/sgd/default/2')!.testAccuracy).toBeNull();
    expect(again.earlierSeconds).toBe(12.5);
    again.endSession(2);
    expect(Journal.open(dir, c).earlierSeconds).toBe(14.5);
  });

  it('records the tuned kernels once per change, and a resumed run reads them back', () => {
    const dir = tmp();
    const c = quick();
    const j = Journal.create(dir, c);
    j.recordKernels({ 'NN:128x784x128': 'vec4_16x16_wg16', 'TN:784x128x128': 'scalar_4x4_wg32' });
    j.recordKernels({ 'NN:128x784x128': 'vec4_16x16_wg16' }); // nothing new: no line
    j.recordKernels({ 'NN:128x784x128': 'vec4_8x8_wg16' }); // a change: one line with it alone
    const lines = readFileSync(join(dir, JOURNAL), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; kernels?: Record<string, string> });
    expect(lines.map((l) => l.type)).toEqual(['header', 'kernels', 'kernels']);
    expect(lines[2].kernels).toEqual({ 'NN:128x784x128': 'vec4_8x8_wg16' });
    expect(Journal.open(dir, c).kernels).toEqual({ 'NN:128x784x128': 'vec4_8x8_wg16', 'TN:784x128x128': 'scalar_4x4_wg32' });
  });

  it('ignores a torn last line (a kill during its write) and refuses damage elsewhere', () => {
    const dir = tmp();
    const c = quick();
    Journal.create(dir, c).append([record('mnist/adam/L2/3')]);
    const path = join(dir, JOURNAL);
    appendFileSync(path, '{"type":"trial","record":{"id":"mnist/ad');
    expect([...Journal.open(dir, c).trials.keys()]).toEqual(['mnist/adam/L2/3']);

    const lines = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, [lines[0], 'garbage', lines[1], ''].join('\n'));
    const e = thrown(() => Journal.open(dir, c));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe(`${path}: line 2 is not JSON; the journal is damaged`);

    writeFileSync(path, `${lines[1]}\n`);
    expect(thrown(() => Journal.open(dir, c)).message).toBe(`${path} has no header line; the journal is damaged`);
    expect(thrown(() => Journal.config(dir)).message).toBe(`${path} does not start with a run header; it is not a journal of this tool`);
    writeFileSync(path, 'not json\n');
    expect(thrown(() => Journal.config(dir))).toBeInstanceOf(ConfigError);
    // A first line with a configuration is still no header unless it says so.
    writeFileSync(path, `${JSON.stringify({ type: 'trial', config: c })}\n`);
    expect(thrown(() => Journal.config(dir)).message).toBe(`${path} does not start with a run header; it is not a journal of this tool`);
  });

  it('blank lines are skipped; a torn line is forgiven as the last one, with or without its newline', () => {
    const dir = tmp();
    const c = quick();
    Journal.create(dir, c).append([record('mnist/sgd/L2/1')]);
    const path = join(dir, JOURNAL);
    const [header, trial] = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, [header, '', '   ', trial, '{"type":"tri', ''].join('\n'));
    expect([...Journal.open(dir, c).trials.keys()]).toEqual(['mnist/sgd/L2/1']);
  });

  it('refuses a missing journal and one of another configuration', () => {
    const dir = tmp();
    expect(thrown(() => Journal.config(dir)).message).toBe(`${dir} holds no run to resume (no ${JOURNAL})`);
    expect(thrown(() => Journal.open(dir, quick())).message).toBe(`${dir} holds no run to resume (no ${JOURNAL})`);
    Journal.create(dir, quick());
    const e = thrown(() => Journal.open(dir, { ...quick(), epochs: 5 }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe(`${dir} holds a run of a different configuration (preset 'quick'); --resume continues it with its own settings (only --backend, --profile, --trials-at-once and --data-dir may change)`);
  });
});

describe('checkpoint', () => {
  const ids = ['mnist/sgd/default/1', 'mnist/adam/default/1'];
  const snapshot = () => ({
    step: 17,
    divergedAt: [null, 0],
    params: Float32Array.from([1.5, -2, 3e-30, NaN]),
    state: [Float32Array.from([0.25]), Float32Array.from([7, 8, 9])],
  });
  const records = () => [record(ids[0]), record(ids[1], { epochs: [{ epoch: 0, trainLoss: NaN, trainAccuracy: NaN, valLoss: null, valAccuracy: null, seconds: 1 }] })];

  it('gives back the group exactly: arrays bit for bit, step, divergence, records (NaN restored)', () => {
    const dir = tmp();
    writeCheckpoint(dir, 'fp1', ids, 2, records(), snapshot());
    const cp = readCheckpoint(dir, 'fp1', ids)!;
    expect(cp.epochsDone).toBe(2);
    expect(cp.snapshot.step).toBe(17);
    expect(cp.snapshot.divergedAt).toEqual([null, 0]);
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    expect(bits(cp.snapshot.params)).toEqual(bits(snapshot().params));
    expect(cp.snapshot.state.map(bits)).toEqual(snapshot().state.map(bits));
    expect(cp.records[0]).toEqual(records()[0]);
    expect(cp.records[1].epochs[0]).toEqual({ epoch: 0, trainLoss: NaN, trainAccuracy: NaN, valLoss: null, valAccuracy: null, seconds: 1 });
  });

  it('is ignored when it belongs to another study or group, or its two files do not match', () => {
    const dir = tmp();
    expect(readCheckpoint(dir, 'fp1', ids)).toBeNull(); // none
    writeCheckpoint(dir, 'fp1', ids, 1, records(), snapshot());
    expect(readCheckpoint(dir, 'fp2', ids)).toBeNull();
    expect(readCheckpoint(dir, 'fp1', [...ids].reverse())).toBeNull();
    expect(readCheckpoint(dir, 'fp1', ids.slice(0, 1))).toBeNull();
    // A crash between the two writes: the new .bin beside the old .json (another token).
    const oldMeta = readFileSync(join(dir, 'checkpoint.json'));
    writeCheckpoint(dir, 'fp1', ids, 2, records(), snapshot());
    writeFileSync(join(dir, 'checkpoint.json'), oldMeta);
    expect(readCheckpoint(dir, 'fp1', ids)).toBeNull();
    // A .bin of the wrong length.
    writeCheckpoint(dir, 'fp1', ids, 2, records(), snapshot());
    writeFileSync(join(dir, 'checkpoint.bin'), readFileSync(join(dir, 'checkpoint.bin')).subarray(0, 40));
    expect(readCheckpoint(dir, 'fp1', ids)).toBeNull();
    // A torn .json.
    writeCheckpoint(dir, 'fp1', ids, 2, records(), snapshot());
    writeFileSync(join(dir, 'checkpoint.json'), '{"version":1,');
    expect(readCheckpoint(dir, 'fp1', ids)).toBeNull();
    // Another version.
    writeCheckpoint(dir, 'fp1', ids, 2, records(), snapshot());
    const meta = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify({ ...meta, version: 2 }));
    expect(readCheckpoint(dir, 'fp1', ids)).toBeNull();
    // Only the .json, or only the .bin.
    writeCheckpoint(dir, 'fp1', ids, 2, records(), snapshot());
    writeFileSync(join(dir, 'checkpoint.bin.keep'), readFileSync(join(dir, 'checkpoint.bin')));
    clearCheckpoint(dir);
    expect(existsSync(join(dir, 'checkpoint.json')) || existsSync(join(dir, 'checkpoint.bin'))).toBe(false);
    writeFileSync(join(dir, 'checkpoint.bin'), readFileSync(join(dir, 'checkpoint.bin.keep')));
    expect(readCheckpoint(dir, 'fp1', ids)).toBeNull();
    clearCheckpoint(dir);
    writeCheckpoint(dir, 'fp1', ids, 2, records(), snapshot());
    writeFileSync(join(dir, 'checkpoint.bin'), '');
    clearCheckpoint(dir);
    writeCheckpoint(dir, 'fp1', ids, 2, records(), snapshot());
    const json = readFileSync(join(dir, 'checkpoint.json'));
    clearCheckpoint(dir);
    writeFileSync(join(dir, 'checkpoint.json'), json);
    expect(readCheckpoint(dir, 'fp1', ids)).toBeNull(); // the .json without its .bin
    clearCheckpoint(dir);
    expect(existsSync(join(dir, 'checkpoint.json'))).toBe(false);
    clearCheckpoint(tmp()); // and clearing nothing is fine
  });

  it('says why a checkpoint cannot continue the group, and after which epoch it was taken (the run says so, not silently restarting)', () => {
    const dir = tmp();
    const why = () => inspectCheckpoint(dir, 'fp1', ids);
    expect(why()).toBeNull(); // none: nothing to say
    writeCheckpoint(dir, 'fp1', ids, 3, records(), snapshot());
    expect(why()).toHaveProperty('checkpoint');
    expect(inspectCheckpoint(dir, 'fp1', ids.slice(0, 1))).toEqual({ unusable: 'it holds another group of trials (the groups differ when --trials-at-once or the adapter changes)', epochsDone: 3 });
    expect(inspectCheckpoint(dir, 'fp2', ids)).toEqual({ unusable: 'it belongs to another study', epochsDone: 3 });
    const bin = readFileSync(join(dir, 'checkpoint.bin'));
    writeFileSync(join(dir, 'checkpoint.bin'), bin.subarray(0, 40));
    expect(why()).toEqual({ unusable: `checkpoint.bin does not match checkpoint.json (40 bytes, not ${bin.length})`, epochsDone: 3 });
    const json = readFileSync(join(dir, 'checkpoint.json'));
    writeCheckpoint(dir, 'fp1', ids, 4, records(), snapshot());
    writeFileSync(join(dir, 'checkpoint.json'), json); // a crash between the two writes
    expect(why()).toEqual({ unusable: 'checkpoint.bin does not match checkpoint.json (written by another checkpoint: a crash between the two writes)', epochsDone: 3 });
    writeFileSync(join(dir, 'checkpoint.json'), '{"version":1,');
    expect(why()).toMatchObject({ unusable: expect.stringMatching(/^checkpoint\.json is damaged \(.*JSON/), epochsDone: null });
    rmSync(join(dir, 'checkpoint.json'));
    expect(why()).toEqual({ unusable: 'checkpoint.bin is there without its checkpoint.json', epochsDone: null });
  });
});
