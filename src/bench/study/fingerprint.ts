// A study's configuration fingerprint: --resume and --merge refuse a journal or shard of a
// different study. Node-free (results.json of a page's run is assembled by the same code), so
// SHA-256 comes from @noble/hashes rather than node:crypto: the same digest either way.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { StudyConfig } from './config.ts';

/** The settings that change a trial's numbers (not the backend, batching or output): with
 * optimizer files, their contents (hashes; not their paths, which differ across machines). */
export function fingerprint(c: StudyConfig): string {
  const { datasets, optimizers, hyper, regs, l2, dropout, seeds, epochs, batch, validation, trainSamples, sizes, init, resetStateEveryStep } = c;
  // independentSeeds only when set, so the fingerprints of earlier runs stay as they were.
  const key = { datasets, optimizers, hyper, regs, l2, dropout, seeds, epochs, batch, validation, trainSamples, sizes, init, resetStateEveryStep, ...(c.independentSeeds ? { independentSeeds: true } : {}) };
  const files = c.optimizerFiles?.length ? { optimizerFiles: c.optimizerFiles.map((f) => f.sha256) } : {};
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify({ ...key, ...files })))).slice(0, 16);
}
