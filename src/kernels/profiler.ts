// Per-kernel timing: calls, total and mean time per kernel name, how exact those times are
// (timing source and resolution), and what profiling itself costs (measured by the caller).

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

/** How exact the times of a profile are. */
export interface TimingResolution {
  source: TimingSource;
  /** Timestamp queries: the largest power of two (ns) dividing every timestamp read, i.e. the
   * step the clock moved in (a masked, quantized clock shows a large one); null before any
   * was read or for the wall clock. */
  quantumNs: number | null;
  /** Timestamp queries: whether Dawn's timestamp quantization was asked off at device creation
   * (toggle timestamp_quantization, needs allow_unsafe_apis). */
  quantizationOffRequested: boolean;
  /** Wall clock: the shortest dispatch measured (a submit and wait round trip included), the
   * floor under every time of the table; null for timestamp queries. */
  floorUs: number | null;
  /** Timed dispatches that read no time at all (end timestamp not after the begin one):
   * shorter than the timestamps' step, or timestamps that do not work. */
  zeroReadings?: number;
  /** One sentence for tables and the console. */
  text: string;
}

/** The same training steps timed with and without profiling (see src/bench/study/profile-cost.ts). */
export interface ProfileOverhead {
  trials: number;
  steps: number;
  /** Wall ms per step, profiling off (commands submitted in batches, as in training). */
  plainMsPerStep: number;
  /** Wall ms per step, profiling on (every dispatch timed apart). */
  profiledMsPerStep: number;
  /** profiledMsPerStep / plainMsPerStep. */
  ratio: number;
  /** Dispatches recorded per training step. */
  dispatchesPerStep: number;
  /** Sum of the per-kernel times of one profiled step, ms: compare with plainMsPerStep. */
  kernelMsPerStep: number;
  /** Host ms per step, profiling off, before the GPU is waited for: buffer writes,
   * recording, encoding and queue.submit. A step is host-bound where this nears
   * plainMsPerStep (on a GPU, T = 1). */
  hostMsPerStep: number;
  /** Of hostMsPerStep, the ms inside queue.submit (on llvmpipe it runs the kernels). */
  submitMsPerStep: number;
}

/** Power-of-two quantization above which timestamps count as masked by Dawn: unmasked GPU
 * clocks tick in ns or tens of ns; Dawn's quantization clears the low bits of a ns count. */
const QUANTIZED_FROM_NS = 1024;

/** The largest power of two (ns) that divides every value, or null when all are zero. */
export function timestampQuantumNs(values: Iterable<bigint>): number | null {
  let or = 0n;
  for (const v of values) or |= v < 0n ? -v : v;
  if (or === 0n) return null;
  let q = 1;
  while ((or & 1n) === 0n && q < 2 ** 40) {
    or >>= 1n;
    q *= 2;
  }
  return q;
}

/** The resolution sentence for a profile. */
export function describeResolution(r: Omit<TimingResolution, 'text'>): string {
  if (r.source === 'wall-clock') {
    const floor = r.floorUs === null ? '' : `; the shortest dispatch took ${r.floorUs.toFixed(0)} us, a floor under every time`;
    return `wall clock around each dispatch submitted and awaited alone (no timestamp queries on this adapter): resolution 1 ns, but each time includes a submit round trip${floor}`;
  }
  if (r.quantumNs === null) return 'GPU timestamp queries (no timestamps read yet)';
  const zeros = r.zeroReadings ? `; ${r.zeroReadings} dispatch${r.zeroReadings === 1 ? '' : 'es'} read 0 ns` : '';
  const quantized = r.quantumNs >= QUANTIZED_FROM_NS;
  const state = quantized
    ? r.quantizationOffRequested
      ? 'Dawn still quantizes them (disabling timestamp_quantization did not take effect): short kernels read as 0 or one quantum'
      : 'Dawn quantizes them (the device was opened without disabling timestamp_quantization: Gpu.open({ exactTimestamps: true })): short kernels read as 0 or one quantum'
    : `Dawn's timestamp quantization ${r.quantizationOffRequested ? 'disabled' : 'not in effect'}`;
  return `GPU timestamp queries, one compute pass per dispatch: timestamps step in multiples of ${r.quantumNs} ns; ${state}${zeros}`;
}

