// Gzip for the Node loader (datasets.ts): the official files come as .gz. (The web page
// decompresses with the browser's DecompressionStream instead.)
import { gunzipSync } from 'node:zlib';
import { DataError } from './errors.ts';
import { FIX, isGzip } from './idx.ts';

/** The content of `buf`, gunzipped if it starts with the gzip magic bytes. */
export function gunzipIfNeeded(buf: Uint8Array, file: string): Uint8Array {
  if (!isGzip(buf)) return buf;
  try {
    return gunzipSync(buf);
  } catch (e) {
    throw new DataError(`${file}: not a valid gzip file (${(e as Error).message}); ${FIX}`);
  }
}
