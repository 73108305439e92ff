/**
 * Turns the operating system's power and presence readings (Electron's powerMonitor)
 * into the signals the worker's idle policy decides on. The policy itself lives in the
 * worker; this only reports what the machine is doing, promptly.
 */

import type { IdleSignals, WorkerState } from '../../shared/worker/stats';

/** Earning (a job running, or asking the horde for one): the states in which a return must be seen at once. */
export function workerIsWorking(state: WorkerState): boolean {
  return state === 'running' || state === 'idle_no_work';
}

export type PowerEvent =
  | 'on-ac'
  | 'on-battery'
  | 'lock-screen'
  | 'unlock-screen'
  | 'suspend'
  | 'resume'
  | 'user-did-become-active'
  | 'user-did-resign-active';

export const POWER_EVENTS: readonly PowerEvent[] = [
  'on-ac',
  'on-battery',
  'lock-screen',
  'unlock-screen',
  'suspend',
  'resume',
  'user-did-become-active',
  'user-did-resign-active',
];

/** The part of powerMonitor used here, so tests can pass a fake machine. */
export interface PowerSource {
  getSystemIdleTime(): number;
  isOnBatteryPower(): boolean;
  on(event: PowerEvent, listener: () => void): unknown;
  off(event: PowerEvent, listener: () => void): unknown;
}

/** The idle signals powerMonitor can tell; full-screen, CPU load and programs come from elsewhere. */
export type PowerSignals = Pick<IdleSignals, 'idleSeconds' | 'onBattery' | 'locked' | 'userActive'>;

export interface PowerSignalSink {
  setSignals(signals: PowerSignals): void;
  /** After sleep the horde connection and any popped job are stale. */
  reconnect(): void | Promise<void>;
  /** Just before sleep: the worker finishes its job if it can within a few seconds, else hands it back. */
  suspend?(): void | Promise<void>;
}

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface PowerSignalOptions {
  source: PowerSource;
  sink: PowerSignalSink;
  /** How often the idle time is read while the worker is not working (default 5 s). */
  pollMs?: number;
  /**
   * How often it is read while the worker is working (default 500 ms), so the user's return is
   * noticed within a second; see setWorking(). powerMonitor has no "input now" event on Windows
   * or Linux, so a fast poll of the idle counter (a cheap OS call) is the way there.
   */
  fastPollMs?: number;
  timers?: Timers;
  onError?: (err: unknown) => void;
}

const defaultTimers: Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

export class PowerSignalAdapter {
  private readonly source: PowerSource;
  private readonly sink: PowerSignalSink;
  private readonly pollMs: number;
  private readonly fastPollMs: number;
  private working = false;
  private readonly timers: Timers;
  private readonly onError: (err: unknown) => void;
  private readonly listeners = new Map<PowerEvent, () => void>();
  private interval: unknown;
  private locked = false;
  private onBattery = false;
  private lastIdleSeconds = 0;
  private last: PowerSignals | undefined;

  constructor(options: PowerSignalOptions) {
    this.source = options.source;
    this.sink = options.sink;
    this.pollMs = options.pollMs ?? 5_000;
    this.fastPollMs = options.fastPollMs ?? 500;
    this.timers = options.timers ?? defaultTimers;
    this.onError = options.onError ?? (() => {});
  }

  start(): void {
    if (this.interval !== undefined) return;
    this.onBattery = this.source.isOnBatteryPower();
    this.lastIdleSeconds = this.source.getSystemIdleTime();
    for (const event of POWER_EVENTS) {
      const listener = () => this.onEvent(event);
      this.listeners.set(event, listener);
      this.source.on(event, listener);
    }
    this.schedule();
    this.emit(false);
  }

  /** The worker started or stopped working: poll fast only while it works. */
  setWorking(working: boolean): void {
    if (working === this.working) return;
    this.working = working;
    if (this.interval === undefined) return;
    this.timers.clearInterval(this.interval);
    this.schedule();
  }

  /** The current poll interval, ms. */
  get intervalMs(): number {
    return this.working ? this.fastPollMs : this.pollMs;
  }

  private schedule(): void {
    this.interval = this.timers.setInterval(() => this.poll(), this.intervalMs);
  }

  stop(): void {
    if (this.interval === undefined) return;
    this.timers.clearInterval(this.interval);
    this.interval = undefined;
    for (const [event, listener] of this.listeners) this.source.off(event, listener);
    this.listeners.clear();
  }

  /** The latest signals sent to the worker. */
  current(): PowerSignals | undefined {
    return this.last;
  }

  /** Reads the idle time; exposed so a caller can force a reading, the interval calls it too. */
  poll(): void {
    const idleSeconds = this.source.getSystemIdleTime();
    // The idle counter only goes down when there was input since the last reading.
    const userActive = !this.locked && idleSeconds < this.lastIdleSeconds;
    this.lastIdleSeconds = idleSeconds;
    this.emit(userActive);
  }

  private onEvent(event: PowerEvent): void {
    switch (event) {
      case 'on-ac':
        this.onBattery = false;
        break;
      case 'on-battery':
        this.onBattery = true;
        break;
      case 'lock-screen':
        this.locked = true;
        break;
      case 'unlock-screen':
        this.locked = false;
        // Unlocking takes a password typed by someone at the keyboard.
        this.lastIdleSeconds = this.source.getSystemIdleTime();
        this.emit(true);
        return;
      case 'user-did-become-active':
        this.lastIdleSeconds = this.source.getSystemIdleTime();
        this.emit(true);
        return;
      case 'user-did-resign-active':
        break;
      case 'suspend':
        this.call(() => this.sink.suspend?.());
        return;
      case 'resume':
        // The battery may have changed while asleep, and the horde has forgotten our popped job.
        this.onBattery = this.source.isOnBatteryPower();
        this.lastIdleSeconds = this.source.getSystemIdleTime();
        this.emit(false);
        this.call(() => this.sink.reconnect());
        return;
    }
    this.emit(false);
  }

  private emit(userActive: boolean): void {
    const signals: PowerSignals = {
      idleSeconds: this.lastIdleSeconds,
      onBattery: this.onBattery,
      locked: this.locked,
      userActive,
    };
    this.last = signals;
    this.call(() => this.sink.setSignals(signals));
  }

  private call(fn: () => void | Promise<void> | undefined): void {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch(this.onError);
    } catch (err) {
      this.onError(err);
    }
  }
}
