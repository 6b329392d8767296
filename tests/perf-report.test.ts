// bench:perf's report (perf-report.ts, perf-summary.ts): every figure a median with its range,
// ratios with their crosswise range, the machine, adapter, versions, BLAS, threads and
// command named, where the engine is behind said plainly, and a peer on the reference BLAS
// marked on every one of its figures. On a run written by hand (helpers/perf-fixture.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_BLAS_MARK } from '../src/bench/peers/torch.ts';
import { busyWarning } from '../src/bench/perf/machine.ts';
import { commandLine } from '../src/bench/perf/perf.ts';
import { parsePerfArgs, perfOutputs } from '../src/bench/perf/perf-options.ts';
import { behind, stepRows, throughputRows } from '../src/bench/perf/perf-report.ts';
import { perfSummary } from '../src/bench/perf/perf-summary.ts';
import { formatSpread, rateSpread, ratioSpread, spreadOf } from '../src/bench/perf/spread.ts';
import { NETLIB, stepsReport, studyReport } from './helpers/perf-fixture.ts';
import { useTempDirs } from './helpers/temp.ts';

const tempDir = useTempDirs('perf-report');
const close = (a: { median: number; min: number; max: number }, b: [number, number, number]) => {
  expect(a.median).toBeCloseTo(b[0], 9);
  expect(a.min).toBeCloseTo(b[1], 9);
  expect(a.max).toBeCloseTo(b[2], 9);
};

describe('spreads', () => {
  it('a rate keeps the median repetition and the slowest and fastest', () => {
    close(rateSpread([8, 9, 10, 11, 12.5], 10, (ms) => 1000 / ms), [100, 80, 125]);
    close(spreadOf([3, 1, 2, 10]), [2.5, 1, 10]);
  });

  it('a ratio divides the extremes crosswise, so its range holds every pairing of repetitions', () => {
    close(ratioSpread({ median: 100, min: 80, max: 125 }, { median: 400, min: 250, max: 500 }), [0.25, 0.16, 0.5]);
    expect(formatSpread({ median: 0.25, min: 0.16, max: 0.5 }, 2, 'x')).toBe('0.25x (0.16x-0.50x)');
    expect(formatSpread({ median: 146.64, min: 146.64, max: 146.64 })).toBe('146.6');
  });
});

describe('rows', () => {
  it('one trial: the engine, each tfjs backend, the PyTorch loop, with ratios from the repetitions', () => {
    const { optimizers, rows } = stepRows(stepsReport());
    expect(optimizers).toEqual(['adam', 'sgd']);
    expect(rows.map((r) => r.framework)).toEqual(['webgpu-optbench', 'TensorFlow.js wasm', 'PyTorch 1.13.0a0, one model (nn.Sequential + torch.optim)']);
    const [engine, wasm, torch] = rows;
    close(engine.cells[0].value!, [100, 80, 125]);
    expect(engine.cells[0].engineIs).toBeNull();
    close(wasm.cells[0].engineIs!, [2, 1.28, 3.125]);
    expect(wasm.cells[1]).toMatchObject({ value: null, engineIs: null, error: 'child exited with code 1' });
    expect(wasm.configuration).toBe('2 threads (fastest of 2 tried)');
    close(torch.cells[0].engineIs!, [0.25, 0.16, 0.5]);
    close(torch.cells[1].engineIs!, [0.4, 0.4, 0.5]);
    expect(torch.configuration).toBe('torch 1 thread, BLAS 1 thread (fastest of 4 tried)');
    expect(torch.mark).toBeNull();
  });

  it('throughput: the engine one by one (range over the cells) and batched, PyTorch against the batched row of its T', () => {
    const rows = throughputRows(stepsReport());
    expect(rows.map((r) => [r.framework, r.trials])).toEqual([['webgpu-optbench', 1], ['webgpu-optbench', 12], ['PyTorch 1.13.0a0, stacked by hand', 12]]);
    close(rows[0].cells[0].value!, [30, 20, 40]);
    const perMinute = (stepMs: number) => (60 * 12) / (391 * stepMs / 1000 + 1);
    close(rows[1].cells[0].value!, [perMinute(10), perMinute(10), perMinute(10)]);
    close(rows[2].cells[0].engineIs!, [perMinute(10) / perMinute(5), perMinute(10) / perMinute(5), perMinute(10) / perMinute(5)]);
  });

  it('lists every figure the engine is behind on, and only those', () => {
    expect(behind(stepsReport())).toEqual([
      'PyTorch 1.13.0a0, one model (nn.Sequential + torch.optim), adam: 0.25x',
      'PyTorch 1.13.0a0, one model (nn.Sequential + torch.optim), sgd: 0.40x',
      'PyTorch 1.13.0a0, stacked by hand (eager), T=12: 0.60x',
    ]);
  });
});

