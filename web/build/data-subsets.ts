// Vite plugin (runs in Node, at build and in the dev server): the page's data sets, served
// beside it as data/<name>/*.gz and listed in data/manifest.json. Each is the first
// TRAIN training and TEST test images of the official files, read through the CLI's loader,
// so every byte comes from files checked against their official SHA-256. A data set the
// loader cannot find is left out with a warning (the page then offers the others and the
// visitor's own files).
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { DATASETS, loadDataset, type Split } from '../../src/bench/data/datasets.ts';
import { encodeIdx } from '../../src/bench/data/idx.ts';
import { DATASET_TITLES } from '../../src/bench/data/names.ts';
import type { Manifest, ManifestEntry } from '../src/data.ts';

/** Images per served split: enough for a few thousand training, validation and test images,
 * small enough to load at once (about 1.5 MB per data set). */
export const SUBSET = { train: 6000, test: 2000 };

const FILES = { trainImages: 'train-images-idx3-ubyte.gz', trainLabels: 'train-labels-idx1-ubyte.gz', testImages: 't10k-images-idx3-ubyte.gz', testLabels: 't10k-labels-idx1-ubyte.gz' };

function head(s: Split, n: number): { images: Uint8Array; labels: Uint8Array } {
  return { images: encodeIdx([n, s.rows, s.cols], s.images.subarray(0, n * s.rows * s.cols)), labels: encodeIdx([n], s.labels.subarray(0, n)) };
}

/** Path (relative to the page) -> content, manifest included. */
export async function buildSubsets(warn: (msg: string) => void): Promise<Map<string, Uint8Array | string>> {
  const out = new Map<string, Uint8Array | string>();
  const manifest: Manifest = { datasets: [] };
  for (const name of DATASETS) {
    let ds;
    try {
      ds = await loadDataset(name);
    } catch (e) {
      warn(`${DATASET_TITLES[name]} left out of the page: ${(e as Error).message}`);
      continue;
    }
    const train = head(ds.train, SUBSET.train);
    const test = head(ds.test, SUBSET.test);
    const files = Object.fromEntries(Object.entries(FILES).map(([k, f]) => [k, `data/${name}/${f}`])) as ManifestEntry['files'];
    out.set(files.trainImages, gzipSync(train.images, { level: 9 }));
    out.set(files.trainLabels, gzipSync(train.labels, { level: 9 }));
    out.set(files.testImages, gzipSync(test.images, { level: 9 }));
    out.set(files.testLabels, gzipSync(test.labels, { level: 9 }));
    manifest.datasets.push({
      name,
      title: DATASET_TITLES[name],
      train: SUBSET.train,
      test: SUBSET.test,
      files,
      source: `data/${name}/ beside the page: the first ${SUBSET.train} of the ${ds.train.count} training and ${SUBSET.test} of the ${ds.test.count} test images of the official ${DATASET_TITLES[name]} files (SHA-256 verified)`,
    });
  }
  out.set('data/manifest.json', JSON.stringify(manifest, null, 1));
  return out;
}

export function dataSubsets(): Plugin {
  let files: Promise<Map<string, Uint8Array | string>> | null = null;
  const make = (warn: (msg: string) => void) => (files ??= buildSubsets(warn));
  return {
    name: 'optbench-data-subsets',
    configureServer(server) {
      const warn = (msg: string) => server.config.logger.warn(msg);
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0]).replace(/^\/+/, '');
        if (!path.startsWith('data/')) return next();
        make(warn).then((all) => {
          const body = all.get(path);
          if (body === undefined) return next();
          res.setHeader('Content-Type', path.endsWith('.json') ? 'application/json' : 'application/gzip');
          res.end(body);
        }, next);
      });
    },
    async generateBundle() {
      for (const [fileName, source] of await make((msg) => this.warn(msg))) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}
