// The matmul kernels of a run: recorded in results.json and the journal, pinned with
// --kernels FILE (nothing measured), written by --tune-only, compared across shards.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chosenVariant, variantKey, type TunedShape } from '../src/kernels/matmul.ts';
import { candidateSet, pinKey, tuneMatmul } from '../src/kernels/matmul-tuner.ts';
import type { ResultsFile } from '../src/bench/results/types.ts';
import { agreementWarning, compareChoices, KernelChoiceError, pinBeyondLimits, readKernelChoices, resumePins, type KernelsFile } from '../src/bench/study/kernel-choices.ts';
import { ownErrors, runBench } from './helpers/cli.ts';
import { useGpu } from './helpers/gpu.ts';
import { useTempDirs } from './helpers/temp.ts';

const tmp = useTempDirs('kernels')();
const gpu = useGpu();
const env = { XDG_CACHE_HOME: join(tmp, 'cache') };

// MNIST, sgd, 2 modes, 2 seeds, 1 epoch of 300 images, groups of 2: 4 trials.
const TINY = ['--datasets', 'mnist', '--optimizers', 'sgd', '--regs', 'default,dropout', '--seed-count', '2', '--epochs', '1', '--train-samples', '300', '--validation', '100', '--sizes', '784,32,10', '--trials-at-once', '2'];
// Its training products, batch 128 (form, gathered input, M x N x K, read by fours, epilogue):
// layer 1 forward (bias, ReLU, dropout: the study has the dropout mode) and weight gradient
// read the images (g), 32 outputs allow fours; the 10-wide layer 2 does not; its input
// gradient masks and scales.
const SHAPES = ['NNg:128x32x784:a4:brd', 'TNg:784x32x128:a4:g', 'NN:128x10x32:u:b', 'TN:32x10x128:u:g', 'NT:128x32x10:u:ms'];

