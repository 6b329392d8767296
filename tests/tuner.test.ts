// The matmul tuner's behaviour: it installs the fastest candidate it measured, caches the
// choice per adapter and shape (in the process and on disk), and keeps other adapters'
// choices apart. Which candidates exist is the tuner's business (tests/matmul.test.ts checks
// each against the reference); these tests hold whatever the list is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chosenVariant, variantKey, type MatmulArgs, type MatmulVariant, type TunedShape } from '../src/kernels/matmul.ts';
import { tuneMatmul } from '../src/kernels/matmul-tuner.ts';
import { useGpu } from './helpers/gpu.ts';
import { useTempDirs } from './helpers/temp.ts';

const gpu = useGpu();
const tmp = useTempDirs('tuner');

const NO_EPILOGUE = { bias: false, relu: false, mask: false, maskScale: false };
// Small odd shapes (fast to measure): one vec4-readable (N % 4 == 0), one not.
const SHAPE: TunedShape = { form: 'NN', M: 9, N: 12, K: 7, trials: 1, epilogue: NO_EPILOGUE };
const ODD: TunedShape = { form: 'NT', M: 5, N: 3, K: 11, trials: 2, epilogue: { ...NO_EPILOGUE, bias: true } };

/** The variant the runtime now runs for `s` (contiguous operands at offset 0). */
function installed(s: TunedShape): MatmulVariant {
  const buf = gpu().buffer(4, 'unused');
  const op = (n: number) => ({ buf, trialStride: n });
  const args: MatmulArgs = { ...s, a: op(s.M * s.K), b: op(s.K * s.N), c: op(s.M * s.N), bias: s.epilogue.bias ? op(s.N) : undefined };
  const v = chosenVariant(gpu(), args);
  gpu().release(buf);
  return v;
}

type CacheFile = Record<string, Record<string, MatmulVariant>>;
const readCache = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as CacheFile;

