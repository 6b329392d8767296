// Which BLAS the PyTorch peer's torch calls, its threads, and what bench:perf does with a peer
// on netlib's reference BLAS (one warning line with the install command; every figure
// marked). blas_info.py is checked with any python3 (standard library only); the rest with
// stand-in Pythons, and, where a python3 can import torch, with the real peer: the library it
// resolves sgemm_ to, the reference BLAS forced by LD_LIBRARY_PATH where libblas3 is installed,
// and the thread configurations it tries. No speed is asserted.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, realpathSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLAS_INSTALL, blasWarning, findTorch, PEER_SCRIPT, REFERENCE_BLAS_MARK, RESULT_TAG, runPeer, type BlasInfo, type TorchInfo, type TorchSteps } from '../src/bench/peers/torch.ts';
import { measureTorch, openTorchPeer } from '../src/bench/perf/torch-peer.ts';
import { NETLIB, THREADS } from './helpers/perf-fixture.ts';
import { useTempDirs } from './helpers/temp.ts';

const tempDir = useTempDirs('peer-blas');
const PEERS_DIR = dirname(PEER_SCRIPT);

/** An executable script in a temporary directory. */
function script(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

const python3 = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).status === 0 ? 'python3' : null;

/** blas_info.<fn>(**kwargs) in a python3, its result as JSON. */
function blasInfo(fn: string, kwargs: Record<string, unknown>): unknown {
  const code = `import json, sys; sys.path.insert(0, ${JSON.stringify(PEERS_DIR)}); import blas_info; print(json.dumps(blas_info.${fn}(**json.loads(sys.argv[1]))))`;
  const r = spawnSync(python3!, ['-c', code, JSON.stringify(kwargs)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const DEBIAN = '/usr/lib/x86_64-linux-gnu';
const OPENBLAS_FILES = [`${DEBIAN}/libtorch_cpu.so.1.13`, `${DEBIAN}/openblas-pthread/libblas.so.3`, `${DEBIAN}/openblas-pthread/liblapack.so.3`, `${DEBIAN}/openblas-pthread/libopenblasp-r0.3.21.so`];
const POOL = [
  { user_api: 'openmp', internal_api: 'openmp', prefix: 'libgomp', filepath: `${DEBIAN}/libgomp.so.1.0.0`, version: null, num_threads: 1 },
  { user_api: 'blas', internal_api: 'openblas', prefix: 'libopenblas', filepath: `${DEBIAN}/openblas-pthread/libopenblasp-r0.3.21.so`, version: '0.3.21', threading_layer: 'pthreads', num_threads: 2 },
];

describe.skipIf(python3 === null)('blas_info.py: the BLAS a process calls', () => {
  it('reads the mapped files of /proc/<pid>/maps, each once, in order', () => {
    const maps = [
      `7f00-7f10 r--p 00000000 08:01 123 ${DEBIAN}/openblas-pthread/libopenblasp-r0.3.21.so`,
      '7f10-7f20 rw-p 00000000 00:00 0 ',
      `7f20-7f30 r-xp 00001000 08:01 123 ${DEBIAN}/openblas-pthread/libopenblasp-r0.3.21.so`,
      '7f30-7f40 rw-p 00000000 00:00 0 [heap]',
      `7f40-7f50 r--p 00000000 08:01 124 ${DEBIAN}/blas/libblas.so.3.11.0`,
    ].join('\n');
    expect(blasInfo('mapped_files', { maps_text: maps })).toEqual([`${DEBIAN}/openblas-pthread/libopenblasp-r0.3.21.so`, `${DEBIAN}/blas/libblas.so.3.11.0`]);
  });

  it('Debian with libopenblas0-pthread: OpenBLAS, its version and threads from threadpoolctl', () => {
    expect(blasInfo('describe', { files: OPENBLAS_FILES, threadpool: POOL, called: `${DEBIAN}/openblas-pthread/libblas.so.3` })).toEqual({
      library: 'OpenBLAS', reference: false, path: `${DEBIAN}/openblas-pthread/libblas.so.3`, version: '0.3.21', threadingLayer: 'pthreads', defaultThreads: 2,
      how: "the library torch's sgemm_ resolves to (threads: threadpoolctl)",
    });
  });

  it.each([
    ['Debian, python3-torch alone (libblas3)', [`${DEBIAN}/libtorch_cpu.so.1.13`, `${DEBIAN}/blas/libblas.so.3.11.0`, `${DEBIAN}/lapack/liblapack.so.3.11.0`], `${DEBIAN}/blas/libblas.so.3.11.0`],
    ['Fedora or Arch, netlib', ['/usr/lib64/libtorch_cpu.so', '/usr/lib64/libblas.so.3.9.0'], '/usr/lib64/libblas.so.3.9.0'],
    // OpenBLAS is mapped too (for LAPACK), but torch's sgemm_ resolves to netlib's: that decides.
    ['OpenBLAS mapped, netlib called', [...OPENBLAS_FILES, `${DEBIAN}/blas/libblas.so.3.11.0`], `${DEBIAN}/blas/libblas.so.3.11.0`],
  ])('the reference BLAS: %s', (_name, files, called) => {
    expect(blasInfo('describe', { files, threadpool: POOL, called })).toMatchObject({ library: 'reference BLAS (netlib)', reference: true, path: called, defaultThreads: 1 });
  });

  it('without the symbol lookup, an optimized library mapped wins over a libblas.so.3 that forwards to it', () => {
    expect(blasInfo('describe', { files: OPENBLAS_FILES })).toMatchObject({ library: 'OpenBLAS', reference: false, path: `${DEBIAN}/openblas-pthread/libblas.so.3`, how: 'the mapped library files' });
    expect(blasInfo('describe', { files: [`${DEBIAN}/blas/libblas.so.3.11.0`] })).toMatchObject({ reference: true });
  });

  it.each([
    ['ATLAS', { files: [`${DEBIAN}/atlas/libblas.so.3`], called: `${DEBIAN}/atlas/libblas.so.3` }, { library: 'ATLAS', reference: false }],
    ['MKL from conda', { files: ['/opt/conda/lib/libmkl_rt.so.2'], called: '/opt/conda/lib/libmkl_rt.so.2' }, { library: 'MKL', reference: false }],
    ["a pip wheel's MKL inside libtorch", { files: ['/venv/torch/lib/libtorch_cpu.so'], built_in: 'mkl', called: '/venv/torch/lib/libtorch_cpu.so' }, { library: 'mkl (linked into torch)', reference: false, how: "sgemm_ is inside libtorch_cpu.so; torch's BLAS_INFO" }],
    ['CUDA', { files: OPENBLAS_FILES, device: 'cuda' }, { library: 'cuBLAS', reference: false }],
    ['nothing found', { files: ['/usr/lib/libc.so.6'] }, { library: 'unknown (no BLAS library found)', reference: false, how: 'the mapped library files' }],
  ])('%s', (_name, kwargs, expected) => {
    expect(blasInfo('describe', kwargs)).toMatchObject(expected);
  });
});

/** A stand-in Python for torch_peer.py: answers each --task with one result line. */
function fakePeer(blas: BlasInfo): string {
  const where = { torch: '1.13.0a0', python: '3.11.2', device: 'cpu: 2 cores', cuda: false, blas, threads: THREADS };
  const info = { task: 'info', ...where };
  const steps = { task: 'steps', mode: 'loop', dataset: 'fashion-mnist', optimizer: 'adam', stepsPerSecond: 100, msPerStep: 10, warmupMs: 5, steps: 500, repetitionMs: [9, 10, 11], ...where };
  const throughput = { task: 'throughput', mode: 'batched', dataset: 'fashion-mnist', trials: 12, stepMs: 50, evalMs: 500, epochSeconds: 20, trialEpochsPerMinute: 36, setupSeconds: 1, repetitionMs: [50, 50, 50], ...where };
  const line = (o: object) => `'${`${RESULT_TAG}${JSON.stringify(o)}`.replace(/'/g, `'\\''`)}'`;
  return script('python-fake', `#!/bin/sh
case "$*" in *--no-blas-warning*) ;; *) echo 'torch_peer: warning: torch calls the reference BLAS' >&2 ;; esac
case "$*" in
  *"--task info"*) echo ${line(info)} ;;
  *"--task steps"*) echo ${line(steps)} ;;
  *"--task throughput"*) echo ${line(throughput)} ;;
