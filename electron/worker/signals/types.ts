/**
 * The measured signals behind the idle policy, each behind one small interface so that every
 * platform's way of reading it (and a fake in tests) fits the same slot.
 */
import type { SignalSupport } from '../../../shared/worker/stats';

export type ProbeSupport = SignalSupport;

/** Is a full-screen or presentation-mode program in front? */
export interface FullscreenProbe {
  readonly support: ProbeSupport;
  read(): Promise<boolean>;
  close?(): void;
}

/** Executable names (without path or .exe) of the programs running now. */
export interface ProgramsProbe {
  readonly support: ProbeSupport;
  read(): Promise<string[]>;
}

/** CPU use of other programs, 0..100 of the whole machine, this app's own share taken out. */
export interface CpuProbe {
  readonly support: ProbeSupport;
  read(): Promise<number>;
}
