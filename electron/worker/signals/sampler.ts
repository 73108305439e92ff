/**
 * Reads the measured signals every few seconds and hands them to the worker. Each probe is
 * read only while the policy uses it (full-screen pause on, programs named, a CPU bound set), so
 * a machine that uses none of them pays nothing; a probe that does not work here is never read.
 */
import type { IdlePolicySettings, IdleSignals, SignalsSupport } from '../../../shared/worker/stats';
import type { CpuProbe, FullscreenProbe, ProgramsProbe } from './types';

export const SIGNAL_SAMPLE_MS = 2_000;

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface SignalProbes {
  fullscreen: FullscreenProbe;
  programs: ProgramsProbe;
  cpu: CpuProbe;
}

export interface SignalSamplerOptions {
  probes: SignalProbes;
  /** The policy in force now (the user may change it at any time). */
  policy: () => IdlePolicySettings;
  setSignals: (signals: Partial<IdleSignals>) => void;
  intervalMs?: number;
  timers?: Timers;
  onError?: (err: unknown) => void;
}

const realTimers: Timers = {
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms);
    t.unref();
    return t;
  },
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

export class SignalSampler {
  private handle: unknown;
  private busy: Promise<void> | undefined;

  constructor(private readonly o: SignalSamplerOptions) {}

  support(): SignalsSupport {
    const p = this.o.probes;
    return { fullscreen: p.fullscreen.support, programs: p.programs.support, cpu: p.cpu.support };
  }

  start(): void {
    if (this.handle !== undefined) return;
    const timers = this.o.timers ?? realTimers;
    this.handle = timers.setInterval(() => void this.sample(), this.o.intervalMs ?? SIGNAL_SAMPLE_MS);
    void this.sample();
  }

  async stop(): Promise<void> {
    if (this.handle !== undefined) (this.o.timers ?? realTimers).clearInterval(this.handle);
    this.handle = undefined;
    await this.busy;
    this.o.probes.fullscreen.close?.();
  }

  /** One round of readings; a round still running is not overlapped. */
  sample(): Promise<void> {
    this.busy ??= this.readAll().finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async readAll(): Promise<void> {
    const policy = this.o.policy();
    const { fullscreen, programs, cpu } = this.o.probes;
    const next: Partial<IdleSignals> = {};
    const read = async <T>(
      wanted: boolean,
      probe: { support: { available: boolean }; read(): Promise<T> },
    ) => {
      if (!wanted || !probe.support.available) return undefined;
      try {
        return await probe.read();
      } catch (err) {
        this.o.onError?.(err);
        return undefined;
      }
    };
    const [fs, names, load] = await Promise.all([
      read(policy.pauseWhenFullscreen === true, fullscreen),
      read((policy.pausePrograms ?? []).length > 0, programs),
      read(policy.maxCpuPercentOthers !== undefined && policy.maxCpuPercentOthers < 100, cpu),
    ]);
    // A signal no longer read goes back to its neutral value, so a stale reading cannot block.
    next.fullscreenApp = fs ?? false;
    next.runningPrograms = names ?? [];
    next.cpuLoadOthers = load ?? 0;
    this.o.setSignals(next);
  }
}

/** The real probes for this machine. */
export async function machineProbes(platform: NodeJS.Platform = process.platform): Promise<SignalProbes> {
  const [{ fullscreenProbeFor }, { programsProbeFor }, { CountersCpuProbe }] = await Promise.all([
    import('./fullscreen'),
    import('./programs'),
    import('./cpu'),
  ]);
  return {
    fullscreen: await fullscreenProbeFor(platform),
    programs: programsProbeFor(platform),
    cpu: new CountersCpuProbe(),
  };
}
