// The PyTorch peer as bench:perf sees it: how its result lines are read, what a missing
// Python or torch gives, bench:perf's options, and (where a python3 can import torch) a tiny
// real run whose output parses and whose accuracy is far above chance. No speed is asserted.
// Its BLAS and threads: tests/peer-blas.test.ts.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePerfArgs } from '../src/bench/perf/perf-options.ts';
import { loadDataset } from '../src/bench/data/datasets.ts';
import { findTorch, parsePeerOutput, RESULT_TAG, runPeer, skipLine, type TorchStudy } from '../src/bench/peers/torch.ts';
import { useTempDirs } from './helpers/temp.ts';

const tempDir = useTempDirs('peers');
const blas = { library: 'cuBLAS', reference: false, path: null, version: null, threadingLayer: null, defaultThreads: null, how: 'the device is CUDA' };
const threads = { intraOp: 4, blas: null, choice: 'not tuned: the work runs on CUDA', tried: [], blasControl: 'cuBLAS: no separate thread count', cores: 16 };
const where = { torch: '2.4.0', python: '3.11.2', device: 'cuda: NVIDIA H200', cuda: true, blas };
const line = (o: object) => RESULT_TAG + JSON.stringify(o);

/** An executable standing in for a Python: prints `stdout`, `stderr` and exits with `code`. */
function fakePython(name: string, stdout: string, stderr: string, code: number): string {
  const path = join(tempDir(), name);
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' ${quote(stdout)}\nprintf '%s\\n' ${quote(stderr)} >&2\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('reading the peer output', () => {
  const steps = { task: 'steps', mode: 'loop', dataset: 'fashion-mnist', optimizer: 'adam', stepsPerSecond: 812.5, msPerStep: 1.2308, warmupMs: 40, steps: 5000, repetitionMs: [1.2, 1.2308, 1.3], threads, ...where };
  const study = { task: 'study', mode: 'graphs', dataset: 'mnist', trials: 2, epochs: 10, seconds: 3.5, setupSeconds: 1.2, loadSeconds: 0.3, ids: ['a', 'b'], testAccuracy: [0.97, 0.968], testLoss: [0.1, 0.11], threads, ...where };

  it('keeps the tagged lines, in order, and ignores every other line', () => {
    const out = ['warming up', line(steps), `  ${line(study)}`, line(study), 'done', ''].join('\n');
    const { results, malformed } = parsePeerOutput(out);
    expect(malformed).toEqual([]);
    expect(results).toEqual([steps, study]);
  });

  it('names each malformed result line and why, and keeps the good ones', () => {
    const { trials: _trials, ...noTrials } = study;
    const { blas: _blas, threads: _threads, ...noBlas } = steps;
    const out = [
      `${RESULT_TAG}{"task": "steps", "stepsPerSecond": `, // cut off mid-line
      `${RESULT_TAG}[1, 2]`,
      line({ ...steps, task: 'train' }),
      line({ ...steps, stepsPerSecond: '812' }),
      line(noTrials),
      line({ ...study, testAccuracy: [0.97] }),
      line(noBlas),
      line({ ...steps, blas: { ...blas, reference: 'no' } }),
      line(steps),
    ].join('\n');
    const { results, malformed } = parsePeerOutput(out);
    expect(results).toEqual([steps]);
    expect(malformed.map((m) => m.split(':')[0])).toEqual([
      'not JSON (Unexpected end of JSON input)',
      'not a JSON object',
      'unknown task "train"',
      'steps result without stepsPerSecond',
      'study result without trials, testAccuracy (one per trial)',
      'study result without testAccuracy (one per trial)',
      'steps result without blas, threads',
      'steps result without blas',
    ]);
  });

  it('turns a run with malformed lines or a failed exit into an error, keeping what parsed', async () => {
    const bad = await runPeer(fakePython('malformed', `${line(steps)}\n${RESULT_TAG}{oops`, 'progress', 0), []);
    expect(bad.results).toEqual([steps]);
    expect(bad.error).toMatch(/^malformed result lines: not JSON/);
    const crashed = await runPeer(fakePython('crashed', '', 'Traceback ...\nRuntimeError: CUDA out of memory', 1), []);
    expect(crashed.results).toEqual([]);
    expect(crashed.error).toMatch(/exited with code 1: .*RuntimeError: CUDA out of memory/);
  });
});

