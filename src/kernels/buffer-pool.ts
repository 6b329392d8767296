// Reuses GPU buffers by size class and usage. A released buffer becomes reusable only when
// the runtime says so (recycle(): after the next submit, so work already recorded against
// it keeps its contents). Counters let tests check for leaks and reports give peak memory.

let nextBufferId = 1;

/** A pooled GPU buffer: the Dawn buffer plus the bookkeeping the pool and caches key on. */
export class GBuf {
  readonly id = nextBufferId++;
  constructor(
    readonly buffer: GPUBuffer,
    /** Bytes requested by the caller (the Dawn buffer may be larger: its size class). */
    readonly size: number,
    readonly usage: number,
    readonly label: string,
  ) {}
}

/** Rounds up to the next of 2^k, 1.25*2^k, 1.5*2^k, 1.75*2^k (at most 25% waste), min 256. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  for (const f of [1, 1.25, 1.5, 1.75, 2]) {
    const c = Math.ceil((p * f) / 256) * 256;
    if (c >= bytes) return c;
  }
  return p * 2;
}

export interface PoolStats {
  liveBytes: number;
  peakLiveBytes: number;
  pooledBytes: number;
  liveBuffers: number;
  created: number;
  reused: number;
}

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private pendingFree: GBuf[] = [];
  private stats: PoolStats = { liveBytes: 0, peakLiveBytes: 0, pooledBytes: 0, liveBuffers: 0, created: 0, reused: 0 };

  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number, usage: number, label: string): GBuf {
    if (!(bytes > 0) || !Number.isFinite(bytes)) throw new RangeError(`buffer '${label}': size ${bytes} is not a positive number of bytes`);
    const cls = sizeClass(bytes);
    const key = `${usage}:${cls}`;
    let buffer = this.free.get(key)?.pop();
    if (buffer) {
      this.stats.reused++;
      this.stats.pooledBytes -= cls;
    } else {
      buffer = this.device.createBuffer({ size: cls, usage, label });
      this.stats.created++;
    }
    this.stats.liveBytes += cls;
    this.stats.liveBuffers++;
    this.stats.peakLiveBytes = Math.max(this.stats.peakLiveBytes, this.stats.liveBytes);
    return new GBuf(buffer, bytes, usage, label);
  }

  /** Returns a buffer; it is handed out again only after the next recycle(). */
  release(buf: GBuf): void {
    this.pendingFree.push(buf);
  }

  /** Makes released buffers reusable: called by the runtime once no queued write can
   * overtake the work recorded against them (after a submit). */
  recycle(): void {
    for (const b of this.pendingFree) {
      const cls = b.buffer.size;
      const key = `${b.usage}:${cls}`;
      let list = this.free.get(key);
      if (!list) this.free.set(key, (list = []));
      list.push(b.buffer);
      this.stats.liveBytes -= cls;
      this.stats.liveBuffers--;
      this.stats.pooledBytes += cls;
    }
    this.pendingFree = [];
  }

  /** Destroys every pooled (free) buffer. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.stats.pooledBytes = 0;
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }

  resetPeak(): void {
    this.stats.peakLiveBytes = this.stats.liveBytes;
  }
}
