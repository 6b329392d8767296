// The output folder, made and proved writable before a run reads data or opens the GPU.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutDirError, prepareOutDir, reason, removeMadeDirs } from '../src/bench/out-dir.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('out-dir');

describe('prepareOutDir', () => {
  it('makes every missing level, leaves no probe file; removeMadeDirs takes back the empty ones', () => {
    const root = tmp();
    const out = join(root, 'a', 'b', 'c');
    prepareOutDir(out);
    expect(readdirSync(out)).toEqual([]);
    removeMadeDirs();
    expect(readdirSync(root)).toEqual([]);
  });

  it('keeps folders the run wrote into', () => {
    const root = tmp();
    const out = join(root, 'a', 'b');
    prepareOutDir(out);
    writeFileSync(join(out, 'results.json'), '{}');
    removeMadeDirs();
    expect(existsSync(join(out, 'results.json'))).toBe(true);
  });

  it('an existing writable folder is fine and untouched', () => {
    const out = tmp();
    mkdirSync(join(out, 'x'));
    prepareOutDir(out);
    removeMadeDirs();
    expect(readdirSync(out)).toEqual(['x']);
  });

  it('a file in the path: one line naming it, nothing made', () => {
    const root = tmp();
    writeFileSync(join(root, 'f'), '');
    expect(() => prepareOutDir(join(root, 'f', 'run'))).toThrow(new OutDirError(`cannot write the output folder ${join(root, 'f', 'run')}: ${join(root, 'f')} is a file, not a folder; choose another --out`));
    expect(readdirSync(root)).toEqual(['f']);
  });

  it.runIf(process.platform === 'linux')('procfs: refused at once (a recursive mkdir there never returns), and what it made undone', () => {
    expect(() => prepareOutDir('/proc/optbench-nope/run')).toThrow('cannot write the output folder /proc/optbench-nope/run: folders cannot be made there; choose another --out');
  });

  it('says what an error means for the user', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(reason(err('EROFS'))).toBe('the file system is read-only');
    expect(reason(err('EACCES'))).toBe('permission denied');
    expect(reason(err('ENOSPC'))).toBe('the disk is full');
    expect(reason(err('EIO'))).toBe('EIO');
  });
});
