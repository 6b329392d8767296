// What a perf run was measured on, beyond the adapter: the CPU, memory, OS, and how busy the
// machine was when the run started and ended (other work on the cores slows every figure,
// the engine's and the peers' alike, and widens their ranges).
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpu: string;
  /** Cores this process may use. */
  cores: number;
  memoryGiB: number;
  os: string;
  /** 1-, 5- and 15-minute load averages at the start of the run and at its end. */
  loadAverage: { start: number[]; end: number[] | null };
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    loadAverage: { start: loadavg(), end: null },
  };
}

/** The machine as measured, with the load average at the end filled in. */
export function finished(m: MachineInfo): MachineInfo {
  return { ...m, loadAverage: { ...m.loadAverage, end: loadavg() } };
}

/** A warning when other work held the cores as the run started (1-minute load average at
 * half the cores or more), else null. The run's own load shows in the end figure. */
export function busyWarning(m: MachineInfo): string | null {
  const start = m.loadAverage.start[0];
  if (start < m.cores / 2) return null;
  return `the machine was busy when the run started (load average ${start.toFixed(1)} on ${m.cores} cores): other work slowed these figures; rerun on a quiet machine to publish them`;
}

export function machineLine(m: MachineInfo): string {
  const end = m.loadAverage.end ? `, ${m.loadAverage.end[0].toFixed(1)} at the end` : '';
  return `${m.cores} x ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}; load average ${m.loadAverage.start[0].toFixed(1)} at the start${end}`;
}
