// The output folder of a command, made and proved writable before any data is read or the
// GPU opened, so a folder the run cannot write is one line and exit code 2 rather than a
// stack trace after minutes. Each missing level is made on its own: Node's recursive mkdir
// never returns on a path it cannot create under procfs (`--out /proc/x/run`).
import { closeSync, existsSync, mkdirSync, openSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export class OutDirError extends Error {
  override name = 'OutDirError';
}

/** What an errno means for a folder the user chose. */
export function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    ENOENT: 'folders cannot be made there',
    ENOTDIR: 'a part of the path is a file',
  };
  return (code && known[code]) ?? `${code ?? (e as Error).message}`;
}

/** Folders made by prepareOutDir in this process, newest last. */
const made: string[] = [];

/**
 * Makes `dir` and every missing folder above it, then writes and removes a file in it. A
 * failure undoes what it made and throws an OutDirError naming the folder and why (read-only
 * file system, permission denied, a file in the way, ...).
 */
export function prepareOutDir(dir: string, remedy = 'choose another --out'): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  while (!existsSync(at) && dirname(at) !== at) {
    missing.unshift(at);
    at = dirname(at);
  }
  const fail = (why: string): never => {
    removeMadeDirs();
    throw new OutDirError(`cannot write the output folder ${dir}: ${why}; ${remedy}`);
  };
  if (!statSync(at).isDirectory()) fail(`${at} is a file, not a folder`);
  for (const d of missing) {
    try {
      mkdirSync(d);
      made.push(d);
    } catch (e) {
      fail(reason(e));
    }
  }
  const probe = join(target, `.optbench-write-test-${process.pid}`);
  try {
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, 'x');
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (e) {
    fail(reason(e));
  }
}

/** Removes the folders prepareOutDir made that are still empty (a run that ended on bad
 * input before writing anything leaves nothing behind). */
export function removeMadeDirs(): void {
  while (made.length) {
    try {
      rmdirSync(made.pop()!);
    } catch {
      return; // not empty: the run wrote there, and the folders above hold it
    }
  }
}