describe('summary.md', () => {
  const text = perfSummary(stepsReport());

  it('names the command, machine, adapter, versions, BLAS and threads', () => {
    expect(text).toContain('### bench:perf, 2026-12-05');
    expect(text).toContain('- Command: `npm run bench:perf -- --max-trials 12`');
    expect(text).toContain('- Machine: 2 x Test CPU 9000, 24 GiB, linux 6.1.0; load average 0.1 at the start, 2.1 at the end');
    expect(text).toContain('- Adapter: llvmpipe (LLVM 15.0.6, 256 bits) | backend opengles (compatibility) | CPU (software)');
    expect(text).toContain('- Versions: webgpu-optbench 0.1.0 (git 0123456789ab), Node v20.20.2, webgpu 0.6.2, TensorFlow.js 4.22.0, PyTorch 1.13.0a0 (Python 3.11.2 at /usr/bin/python3, cpu: 2 cores)');
    expect(text).toContain("- PyTorch's BLAS: OpenBLAS (version 0.3.21, pthreads, /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3)");
    expect(text).toContain('torch 1 thread, BLAS 1 thread (fastest of 4 tried)');
    expect(text).not.toContain('**Warning**');
  });

  it('gives medians with ranges and the ratios, and says where the engine is behind', () => {
    expect(text).toContain('| webgpu-optbench | Dawn opengles (compatibility), the adapter above | 100.0 (80.0-125.0) | - | 200.0 (200.0-250.0) | - |');
    expect(text).toContain('| TensorFlow.js wasm | 2 threads (fastest of 2 tried) | 50.0 (40.0-62.5) | 2.00x (1.28x-3.13x) | failed: child exited with code 1 | - |');
    expect(text).toContain('| 400.0 (250.0-500.0) | 0.25x (0.16x-0.50x) | 500.0 | 0.40x (0.40x-0.50x) |');
    expect(text).toContain('| webgpu-optbench | one by one (mean of the 12 cells) | 1 | 5.0 | 30.0 (20.0-40.0) | - | 1.00x | 62 |');
    expect(text).toContain('Where the engine is behind: PyTorch 1.13.0a0, one model (nn.Sequential + torch.optim), adam: 0.25x;');
  });

  it('marks every figure of a peer on the reference BLAS, and prints no ratio of it without the mark', () => {
    const marked = perfSummary(stepsReport(NETLIB));
    expect(marked).toContain(`- PyTorch's BLAS: reference BLAS (netlib) (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0) [${REFERENCE_BLAS_MARK}]`);
    const torchRows = marked.split('\n').filter((l) => l.startsWith('| PyTorch'));
    expect(torchRows).toHaveLength(2);
    for (const row of torchRows) {
      expect(row).toContain(`**${REFERENCE_BLAS_MARK}**`);
      const ratios = row.match(/\d+\.\d\dx( \([^)]*\))?( \*[^*]+\*)?/g) ?? [];
      expect(ratios.length).toBeGreaterThan(0);
      for (const r of ratios) expect(r).toContain(`*${REFERENCE_BLAS_MARK}*`);
    }
    expect(marked).toContain(`adam: 0.25x (${REFERENCE_BLAS_MARK})`);
  });

  it('warns when the machine was busy as the run started', () => {
    const busy = stepsReport(undefined, 1.5);
    expect(busyWarning(busy.machine)).toMatch(/^the machine was busy when the run started \(load average 1\.5 on 2 cores\)/);
    expect(perfSummary(busy)).toContain('- **Warning**: the machine was busy');
    expect(busyWarning(stepsReport(undefined, 0.9).machine)).toBeNull();
  });

  it('a --study run: study seconds, extrapolation marked, the mark on a reference-BLAS peer', () => {
    const s = perfSummary(studyReport(NETLIB));
    expect(s).toContain('### bench:perf --study, 2026-12-05');
    expect(s).toContain(`| torch-batched (cpu: 2 cores) (torch 1 thread, BLAS 1 thread (fastest of 4 tried)) **${REFERENCE_BLAS_MARK}** | 24 x 1 ep | 25.0 | 2500.0\\* | 0.50x *${REFERENCE_BLAS_MARK}* |`);
    expect(s).toContain('\\* webgpu-optbench: an estimate, extrapolated linearly from 24 trials x 1 epochs');
    expect(s).toContain(`Where the engine is behind: torch-batched (cpu: 2 cores) 0.50x (${REFERENCE_BLAS_MARK}).`);
  });
});

describe('where a run goes, and the command it records', () => {
  it('a new directory by default; a .json path keeps the old form with the summary beside it', () => {
    const now = new Date('2026-12-05T10:15:30Z');
    expect(perfOutputs(undefined, false, now)).toEqual({ dir: 'runs/perf-20261205-101530', json: 'runs/perf-20261205-101530/perf.json', summary: 'runs/perf-20261205-101530/summary.md' });
    expect(perfOutputs(undefined, true, now).dir).toBe('runs/perf-study-20261205-101530');
    expect(perfOutputs('out/gpu.json', false, now)).toEqual({ dir: 'out', json: 'out/gpu.json', summary: 'out/gpu.md' });
  });

  it('never writes over a finished run', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'perf.json'), '{}');
    expect(() => parsePerfArgs(['--out', join(dir, 'run')])).toThrow(`${join(dir, 'run')} is not empty; choose another --out`);
    expect(() => parsePerfArgs(['--out', join(dir, 'run', 'perf.json')])).toThrow('exists; choose another --out (a finished run is never written over)');
    writeFileSync(join(dir, 'file'), '');
    expect(() => parsePerfArgs(['--out', join(dir, 'file')])).toThrow('exists and is not a directory');
  });

  it('records the command as typed, quoted where a shell needs it', () => {
    expect(commandLine([])).toBe('npm run bench:perf');
    expect(commandLine(['--seconds', '2', '--out', 'runs/a b'])).toBe("npm run bench:perf -- --seconds 2 --out 'runs/a b'");
  });
});
