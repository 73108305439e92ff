import { describe, expect, it } from 'vitest';
import { PowerSignalAdapter, type PowerEvent, type PowerSignals, type PowerSource } from './power-signals';

class FakeMachine implements PowerSource {
  idle = 0;
  battery = false;
  private listeners = new Map<PowerEvent, Set<() => void>>();
  getSystemIdleTime() {
    return this.idle;
  }
  isOnBatteryPower() {
    return this.battery;
  }
  on(event: PowerEvent, listener: () => void) {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
  }
  off(event: PowerEvent, listener: () => void) {
    this.listeners.get(event)?.delete(listener);
  }
  emit(event: PowerEvent) {
    for (const l of this.listeners.get(event) ?? []) l();
  }
  listenerCount() {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

function setup() {
  const machine = new FakeMachine();
  const signals: PowerSignals[] = [];
  let reconnects = 0;
  let suspends = 0;
  let tick: (() => void) | undefined;
  const adapter = new PowerSignalAdapter({
    source: machine,
    sink: {
      setSignals: (s) => signals.push(s),
      reconnect: () => {
        reconnects += 1;
      },
      suspend: () => {
        suspends += 1;
      },
    },
    timers: {
      setInterval: (fn) => {
        tick = fn;
        return 1;
      },
      clearInterval: () => {
        tick = undefined;
      },
    },
  });
  return {
    machine,
    adapter,
    signals,
    last: () => signals.at(-1),
    tick: () => tick?.(),
    reconnects: () => reconnects,
    suspends: () => suspends,
    ticking: () => tick !== undefined,
  };
}

describe('power signal adapter', () => {
  it('reports the idle time and power source at start and on every poll', () => {
    const s = setup();
    s.machine.idle = 30;
    s.machine.battery = true;
    s.adapter.start();
    expect(s.last()).toEqual({ idleSeconds: 30, onBattery: true, locked: false, userActive: false });
    s.machine.idle = 600;
    s.tick();
    expect(s.last()).toMatchObject({ idleSeconds: 600, userActive: false });
  });

  it('flags the user as active the moment the idle time drops', () => {
    const s = setup();
    s.machine.idle = 600;
    s.adapter.start();
    s.machine.idle = 2;
    s.tick();
    expect(s.last()).toMatchObject({ idleSeconds: 2, userActive: true });
    s.machine.idle = 7;
    s.tick();
    expect(s.last()).toMatchObject({ idleSeconds: 7, userActive: false });
  });

  it('follows AC and battery events', () => {
    const s = setup();
    s.adapter.start();
    s.machine.emit('on-battery');
    expect(s.last()?.onBattery).toBe(true);
    s.machine.emit('on-ac');
    expect(s.last()?.onBattery).toBe(false);
  });

  it('treats a locked screen as away and unlocking as the user coming back', () => {
    const s = setup();
    s.adapter.start();
    s.machine.emit('lock-screen');
    expect(s.last()).toMatchObject({ locked: true, userActive: false });
    s.machine.idle = 0;
    s.tick();
    expect(s.last()).toMatchObject({ locked: true, userActive: false });
    s.machine.emit('unlock-screen');
    expect(s.last()).toMatchObject({ locked: false, userActive: true });
  });

  it('tells the worker to reconnect after resume from sleep, with fresh readings', () => {
    const s = setup();
    s.adapter.start();
    s.machine.emit('suspend');
    expect(s.suspends()).toBe(1);
    s.machine.battery = true;
    s.machine.emit('resume');
    expect(s.reconnects()).toBe(1);
    expect(s.last()?.onBattery).toBe(true);
  });

  it('keeps going when the worker throws, reporting the error', () => {
    const machine = new FakeMachine();
    const errors: unknown[] = [];
    const adapter = new PowerSignalAdapter({
      source: machine,
      sink: {
        setSignals: () => {
          throw new Error('boom');
        },
        reconnect: () => Promise.reject(new Error('offline')),
      },
      timers: { setInterval: () => 1, clearInterval: () => {} },
      onError: (e) => errors.push(e),
    });
    adapter.start();
    machine.emit('resume');
    expect(adapter.current()).toMatchObject({ idleSeconds: 0 });
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it('stops listening and polling on stop', () => {
    const s = setup();
    s.adapter.start();
    expect(s.machine.listenerCount()).toBeGreaterThan(0);
    s.adapter.stop();
    expect(s.machine.listenerCount()).toBe(0);
    expect(s.ticking()).toBe(false);
  });
});

/** A machine whose idle counter follows a fake clock, and interval timers that run on it. */
class ClockedMachine extends FakeMachine {
  t = 0;
  lastInput = 0;
  private intervals = new Map<number, { fn: () => void; ms: number; next: number }>();
  private seq = 0;
  polls = 0;

  override getSystemIdleTime() {
    this.polls += 1;
    // powerMonitor answers whole seconds.
    return Math.floor((this.t - this.lastInput) / 1000);
  }
  timers = {
    setInterval: (fn: () => void, ms: number) => {
      const id = ++this.seq;
      this.intervals.set(id, { fn, ms, next: this.t + ms });
      return id;
    },
    clearInterval: (id: unknown) => void this.intervals.delete(id as number),
  };
  /** Advances in 1 ms steps, firing each interval when due. */
  advance(ms: number, until?: () => boolean) {
    for (let i = 0; i < ms; i++) {
      this.t += 1;
      for (const timer of [...this.intervals.values()]) {
        if (timer.next <= this.t) {
          timer.next += timer.ms;
          timer.fn();
        }
      }
      if (until?.()) return;
    }
  }
}

describe("the user's return while the worker works", () => {
  function clocked() {
    const machine = new ClockedMachine();
    const seen: { at: number; s: PowerSignals }[] = [];
    const adapter = new PowerSignalAdapter({
      source: machine,
      sink: { setSignals: (s) => seen.push({ at: machine.t, s }), reconnect: () => {} },
      timers: machine.timers,
    });
    adapter.start();
    return { machine, adapter, seen };
  }

  it('is noticed within 1 s, measured on a fake clock, at any moment of the poll cycle', () => {
    const delays: number[] = [];
    // The input lands at 0, 1, …, 499 ms after a poll: every phase of the fast cycle.
    for (let phase = 0; phase < 500; phase += 37) {
      const { machine, adapter, seen } = clocked();
      machine.advance(10 * 60_000); // ten idle minutes: the worker earns
      adapter.setWorking(true);
      machine.advance(2_000 + phase);
      const returnedAt = machine.t;
      machine.lastInput = returnedAt;
      machine.advance(5_000, () => seen.at(-1)?.s.userActive === true);
      const noticed = seen.find((x) => x.at >= returnedAt && x.s.userActive);
      expect(noticed, `phase ${phase}`).toBeDefined();
      delays.push(noticed!.at - returnedAt);
      adapter.stop();
    }
    console.log(`user's return noticed after ${Math.min(...delays)}–${Math.max(...delays)} ms (fake clock)`);
    expect(Math.max(...delays)).toBeLessThan(1000);
  });

  it('polls slowly while the worker is not working, and again after it stops', () => {
    const { machine, adapter } = clocked();
    machine.advance(60_000);
    expect(machine.polls).toBeLessThanOrEqual(1 + 60_000 / 5_000);
    adapter.setWorking(true);
    const before = machine.polls;
    machine.advance(60_000);
    expect(machine.polls - before).toBe(60_000 / 500);
    adapter.setWorking(false);
    const after = machine.polls;
    machine.advance(60_000);
    expect(machine.polls - after).toBe(60_000 / 5_000);
  });

  it('without the fast poll the same return would take up to 5 s', () => {
    const { machine, seen } = clocked();
    machine.advance(10 * 60_000 + 100);
    const returnedAt = machine.t;
    machine.lastInput = returnedAt;
    machine.advance(10_000, () => seen.at(-1)?.s.userActive === true);
    const noticed = seen.find((x) => x.at >= returnedAt && x.s.userActive);
    expect(noticed!.at - returnedAt).toBeGreaterThan(1000);
  });
});
