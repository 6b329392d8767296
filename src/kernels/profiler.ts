// Per-kernel timing: calls, total and mean time per kernel name.

export type TimingSource = 'timestamp-query' | 'wall-clock';

export interface KernelTiming {
  kernel: string;
  /** Calls timed (each pipeline's first call is apart: it includes driver compilation). */
  calls: number;
  totalMs: number;
  meanUs: number;
  /** Fraction of the summed time of all kernels. */
  share: number;
  /** The first calls of this kernel's pipelines, where the driver compiles them. */
  firstCallsMs: number;
}

export class KernelProfile {
  private totals = new Map<string, { calls: number; ns: number; firstNs: number }>();

  constructor(readonly source: TimingSource) {}

  private entry(kernel: string) {
    let t = this.totals.get(kernel);
    if (!t) this.totals.set(kernel, (t = { calls: 0, ns: 0, firstNs: 0 }));
    return t;
  }

  add(kernel: string, ns: number): void {
    const t = this.entry(kernel);
    t.calls++;
    t.ns += ns;
  }

  /** A pipeline's first call: kept out of the steady-state numbers. */
  addFirstCall(kernel: string, ns: number): void {
    this.entry(kernel).firstNs += ns;
  }

  reset(): void {
    this.totals.clear();
  }

  /** Rows sorted by total time, largest first. */
  report(): KernelTiming[] {
    let all = 0;
    for (const t of this.totals.values()) all += t.ns;
    return [...this.totals.entries()]
      .map(([kernel, t]) => ({
        kernel,
        calls: t.calls,
        totalMs: t.ns / 1e6,
        meanUs: t.calls ? t.ns / 1e3 / t.calls : 0,
        share: all > 0 ? t.ns / all : 0,
        firstCallsMs: t.firstNs / 1e6,
      }))
      .sort((a, b) => b.totalMs - a.totalMs);
  }
}

/** A fixed-width text table of a profile, for the console. */
export function formatProfile(rows: KernelTiming[], source: TimingSource): string {
  const head = `kernel timings (${source === 'timestamp-query' ? 'GPU timestamp queries' : 'wall clock, each dispatch submitted and awaited alone'})`;
  const lines = [head, `${'kernel'.padEnd(34)} ${'calls'.padStart(8)} ${'total ms'.padStart(10)} ${'mean us'.padStart(10)} ${'share'.padStart(7)} ${'first calls ms'.padStart(15)}`];
  for (const r of rows) {
    lines.push(
      `${r.kernel.padEnd(34)} ${String(r.calls).padStart(8)} ${r.totalMs.toFixed(2).padStart(10)} ${r.meanUs.toFixed(1).padStart(10)} ${(100 * r.share).toFixed(1).padStart(6)}% ${r.firstCallsMs.toFixed(1).padStart(15)}`,
    );
  }
  lines.push('(each pipeline\'s first call, where the driver compiles it, is counted apart in "first calls")');
  return lines.join('\n');
}