/** A shape key without its trial range (T1, Tn, T64-127), as a pin is keyed. */
const shapeOf = (key: string) => key.split(':').filter((p) => !/^T(n|\d)/.test(p)).join(':');
const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
const journalKernels = (dir: string) =>
  Object.assign({}, ...readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"kernels"')).map((l) => JSON.parse(l).kernels));
/** A kernel that runs any shape, whatever the tuner would pick. */
const SCALAR = variantKey(candidateSet('cpu', false).find((v) => v.kind === 'scalar')!);
/** Two kernels (neither reads by fours). */
const OTHER = candidateSet('gpu', false).slice(0, 2).map(variantKey);

function file(name: string, content: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('the tuner with pinned kernels', () => {
  const NONE = { bias: false, relu: false, mask: false, maskScale: false };
  // Odd sizes; two trial counts, so two tuning keys (T1 and more) of one shape.
  const one: TunedShape = { form: 'NN', M: 9, N: 11, K: 7, trials: 1, epilogue: { ...NONE, bias: true } };
  const three: TunedShape = { ...one, trials: 3 };

  it('installs a pin by shape at every trial count, or by tuning key, measuring nothing and writing no cache', async () => {
    const cacheFile = join(tmp, 'tuner-cache', 'tuning.json');
    const [probe] = await tuneMatmul(gpu(), [one], { cacheFile: null });
    const [a, b] = candidateSet('gpu', false).slice(0, 2);
    const byShape = await tuneMatmul(gpu(), [one, three], { cacheFile, pinned: { [pinKey(probe.key)]: a } });
    expect(byShape.map((r) => [r.pinned, r.fromCache, r.measured, r.chosen])).toEqual([[true, false, [], a], [true, false, [], a]]);
    expect(byShape[0].key).not.toBe(byShape[1].key);
    const buf = gpu().buffer(4, 'unused');
    const installed = (s: TunedShape) => chosenVariant(gpu(), { ...s, a: { buf, trialStride: 63 }, b: { buf, trialStride: 77 }, c: { buf, trialStride: 99 }, bias: { buf, trialStride: 11 } });
    expect([installed(one), installed(three)]).toEqual([a, a]);
    // A tuning key is exact: it wins over the shape's pin for its trial count only.
    const exact = await tuneMatmul(gpu(), [one, three], { cacheFile, pinned: { [pinKey(probe.key)]: a, [byShape[1].key]: b } });
    expect(exact.map((r) => r.chosen)).toEqual([a, b]);
    expect([installed(one), installed(three)]).toEqual([a, b]);
    gpu().release(buf);
    expect(existsSync(cacheFile)).toBe(false);
  });
});

describe('kernel choice files', () => {
  const pins = Object.fromEntries(SHAPES.map((s) => [s, SCALAR]));

  it('reads a plain map, a --tune-only file and a results.json, keyed by shape without the trial range', () => {
    const withTrials = Object.fromEntries(SHAPES.map((s) => [s.replace(/:(a4|u):/, ':Tn:$1:'), SCALAR]));
    expect(readKernelChoices(file('plain.json', pins))).toEqual(pins);
    expect(readKernelChoices(file('tuned.json', { schema: 'webgpu-optbench/matmul-kernels@1', adapter: 'x', kernels: pins }))).toEqual(pins);
    expect(readKernelChoices(file('results.json', { schema: 'webgpu-optbench/results@1', kernels: null, mode: { matmulKernels: withTrials } }))).toEqual(pins);
    // The same kernel at two group sizes is one pin.
    expect(readKernelChoices(file('two-sizes.json', { ...withTrials, 'NN:128x10x32:T1:u:b': SCALAR }))).toEqual(pins);
  });

  it('refuses what cannot pin, saying why', () => {
    const bad: Array<[unknown, RegExp]> = [
      ['{"NN:1x1x1:u:-": ', /cannot read it as JSON/],
      [[1, 2], /not a JSON object/],
      [{ schema: 'webgpu-optbench/results@1', kernels: { source: 'wall-clock', rows: [] }, mode: {} }, /records no matmul kernels/],
      [{ ...pins, 'NN:128x10x32:u:b': 'scalar_3x3_wg7' }, /"scalar_3x3_wg7" \(for NN:128x10x32:u:b\) is not a matmul kernel of this version \(known: .*scalar/],
      [{ ...pins, 'NN:128x10x32:u:b': 12 }, /12 \(for NN:128x10x32:u:b\) is not a matmul kernel/],
      [{ ...pins, '128x10x32': SCALAR }, /'128x10x32' is not a matmul shape key/],
      [{ ...pins, 'NN:128x10x32:u:b': variantKey(candidateSet('cpu', true).find((v) => v.kind === 'vec4')!) }, /reads by fours, which shape NN:128x10x32:u:b does not allow/],
      [{ 'NN:128x10x32:T1:u:b': OTHER[0], 'NN:128x10x32:Tn:u:b': OTHER[1] }, /names two matmul kernels for shape NN:128x10x32:u:b \(NN:128x10x32:T1:u:b: .*, NN:128x10x32:Tn:u:b: .*\); a pin is one kernel per shape/],
    ];
    for (const [content, message] of bad) {
      const path = file('bad.json', content);
      expect(() => readKernelChoices(path), JSON.stringify(content)).toThrow(KernelChoiceError);
      expect(() => readKernelChoices(path)).toThrow(message);
    }
    expect(() => readKernelChoices(join(tmp, 'missing.json'))).toThrow(/cannot read it as JSON \(ENOENT\)/);
  });

  it('a resumed run keeps each shape\'s kernel at a new group size, unless the shape ran two', () => {
    const recorded = { 'NN:1x2x3:Tn:u:b': 'k1', 'NT:1x2x3:Tn:u:-': 'k2', 'NT:1x2x3:T1:u:-': 'k3' };
    expect(resumePins(recorded)).toEqual({ ...recorded, 'NN:1x2x3:u:b': 'k1' });
  });

  it('refuses a pin this device\'s workgroup limits do not allow, naming the kernel, the limit and the shape', () => {
    const compat = { maxComputeInvocationsPerWorkgroup: 128, maxComputeWorkgroupSizeX: 128, maxComputeWorkgroupSizeY: 128, maxComputeWorkgroupStorageSize: 16384 };
    expect(pinBeyondLimits(compat, { 'NN:128x10x32:u:b': SCALAR })).toBeNull();
    expect(pinBeyondLimits(compat, { 'NN:128x10x32:u:b': SCALAR, 'TN:32x10x128:u:g': 'tiled_16x16_r4x4_k16' })).toBe(
      'matmul kernel tiled_16x16_r4x4_k16 needs 256 invocations per workgroup; this device allows 128 (maxComputeInvocationsPerWorkgroup), pinned for TN:32x10x128:u:g',
    );
  });

  it('compares shards by shape, whatever their group sizes', () => {
    const a = { 'NN:128x10x32:Tn:u:b': 'k1', 'NT:128x32x10:Tn:u:ms': 'k2' };
    const same = compareChoices([{ dir: 's1', choices: a }, { dir: 's2', choices: { 'NN:128x10x32:T1:u:b': 'k1' } }]);
    expect(same).toEqual({ identical: true, differences: [], unrecorded: [] });
    expect(agreementWarning(same)).toBeNull();
    const other = compareChoices([{ dir: 's1', choices: a }, { dir: 's2', choices: { ...a, 'NT:128x32x10:T1:u:ms': 'k3' } }, { dir: 's3', choices: a }, { dir: 'old', choices: undefined }]);
    expect(other).toEqual({ identical: false, differences: [{ shape: 'NT:128x32x10:u:ms', kernels: { k2: ['s1', 's2', 's3'], k3: ['s2'] } }], unrecorded: ['old'] });
    expect(agreementWarning(other)).toBe('warning: the shards did not all run the same matmul kernels (NT:128x32x10:u:ms: k2 in s1, s2, s3 vs k3 in s2; no record of the kernels in old); their numbers may differ from one run\'s in the last bits. Pin one set with --kernels (docs/deploy.md, "The same kernels on every machine")');
  });
});

describe('--kernels and --tune-only', () => {
  const tuned = join(tmp, 'tuned');
  const pinned = join(tmp, 'pinned');

  it('a run records the kernel of every shape it trains, in results.json and its journal', async () => {
    const r = await runBench([...TINY, '--out', tuned], env);
    expect(r.code, r.stderr).toBe(0);
    const kernels = readResults(tuned).mode.matmulKernels!;
    expect(Object.keys(kernels).map(shapeOf).sort()).toEqual([...SHAPES].sort());
    const known = new Set((['cpu', 'gpu'] as const).flatMap((a) => [...candidateSet(a, true), ...candidateSet(a, false)]).map(variantKey));
    for (const name of Object.values(kernels)) expect(known.has(name), name).toBe(true);
    expect(journalKernels(tuned)).toEqual(kernels);
    expect(readResults(tuned).config.kernels).toBeUndefined();
  });

  it('--kernels results.json: the same kernels, none measured, the same numbers bit for bit', async () => {
    const cache = join(tmp, 'fresh-cache');
    const r = await runBench([...TINY, '--kernels', join(tuned, 'results.json'), '--out', pinned], { XDG_CACHE_HOME: cache });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('matmul: 5 shapes with the kernels given by --kernels, none measured');
    expect(r.stderr).not.toContain('matmul: measured');
    expect(existsSync(join(cache, 'webgpu-optbench', 'matmul-tuning.json'))).toBe(false); // the tuner measured nothing
    const a = readResults(tuned);
    const b = readResults(pinned);
    expect(b.mode.matmulKernels).toEqual(a.mode.matmulKernels);
    expect(Object.keys(b.config.kernels as object).sort()).toEqual([...SHAPES].sort());
    const numbers = (x: ResultsFile) => x.trials.map((t) => [t.id, t.testLoss, t.testAccuracy, t.epochs.map((e) => [e.trainLoss, e.valLoss])]);
    expect(numbers(b)).toEqual(numbers(a));
  });

  it('--kernels FILE installs exactly the kernels named, for the whole run', async () => {
    const out = join(tmp, 'scalar');
    const path = file('scalar.json', Object.fromEntries(SHAPES.map((s) => [s, SCALAR])));
    const r = await runBench([...TINY, '--kernels', path, '--out', out], { XDG_CACHE_HOME: join(tmp, 'fresh-cache-2') });
    expect(r.code, r.stderr).toBe(0);
    const kernels = readResults(out).mode.matmulKernels!;
    expect(Object.keys(kernels).map(shapeOf).sort()).toEqual([...SHAPES].sort());
    expect(new Set(Object.values(kernels))).toEqual(new Set([SCALAR]));
    expect(existsSync(join(tmp, 'fresh-cache-2', 'webgpu-optbench', 'matmul-tuning.json'))).toBe(false);
  });

  it('--tune-only writes one kernel per shape the study trains; it never overwrites a file', async () => {
    const path = join(tmp, 'kernels.json');
    const r = await runBench([...TINY, '--tune-only', '--out', path], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote the matmul kernels of 5 shapes to ${path}; pin them with --kernels ${path}`);
    const f = JSON.parse(readFileSync(path, 'utf8')) as KernelsFile;
    expect(f.schema).toBe('webgpu-optbench/matmul-kernels@1');
    expect(Object.keys(f.kernels).sort()).toEqual([...SHAPES].sort());
    // The file's choices come from the same tuning cache as the first run's.
    expect(f.kernels).toEqual(Object.fromEntries(Object.entries(readResults(tuned).mode.matmulKernels!).map(([k, v]) => [shapeOf(k), v])));
    const again = await runBench([...TINY, '--tune-only', '--out', path], env);
    expect(again.code).toBe(2);
    expect(ownErrors(again.stderr)).toEqual([`bench: ${path} exists; choose another --out for the kernels file`]);
  });

  describe('bad input: one line, exit code 2, nothing written', () => {
    const cases: Array<[string, () => string[], RegExp]> = [
      ['a file that is not JSON', () => ['--kernels', file('torn.json', '{"NN')], /^bench: --kernels .*torn\.json: cannot read it as JSON/],
      ['an unknown kernel', () => ['--kernels', file('unknown.json', Object.fromEntries(SHAPES.map((s) => [s, 'warp_9x9'])))], /^bench: --kernels .*unknown\.json: "warp_9x9" \(for NNg:128x32x784:a4:brd\) is not a matmul kernel of this version/],
      // Checked once the GPU is open, still before anything is written.
      ['a shape the file leaves out', () => ['--kernels', file('four.json', Object.fromEntries(SHAPES.slice(0, 4).map((s) => [s, SCALAR])))], /^bench: the --kernels file pins no matmul kernel for shape NT:128x32x10:u:ms, which this study trains; write a file for this study with --tune-only/],
      ['--kernels with --tune-only', () => ['--tune-only', '--kernels', file('k.json', {})], /^bench: --tune-only measures the kernels of a study; it takes the study's options and --out FILE, not --kernels$/],
    ];
    for (const [name, args, message] of cases) {
      it(name, async () => {
        const out = join(tmp, `bad-${name.replace(/\W+/g, '-')}`);
        const r = await runBench([...TINY, ...args(), '--out', out], env);
        expect(r.code, r.stderr).toBe(2);
        expect(ownErrors(r.stderr)).toHaveLength(1);
        expect(ownErrors(r.stderr)[0]).toMatch(message);
        expect(existsSync(out)).toBe(false);
      });
    }

    it('--resume keeps the kernels the run started with', async () => {
      const before = readFileSync(join(tuned, 'journal.jsonl'), 'utf8');
      const r = await runBench(['--resume', tuned, '--kernels', file('any.json', Object.fromEntries(SHAPES.map((s) => [s, SCALAR])))], env);
      expect(r.code).toBe(2);
      expect(ownErrors(r.stderr)).toEqual(['bench: --resume continues with the matmul kernels the run started with; leave out --kernels']);
      expect(readFileSync(join(tuned, 'journal.jsonl'), 'utf8')).toBe(before);
    });
  });
});
