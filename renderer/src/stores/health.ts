import { createStore } from 'zustand/vanilla';
import type { HordeBridge, HordeHealth } from '../../../shared/bridge/contract';

/** How often the window asks whether the chosen horde answers (its heartbeat; cheap on every horde). */
export const HEALTH_EVERY_MS = 20_000;

export interface HealthState {
  /** null before the first answer. */
  health: HordeHealth | null;
  check(): Promise<void>;
  start(): () => void;
}

export function createHealthStore(bridge: HordeBridge, everyMs = HEALTH_EVERY_MS) {
  return createStore<HealthState>()((set, get) => ({
    health: null,
    async check() {
      try {
        set({ health: await bridge.invoke('horde:health', undefined) });
      } catch {
        // The app itself did not answer: the horde's state is unknown, not "online".
        const last = get().health;
        if (last) set({ health: { ...last, online: false, checkedAt: Date.now() } });
      }
    },
    start() {
      void get().check();
      const timer = setInterval(() => void get().check(), everyMs);
      return () => clearInterval(timer);
    },
  }));
}