describe('matmul tuner', () => {
  it('measures every candidate once per distinct shape, installs the fastest, and caches it on disk', async () => {
    const file = join(tmp(), 'tuning.json');
    const results = await tuneMatmul(gpu(), [SHAPE, ODD, { ...SHAPE }], { cacheFile: file });
    expect(results).toHaveLength(2); // the repeated shape is measured once
    for (const [r, s] of [[results[0], SHAPE], [results[1], ODD]] as const) {
      expect(r.fromCache).toBe(false);
      expect(r.measured.length).toBeGreaterThan(0);
      expect(new Set(r.measured.map((m) => m.variant)).size).toBe(r.measured.length);
      for (const m of r.measured) expect(m.ms).toBeGreaterThan(0);
      // The fastest measured is chosen and installed.
      const fastest = r.measured.reduce((a, b) => (b.ms < a.ms ? b : a));
      expect(variantKey(r.chosen)).toBe(fastest.variant);
      expect(installed(s)).toEqual(r.chosen);
    }
    expect(results[0].key).not.toBe(results[1].key);
    // On disk: one adapter, the two shapes' choices.
    const cache = readCache(file);
    const adapters = Object.keys(cache);
    expect(adapters).toHaveLength(1);
    expect(adapters[0]).toContain(gpu().report.backend);
    expect(cache[adapters[0]]).toEqual({ [results[0].key]: results[0].chosen, [results[1].key]: results[1].chosen });
  });

  it('a later run takes the cached choice without measuring', async () => {
    const file = join(tmp(), 'tuning.json');
    const [first] = await tuneMatmul(gpu(), [SHAPE], { cacheFile: file });
    const before = readFileSync(file, 'utf8');
    const [again] = await tuneMatmul(gpu(), [SHAPE], { cacheFile: file });
    expect(again.fromCache).toBe(true);
    expect(again.measured).toEqual([]);
    expect(again.key).toBe(first.key);
    expect(again.chosen).toEqual(first.chosen);
    expect(readFileSync(file, 'utf8')).toBe(before); // nothing new to write
  });

  it('keeps each adapter apart: another adapter\'s entry for the same shape is neither used nor lost', async () => {
    const file = join(tmp(), 'tuning.json');
    const [mine] = await tuneMatmul(gpu(), [SHAPE], { cacheFile: null });
    // A cache written on another machine: same shape key, a variant this tuner would not pick here.
    const foreign: MatmulVariant = { kind: 'scalar', tileM: 1, tileN: 1, wg: 1 };
    writeFileSync(file, JSON.stringify({ 'vulkan|other-vendor|other-arch|0x1234|Other GPU': { [mine.key]: foreign } }));
    const [r] = await tuneMatmul(gpu(), [SHAPE], { cacheFile: file });
    expect(r.fromCache).toBe(false);
    expect(r.chosen).not.toEqual(foreign);
    const cache = readCache(file);
    expect(Object.keys(cache)).toHaveLength(2);
    expect(cache['vulkan|other-vendor|other-arch|0x1234|Other GPU']).toEqual({ [mine.key]: foreign });
  });

  it('two adapters that differ only in their name keep separate choices', async () => {
    const file = join(tmp(), 'tuning.json');
    // The same device seen under two adapter descriptions (as two cards of one vendor would be).
    const as = (description: string) => Object.create(gpu(), { report: { value: { ...gpu().report, description } } }) as ReturnType<typeof gpu>;
    const [a] = await tuneMatmul(as('Card A'), [SHAPE], { cacheFile: file });
    const [b] = await tuneMatmul(as('Card B'), [SHAPE], { cacheFile: file });
    expect([a.fromCache, b.fromCache]).toEqual([false, false]);
    expect(Object.keys(readCache(file))).toHaveLength(2);
    expect((await tuneMatmul(as('Card A'), [SHAPE], { cacheFile: file }))[0].fromCache).toBe(true);
  });

  it('choices made with Dawn clamping shader indices are not reused without, nor the reverse', async () => {
    const file = join(tmp(), 'tuning.json');
    const clamped = Object.create(gpu(), { boundsChecks: { value: true } }) as ReturnType<typeof gpu>;
    const [a] = await tuneMatmul(gpu(), [SHAPE], { cacheFile: file });
    const [b] = await tuneMatmul(clamped, [SHAPE], { cacheFile: file });
    expect([a.fromCache, b.fromCache]).toEqual([false, false]);
    expect(Object.keys(readCache(file))).toHaveLength(2);
  });

  it('a cache entry of this adapter is installed as it is', async () => {
    const file = join(tmp(), 'tuning.json');
    await tuneMatmul(gpu(), [SHAPE], { cacheFile: file });
    const cache = readCache(file);
    const adapter = Object.keys(cache)[0];
    const key = Object.keys(cache[adapter])[0];
    // A valid variant the runtime can run on every adapter (scalar 4x4), whatever was measured.
    const planted: MatmulVariant = { kind: 'scalar', tileM: 4, tileN: 4, wg: 32 };
    writeFileSync(file, JSON.stringify({ [adapter]: { [key]: planted } }));
    const [r] = await tuneMatmul(gpu(), [SHAPE], { cacheFile: file });
    expect(r.fromCache).toBe(true);
    expect(r.chosen).toEqual(planted);
    expect(installed(SHAPE)).toEqual(planted);
  });

  it('a missing, damaged or unwritable cache only costs a measurement', async () => {
    const dir = tmp();
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, '{"not json');
    const [a] = await tuneMatmul(gpu(), [ODD], { cacheFile: damaged });
    expect(a.fromCache).toBe(false);
    expect(Object.keys(readCache(damaged))).toHaveLength(1); // rewritten whole
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const [b] = await tuneMatmul(gpu(), [ODD], { cacheFile: join(blocker, 'tuning.json') });
    expect(b.fromCache).toBe(false);
    expect(readFileSync(blocker, 'utf8')).toBe('x');
    // No cache file: nothing read or written, so every call measures.
    for (let k = 0; k < 2; k++) expect((await tuneMatmul(gpu(), [ODD], { cacheFile: null }))[0].fromCache).toBe(false);
  });
});
