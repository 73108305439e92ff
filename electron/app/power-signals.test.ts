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
