/**
 * The worker's side of the idle policy: the settings, the latest signals and a
 * manual pause, combined into one answer to "may the worker take work now?".
 */
import {
  DEFAULT_SIGNALS,
  type IdlePolicySettings,
  type IdleSignals,
  type WorkerState,
} from '../../shared/worker/stats';
import { applyAction, decide } from './idle-policy';

export type Gate = { run: true } | { run: false; state: WorkerState; reason: string };

export class PolicyGate {
  private signals: IdleSignals = { ...DEFAULT_SIGNALS };
  private manualPause: string | undefined;
  private running = false;

  constructor(public settings: IdlePolicySettings) {}

  /** The last answer given (the CPU bound's hysteresis depends on it). */
  get lastRun(): boolean {
    return this.running;
  }

  get manuallyPaused(): boolean {
    return this.manualPause !== undefined;
  }

  check(now: number, stopping: boolean): Gate {
    if (stopping) return { run: false, state: 'stopped', reason: 'Stopping' };
    if (this.manualPause !== undefined) return { run: false, state: 'paused', reason: this.manualPause };
    const d = decide(this.settings, this.signals, now, this.running);
    this.running = d.run;
    if (d.run) return { run: true };
    return {
      run: false,
      state: d.cause === 'override_paused' ? 'paused' : 'waiting_for_idle',
      reason: d.reason,
    };
  }

  /** Fields left out keep their last value. */
  setSignals(signals: Partial<IdleSignals>): void {
    this.signals = { ...this.signals, ...signals };
  }

  pause(reason: string): void {
    this.manualPause = reason;
  }

  /** Lifts a manual pause (an override in the settings stays). */
  resume(): void {
    this.manualPause = undefined;
  }

  /** A tray/panel action: it replaces any manual pause. */
  apply(action: 'earn_now' | 'pause_1h' | 'auto', now: number): void {
    this.manualPause = undefined;
    this.settings = applyAction(this.settings, action, now);
  }
}