esac
`);
}

describe('bench:perf with a peer on the reference BLAS', () => {
  it('says so in one warning line with the install command', async () => {
    const lines: string[] = [];
    const peer = await openTorchPeer((l) => lines.push(l), [fakePeer(NETLIB)]);
    expect(peer).toMatchObject({ blas: NETLIB, mark: REFERENCE_BLAS_MARK });
    const warnings = lines.filter((l) => l.includes('warning'));
    expect(warnings).toEqual([`bench:perf: ${blasWarning(NETLIB)}`]);
    expect(warnings[0]).toContain(BLAS_INSTALL);
    expect(warnings[0]).toContain(`"${REFERENCE_BLAS_MARK}"`);
    expect(blasWarning({ ...NETLIB, library: 'OpenBLAS', reference: false })).toBeNull();
  });

  it('marks every figure it produced, in perf.json and in the lines it logs, and adds no warning of the peer to its own', async () => {
    const lines: string[] = [];
    const peer = (await openTorchPeer(() => {}, [fakePeer(NETLIB)]))!;
    const section = await measureTorch(peer, [{ optimizer: 'adam', stepsPerSecond: 50 }], [{ mode: 'batched', trialsAtOnce: 12, trialEpochsPerMinute: 18 }], { seconds: 1, maxTrials: 12, log: (l) => lines.push(l) });
    expect(section.mark).toBe(REFERENCE_BLAS_MARK);
    expect(section.steps).toHaveLength(1);
    expect(section.throughput).toHaveLength(1);
    for (const f of [...section.steps, ...section.throughput]) expect(f.mark).toBe(REFERENCE_BLAS_MARK);
    const figures = lines.filter((l) => /steps\/s|trial-epochs\/min/.test(l));
    expect(figures).toHaveLength(2);
    for (const l of figures) expect(l).toContain(`[${REFERENCE_BLAS_MARK}]`);
    expect(lines.filter((l) => l.includes('warning'))).toEqual([]);
  });

  it('leaves the figures of an optimized BLAS unmarked', async () => {
    const peer = (await openTorchPeer(() => {}, [fakePeer({ ...NETLIB, library: 'OpenBLAS', reference: false })]))!;
    const section = await measureTorch(peer, [{ optimizer: 'adam', stepsPerSecond: 50 }], [], { seconds: 1, maxTrials: 1, log: () => {} });
    expect(section.mark).toBeNull();
    expect(section.steps[0].mark).toBeNull();
  });
});

// The real peer, where a python3 can import torch (python3-torch on Debian, pip install torch).
const found = await findTorch();
const why = found.python === null ? ' (skipped: no Python with torch)' : '';
const info = found.python === null ? null : found.info;
const cpu = info !== null && !info.cuda;
const NETLIB_DIR = `${DEBIAN}/blas`;
const systemBlas = existsSync(`${DEBIAN}/libblas.so.3`) ? realpathSync(`${DEBIAN}/libblas.so.3`) : '';

describe.skipIf(!cpu)(`the real peer's BLAS and threads${why}`, () => {
  const fashion = '/usr/share/datasets/fashion-mnist';
  const stepsArgs = ['--task', 'steps', '--optimizer', 'sgd', '--seconds', '0.2', '--probe-seconds', '0.03', '--train-samples', '2048', '--validation', '0', '--data', `fashion-mnist=${fashion}`];

  it('names the library torch calls', () => {
    expect(info!.blas.library).not.toMatch(/^unknown/);
    if (systemBlas.includes('openblas')) expect(info!.blas).toMatchObject({ library: 'OpenBLAS', reference: false });
  });

  it.skipIf(!existsSync(`${NETLIB_DIR}/libblas.so.3`) || !existsSync(fashion))('finds netlib when the loader picks it (LD_LIBRARY_PATH), warns, and still runs', async () => {
    const python = script('python-netlib', `#!/bin/sh\nLD_LIBRARY_PATH=${NETLIB_DIR} exec ${found.python} "$@"\n`);
    const seen = (await runPeer(python, ['--task', 'info'])).results[0] as TorchInfo;
    expect(seen.blas).toMatchObject({ library: 'reference BLAS (netlib)', reference: true });
    expect(realpathSync(seen.blas.path!)).toBe(realpathSync(`${NETLIB_DIR}/libblas.so.3`));
    expect(seen.threads.blasControl).toBe('reference BLAS (netlib): single-threaded');
    const stderr: string[] = [];
    const r = await runPeer(python, stepsArgs, { log: (l) => stderr.push(l) });
    expect(r.error).toBeNull();
    expect((r.results[0] as TorchSteps).blas.reference).toBe(true);
    expect(stderr.filter((l) => l.includes('reference BLAS'))).toHaveLength(1);
    // Only torch's threads vary: the reference BLAS has none of its own.
    expect(new Set((r.results[0] as TorchSteps).threads.tried.map((t) => t.blas))).toEqual(new Set([1]));
  }, 120_000);

  it.skipIf(!existsSync(fashion))('tries torch threads x BLAS threads, each 1 or the core count, and keeps the fastest', async () => {
    const r = await runPeer(found.python!, stepsArgs);
    expect(r.error).toBeNull();
    const { threads } = r.results[0] as TorchSteps;
    const cores = availableParallelism();
    if (cores === 1 || !info!.threads.blasControl.startsWith('threadpoolctl') && !info!.threads.blasControl.startsWith('openblas')) return;
    expect(threads.tried.map((t) => [t.intraOp, t.blas])).toEqual([[1, 1], [1, cores], [cores, 1], [cores, cores]]);
    const best = threads.tried.reduce((a, b) => (b.stepsPerSecond > a.stepsPerSecond ? b : a));
    expect([threads.intraOp, threads.blas]).toEqual([best.intraOp, best.blas]);
    expect(threads.choice).toBe('fastest of 4 tried');
  }, 120_000);

  it.skipIf(!existsSync(fashion) || !systemBlas.includes('openblas'))('sets OpenBLAS threads without threadpoolctl (openblas_set_num_threads)', async () => {
    const hide = `import sys, runpy; sys.modules['threadpoolctl'] = None; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')`;
    const python = script('python-no-threadpoolctl', `#!/bin/sh\nexec ${found.python} -c "${hide}" "$@"\n`);
    const r = await runPeer(python, stepsArgs);
    expect(r.error).toBeNull();
    const { threads } = r.results[0] as TorchSteps;
    expect(threads.blasControl).toBe('openblas_set_num_threads');
    if (availableParallelism() > 1) expect(new Set(threads.tried.map((t) => t.blas))).toEqual(new Set([1, availableParallelism()]));
  }, 120_000);
});