describe('finding torch', () => {
  const info = line({ task: 'info', threads, ...where });

  it('says in one line why the peer is skipped when no Python has torch', async () => {
    const noTorch = fakePython('python3', '', "torch_peer: cannot import torch (No module named 'torch'); install python3-torch or pip install torch", 3);
    const missing = join(tempDir(), 'no-such-python');
    const found = await findTorch([noTorch, missing]);
    expect(found.python).toBeNull();
    if (found.python !== null) return;
    const text = skipLine(found.reason);
    expect(text.split('\n')).toHaveLength(1);
    expect(text).toBe(`PyTorch peer skipped: no Python with torch (${noTorch}: cannot import torch; ${missing}: not found) (install python3-torch / pip install torch)`);
  });

  it('takes the first candidate that imports torch', async () => {
    const noTorch = fakePython('python3', '', 'torch_peer: cannot import torch', 3);
    const withTorch = fakePython('python3-torch', info, '', 0);
    const found = await findTorch([noTorch, withTorch, fakePython('never-asked', '', '', 1)]);
    expect(found).toEqual({ python: withTorch, info: { task: 'info', threads, ...where } });
  });
});

describe('bench:perf options', () => {
  it('defaults to the whole study and both peers', () => {
    const now = new Date('2026-12-05T10:15:30Z');
    expect(parsePerfArgs([], now)).toEqual({ out: { dir: 'runs/perf-20261205-101530', json: 'runs/perf-20261205-101530/perf.json', summary: 'runs/perf-20261205-101530/summary.md' }, backend: undefined, peers: ['tfjs', 'torch'], maxTrials: 120, seconds: 5, study: false, studySeeds: 10, studyEpochs: 10, loopSeeds: 1 });
    expect(parsePerfArgs(['--study', '--study-seeds', '1', '--study-epochs', '2', '--skip-peers'])).toMatchObject({ study: true, studySeeds: 1, studyEpochs: 2, peers: [] });
    expect(parsePerfArgs(['--peers', 'torch']).peers).toEqual(['torch']);
    expect(parsePerfArgs(['--backend', 'vulkan']).backend).toBe('vulkan');
    expect(parsePerfArgs(['--backend', 'auto']).backend).toBeUndefined();
  });

  it.each([
    [['--study-seeds', '0'], "--study-seeds must be an integer from 1 to 10, got '0'"],
    [['--loop-seeds', '11'], "--loop-seeds must be an integer from 1 to 10, got '11'"],
    [['--study-epochs', '1.5'], "--study-epochs must be an integer from 1, got '1.5'"],
    [['--peers', 'jax'], "--peers: unknown peer 'jax' (known: tfjs, torch)"],
    [['--seconds=-1'], "--seconds must be a positive number, got '-1'"],
    [['--seconds'], "Option '--seconds <value>' argument missing (see --help)"],
    [['--backend', 'cuda'], "--backend: unknown backend 'cuda' (use one of auto, vulkan, metal, d3d12, opengles, opengl)"],
  ])('rejects %j', (args, message) => {
    expect(() => parsePerfArgs(args)).toThrow(message);
  });
});

// A real Python with torch, where there is one (python3-torch on Debian, pip install torch).
const found = await findTorch();
const why = found.python === null ? ` (skipped: ${skipLine(found.reason)})` : '';

describe.skipIf(found.python === null)(`the real peer${why}`, () => {
  // 1024 training images, one epoch (8 steps of 128): every trial reaches about 0.55-0.65 test
  // accuracy on MNIST on the CPU; chance is 0.1 and its spread over 1000 test images about
  // 0.01, so 0.35 is far above chance and far below what these steps reach.
  const BAR = 0.35;
  // CUDA graphs where torch has CUDA.
  const modes = found.python !== null && found.info.cuda ? ['batched', 'graphs', 'loop'] : ['batched', 'loop'];
  it.each(modes)('trains MNIST for one epoch (%s) and reports what it reached', async (mode) => {
    const dir = (await loadDataset('mnist')).source;
    const args = ['--task', 'study', '--mode', mode, '--data', `mnist=${dir}`, '--optimizers', 'sgd,adam', '--regs', 'default,L2,dropout', '--seeds', '7', '--epochs', '1', '--train-samples', '1024', '--validation', '256', '--test-samples', '1000'];
    const r = await runPeer(found.python!, args);
    expect(r.error).toBeNull();
    expect(r.results).toHaveLength(1);
    const s = r.results[0] as TorchStudy;
    expect(s).toMatchObject({ task: 'study', mode, dataset: 'mnist', trials: 6, epochs: 1 });
    expect(s.ids).toEqual(['sgd/default', 'sgd/L2', 'sgd/dropout', 'adam/default', 'adam/L2', 'adam/dropout'].map((c) => `mnist/${c}/7`));
    expect(s.seconds).toBeGreaterThan(0);
    for (const acc of s.testAccuracy) expect(acc).toBeGreaterThan(BAR);
    for (const loss of s.testLoss) expect(loss).toBeLessThan(Math.log(10)); // below a uniform guess
  }, 300_000);
});
