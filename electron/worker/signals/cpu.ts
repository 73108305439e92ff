/**
 * CPU use of the other programs: the machine's busy time over the last interval (the kernel's
 * per-core counters, os.cpus()) minus this process's own CPU time (process.cpuUsage(), which
 * includes the inference threads), as a share of all cores. Two counter reads per sample and no
 * child process, so it can be read every few seconds. No package: Node has both counters.
 */
import os from 'node:os';
import type { CpuProbe, ProbeSupport } from './types';

export interface CpuCounters {
  /** Busy and total CPU time of all cores, ms, since boot. */
  machine(): { busyMs: number; totalMs: number };
  /** CPU time used by this app's own process, ms. */
  own(): number;
}

export const nodeCpuCounters: CpuCounters = {
  machine() {
    let busy = 0;
    let total = 0;
    for (const c of os.cpus()) {
      const t = c.times;
      const all = t.user + t.nice + t.sys + t.irq + t.idle;
      total += all;
      busy += all - t.idle;
    }
    return { busyMs: busy, totalMs: total };
  },
  own() {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  },
};

/** Others' share (0..100) between two readings; never below 0 (the counters tick at different rates). */
export function othersPercent(
  before: { busyMs: number; totalMs: number; ownMs: number },
  after: { busyMs: number; totalMs: number; ownMs: number },
): number {
  const total = after.totalMs - before.totalMs;
  if (!(total > 0)) return 0;
  const others = after.busyMs - before.busyMs - (after.ownMs - before.ownMs);
  return Math.min(100, Math.max(0, (others / total) * 100));
}

export class CountersCpuProbe implements CpuProbe {
  readonly support: ProbeSupport = {
    available: true,
    how: "The machine's CPU time minus this app's own, as a share of all cores.",
  };
  private last: { busyMs: number; totalMs: number; ownMs: number };

  constructor(private readonly counters: CpuCounters = nodeCpuCounters) {
    this.last = this.sample();
  }

  async read(): Promise<number> {
    const now = this.sample();
    const share = othersPercent(this.last, now);
    this.last = now;
    return Math.round(share * 10) / 10;
  }

  private sample() {
    return { ...this.counters.machine(), ownMs: this.counters.own() };
  }
}
