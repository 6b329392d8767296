// The page's data: the MNIST / Fashion-MNIST subsets served beside it (written at build time
// from the verified official files, see web/build/data-subsets.ts), or the visitor's own four
// IDX files, .gz or not. Bad files are a DataError naming the file and what is wrong.
import { DataError } from '../../src/bench/data/errors.ts';
import type { SplitBytes } from '../../src/bench/data/gpu-data.ts';
import { IDX_IMAGES, IDX_LABELS, isGzip, parseIdx, type Idx } from '../../src/bench/data/idx.ts';
import type { MemoryDataset } from '../../src/bench/study/run-in-memory.ts';

/** data/manifest.json: what the build served. */
export interface Manifest {
  datasets: ManifestEntry[];
}

export interface ManifestEntry {
  name: string;
  title: string;
  /** Images in the served training and test splits. */
  train: number;
  test: number;
  /** Paths relative to the page, of the four gzipped IDX files. */
  files: { trainImages: string; trainLabels: string; testImages: string; testLabels: string };
  /** Where the subset comes from, for results.json. */
  source: string;
}

const SIDE = 28;
const CLASSES = 10;
const OWN_FIX = 'choose the four IDX files of a data set in the MNIST format (training and test images and labels, .gz or not)';

/** The bytes, gunzipped if they are gzip (a server may have undone that already). */
export async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DataError(`${name}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** A split from its images (count x 28 x 28) and labels (count, each 0..9). */
export function splitOf(images: Idx, labels: Idx, names: { images: string; labels: string }): SplitBytes {
  const [count, rows, cols] = images.dims;
  if (images.dims.length !== 3) throw new DataError(`${names.images}: ${images.dims.length} dimensions, images have 3 (count x rows x columns)`);
  if (rows !== SIDE || cols !== SIDE) throw new DataError(`${names.images}: images of ${rows}x${cols} pixels; the study's MLP takes ${SIDE}x${SIDE} (784 inputs)`);
  if (labels.dims.length !== 1) throw new DataError(`${names.labels}: ${labels.dims.length} dimensions, labels have 1`);
  if (labels.dims[0] !== count) throw new DataError(`${names.labels}: ${labels.dims[0]} labels for the ${count} images of ${names.images}`);
  const bad = labels.data.findIndex((l) => l >= CLASSES);
  if (bad >= 0) throw new DataError(`${names.labels}: label ${labels.data[bad]} at index ${bad} is not a class 0..${CLASSES - 1}`);
  return { images: images.data, labels: labels.data, count, rows, cols };
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DataError(`${url}: cannot be fetched (${(e as Error).message})`);
  }
  if (!res.ok) throw new DataError(`${url}: the server answered ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** data/manifest.json beside the page; no data sets when the build served none. */
export async function loadManifest(base: URL): Promise<Manifest> {
  const url = new URL('data/manifest.json', base);
  const res = await fetch(url).catch(() => null);
  if (!res || !res.ok) return { datasets: [] };
  return (await res.json()) as Manifest;
}

/** A served subset, read and checked. */
export async function loadServed(base: URL, e: ManifestEntry): Promise<MemoryDataset> {
  const read = async (path: string, magic: number) => {
    const url = new URL(path, base);
    return parseIdx(await gunzip(await fetchBytes(url), url.pathname), url.pathname, magic);
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    read(e.files.trainImages, IDX_IMAGES), read(e.files.trainLabels, IDX_LABELS), read(e.files.testImages, IDX_IMAGES), read(e.files.testLabels, IDX_LABELS),
  ]);
  return {
    train: splitOf(trainImages, trainLabels, { images: e.files.trainImages, labels: e.files.trainLabels }),
    test: splitOf(testImages, testLabels, { images: e.files.testImages, labels: e.files.testLabels }),
    source: e.source,
  };
}

interface OwnFile {
  name: string;
  idx: Idx;
}

/** Which of two files is the training split: by name (train / t10k, test), else the larger. */
function trainFirst(a: OwnFile, b: OwnFile): [OwnFile, OwnFile] {
  const isTest = (f: OwnFile) => /t10k|test/i.test(f.name);
  const isTrain = (f: OwnFile) => /train/i.test(f.name);
  if (isTrain(a) && isTest(b)) return [a, b];
  if (isTrain(b) && isTest(a)) return [b, a];
  return a.idx.dims[0] >= b.idx.dims[0] ? [a, b] : [b, a];
}

/** The visitor's own data set from its four IDX files (any order, .gz or not): images and
 * labels told apart by their IDX header, training and test by name or size. */
export async function loadOwnFiles(files: Array<{ name: string; bytes: Uint8Array }>): Promise<MemoryDataset> {
  if (files.length !== 4) throw new DataError(`${files.length} file${files.length === 1 ? '' : 's'} chosen; ${OWN_FIX}`);
  const parsed: OwnFile[] = [];
  for (const f of files) {
    const raw = await gunzip(f.bytes, f.name);
    try {
      parsed.push({ name: f.name, idx: parseIdx(raw, f.name) });
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      throw new DataError(`${f.name} is not an IDX file (${e.message.replace(`${f.name}: `, '').replace(/; delete it.*$/, '')}); ${OWN_FIX}`);
    }
  }
  const images = parsed.filter((f) => f.idx.dims.length === 3);
  const labels = parsed.filter((f) => f.idx.dims.length === 1);
  if (images.length !== 2 || labels.length !== 2) {
    throw new DataError(`got ${images.length} image files (3 dimensions) and ${labels.length} label files (1 dimension), not 2 of each; ${OWN_FIX}`);
  }
  const [trainX, testX] = trainFirst(images[0], images[1]);
  const [trainY, testY] = trainFirst(labels[0], labels[1]);
  return {
    train: splitOf(trainX.idx, trainY.idx, { images: trainX.name, labels: trainY.name }),
    test: splitOf(testX.idx, testY.idx, { images: testX.name, labels: testY.name }),
    source: `your files ${[trainX, trainY, testX, testY].map((f) => f.name).join(', ')}`,
  };
}
