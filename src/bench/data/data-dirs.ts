// `--data-dir` read into a folder per data set (Node-free: the configuration checks it, and
// the web page loads the configuration).
import { DataError } from './errors.ts';
import { DATASETS, type DatasetName } from './names.ts';

/**
 * `--data-dir`: one folder DIR (each data set read from DIR/<name>, or where that is missing
 * from DIR itself, as $OPTBENCH_DATA_DIR), or a folder per data set, `mnist=DIR1,
 * fashion-mnist=DIR2` (a data set left out is looked for in the usual places). Returns the
 * folder of each data set (the key '*' for the one-folder form). Throws a DataError naming
 * an unknown data set or an empty folder.
 */
export function parseDataDirs(spec: string): Partial<Record<DatasetName | '*', string>> {
  const parts = spec.split(',');
  if (!parts.every((p) => /^[\w-]+=/.test(p.trim()))) {
    if (spec.trim() === '') throw new DataError('--data-dir is empty; give a folder, or name=FOLDER for each data set');
    return { '*': spec };
  }
  const out: Partial<Record<DatasetName, string>> = {};
  for (const p of parts) {
    const [name, dir] = [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()];
    if (!DATASETS.includes(name as DatasetName)) throw new DataError(`--data-dir names an unknown data set '${name}' (known: ${DATASETS.join(', ')}); give DIR, or name=DIR for each data set`);
    if (dir === '') throw new DataError(`--data-dir ${name}= names no folder`);
    if (out[name as DatasetName] !== undefined) throw new DataError(`--data-dir names ${name} twice`);
    out[name as DatasetName] = dir;
  }
  return out;
}

/** The folder --data-dir gives a data set, or undefined (the usual places). */
export function dataDirFor(spec: string | null | undefined, name: DatasetName): string | undefined {
  if (spec === null || spec === undefined) return undefined;
  const dirs = parseDataDirs(spec);
  return dirs[name] ?? dirs['*'];
}
