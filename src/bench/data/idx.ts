// Reader for the IDX format of the MNIST family: a 4-byte magic number (two zero bytes, the
// element type, the number of dimensions), one big-endian uint32 per dimension, then the
// elements row-major. Only unsigned-byte files (type 0x08) exist in these data sets.
// Node-free (the web page reads IDX files too): gzip is undone before parsing, by gunzip.ts in
// Node, by the browser's DecompressionStream in the page.
import { DataError } from './errors.ts';

export interface Idx {
  dims: number[];
  /** The elements, row-major, in an ArrayBuffer of their own (offset 0). */
  data: Uint8Array;
}

/** Unsigned bytes, 3 dimensions (count, rows, cols). */
export const IDX_IMAGES = 0x00000803;
/** Unsigned bytes, 1 dimension (count). */
export const IDX_LABELS = 0x00000801;

export const FIX = 'delete it and let the loader fetch it again, or replace it with the official file';

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * Parses an IDX file (uncompressed: gunzip first). `expectMagic` (IDX_IMAGES or IDX_LABELS)
 * pins the kind; without it any unsigned-byte IDX file is accepted. The file must be
 * exactly header + product of the dimensions long.
 */
export function parseIdx(raw: Uint8Array, file: string, expectMagic?: number): Idx {
  if (isGzip(raw)) throw new DataError(`${file}: still gzip-compressed; decompress it before parsing`);
  if (raw.length < 4) throw new DataError(`${file}: too short for an IDX file (${raw.length} bytes); ${FIX}`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0);
  const ndims = raw[3];
  const wanted = expectMagic === undefined ? 'an unsigned-byte IDX magic number 0x000008NN' : hex(expectMagic);
  if (raw[0] !== 0 || raw[1] !== 0 || raw[2] !== 0x08 || ndims === 0 || (expectMagic !== undefined && magic !== expectMagic)) {
    throw new DataError(`${file}: wrong magic number ${hex(magic)}, expected ${wanted}: not the expected IDX file; ${FIX}`);
  }
  const header = 4 + 4 * ndims;
  if (raw.length < header) {
    throw new DataError(`${file}: truncated: ${raw.length} bytes, shorter than the ${header}-byte header of ${ndims} dimensions; ${FIX}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const have = raw.length - header;
  if (have < size) {
    throw new DataError(`${file}: truncated: dimensions ${dims.join('x')} need ${size} data bytes, the file has ${have}; ${FIX}`);
  }
  if (have > size) {
    throw new DataError(`${file}: ${have - size} trailing bytes after the ${size} data bytes of dimensions ${dims.join('x')}; ${FIX}`);
  }
  // Copy (new Uint8Array(view) copies; Buffer.slice would not) so the data owns its buffer.
  return { dims, data: new Uint8Array(raw.subarray(header)) };
}

/** An unsigned-byte IDX file of `dims` holding `data`, row-major: parseIdx's inverse (the web
 * page's data subsets are written with it). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new RangeError(`encodeIdx: dimensions ${dims.join('x')} need ${size} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
