import { createStore } from 'zustand/vanilla';
import type {
  HordeBridge,
  LocalModel,
  RunningPrograms,
  WorkerAction,
  WorkerStats,
} from '../../../shared/bridge/contract';

export interface WorkerStore {
  /** null until the first answer; stays null when no worker runs in this process. */
  stats: WorkerStats | null;
  loaded: boolean;
  error: unknown;
  models: LocalModel[] | null;
  modelsError: unknown;
  /** The control in flight, so its button can show it and not be pressed twice. */
  pending: WorkerAction | 'leave_maintenance' | null;
  actionError: unknown;
  /** The running programs, read when the picker opens. */
  programs: RunningPrograms | null;
  programsError: unknown;
  loadPrograms(): Promise<void>;
  refresh(): Promise<void>;
  refreshModels(): Promise<void>;
  control(action: WorkerAction): Promise<void>;
  leaveMaintenance(): Promise<void>;
  /** Subscribes to the pushed stats; returns the unsubscribe. */
  start(): () => void;
}

export function createWorkerStore(bridge: HordeBridge) {
  return createStore<WorkerStore>()((set, get) => {
    async function act(pending: WorkerStore['pending'], call: () => Promise<WorkerStats>) {
      set({ pending, actionError: null });
      try {
        set({ stats: await call(), loaded: true });
      } catch (e) {
        set({ actionError: e });
      } finally {
        set({ pending: null });
      }
    }
    return {
      stats: null,
      loaded: false,
      error: null,
      models: null,
      modelsError: null,
      pending: null,
      actionError: null,
      programs: null,
      programsError: null,
      async loadPrograms() {
        try {
          set({ programs: await bridge.invoke('worker:programs', undefined), programsError: null });
        } catch (e) {
          set({ programsError: e });
        }
      },
      async refresh() {
        try {
          set({ stats: await bridge.invoke('worker:stats', undefined), loaded: true, error: null });
        } catch (e) {
          set({ error: e, loaded: true });
        }
      },
      async refreshModels() {
        try {
          set({ models: await bridge.invoke('models:local', undefined), modelsError: null });
        } catch (e) {
          set({ modelsError: e });
        }
      },
      control: (action) => act(action, () => bridge.invoke('worker:control', { action })),
      leaveMaintenance: () =>
        act('leave_maintenance', () => bridge.invoke('worker:leaveMaintenance', undefined)),
      start() {
        const off = bridge.listen('worker:stats', (stats) => set({ stats, loaded: true, error: null }));
        void get().refresh();
        void get().refreshModels();
        return off;
      },
    };
  });
}