export class KernelProfile {
  private totals = new Map<string, { calls: number; ns: number; firstNs: number }>();
  private timestampBits = 0n;
  private shortest = Infinity;
  private zeros = 0;
  /** Set by whoever measured the cost of profiling (the study, bench:kernels). */
  overhead: ProfileOverhead | null = null;

  constructor(
    readonly source: TimingSource,
    readonly quantizationOffRequested = false,
  ) {}

  private entry(kernel: string) {
    let t = this.totals.get(kernel);
    if (!t) this.totals.set(kernel, (t = { calls: 0, ns: 0, firstNs: 0 }));
    return t;
  }

  add(kernel: string, ns: number): void {
    const t = this.entry(kernel);
    t.calls++;
    t.ns += ns;
    this.shortest = Math.min(this.shortest, ns);
    if (ns <= 0) this.zeros++;
  }

  /** The shortest timed dispatch (first calls excluded), ns; null before any. */
  get shortestNs(): number | null {
    return Number.isFinite(this.shortest) ? this.shortest : null;
  }

  /** A pipeline's first call: kept out of the steady-state numbers. */
  addFirstCall(kernel: string, ns: number): void {
    this.entry(kernel).firstNs += ns;
  }

  /** Raw timestamps as read from a query set, for the resolution. */
  observeTimestamps(raw: BigInt64Array): void {
    for (const v of raw) this.timestampBits |= v < 0n ? -v : v;
  }

  reset(): void {
    this.totals.clear();
    this.shortest = Infinity;
    this.zeros = 0;
  }

  /** Dispatches timed so far (first calls excluded). */
  get calls(): number {
    let n = 0;
    for (const t of this.totals.values()) n += t.calls;
    return n;
  }

  /** Summed time of every timed dispatch so far (first calls excluded), ms. */
  get totalMs(): number {
    let ns = 0;
    for (const t of this.totals.values()) ns += t.ns;
    return ns / 1e6;
  }

  resolution(): TimingResolution {
    const r = {
      source: this.source,
      quantumNs: this.source === 'timestamp-query' ? timestampQuantumNs([this.timestampBits]) : null,
      quantizationOffRequested: this.quantizationOffRequested,
      floorUs: this.source === 'wall-clock' && this.shortestNs !== null ? this.shortestNs / 1e3 : null,
      zeroReadings: this.zeros,
    };
    return { ...r, text: describeResolution(r) };
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

/** One line on what profiling cost, for tables and the console. */
export function describeOverhead(o: ProfileOverhead): string {
  return (
    `Profiling cost: ${o.steps} training steps of ${o.trials} trial${o.trials === 1 ? '' : 's'} took ${o.plainMsPerStep.toFixed(2)} ms per step without profiling ` +
    `and ${o.profiledMsPerStep.toFixed(2)} ms with it (${o.ratio.toFixed(2)}x); a step is ${o.dispatchesPerStep} dispatches whose timed sum is ${o.kernelMsPerStep.toFixed(2)} ms ` +
    `(${((100 * o.kernelMsPerStep) / o.plainMsPerStep).toFixed(0)}% of the unprofiled step); the host spent ${o.hostMsPerStep.toFixed(3)} ms per step ` +
    `writing, recording, encoding and submitting (${o.submitMsPerStep.toFixed(3)} ms of it in queue.submit)`
  );
}

/** A fixed-width text table of a profile, for the console. */
export function formatProfile(profile: KernelProfile): string {
  const rows = profile.report();
  const lines = [`kernel timings: ${profile.resolution().text}`];
  if (profile.overhead) lines.push(describeOverhead(profile.overhead));
  lines.push(`${'kernel'.padEnd(34)} ${'calls'.padStart(8)} ${'total ms'.padStart(10)} ${'mean us'.padStart(10)} ${'share'.padStart(7)} ${'first calls ms'.padStart(15)}`);
  for (const r of rows) {
    lines.push(
      `${r.kernel.padEnd(34)} ${String(r.calls).padStart(8)} ${r.totalMs.toFixed(2).padStart(10)} ${r.meanUs.toFixed(1).padStart(10)} ${(100 * r.share).toFixed(1).padStart(6)}% ${r.firstCallsMs.toFixed(1).padStart(15)}`,
    );
  }
  lines.push(`(each pipeline's first call, where the driver compiles it, is counted apart in "first calls"${profile.overhead ? '; pipelines first run by the cost measurement show 0 there' : ''})`);
  return lines.join('\n');
}
