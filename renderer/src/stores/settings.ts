import { createStore } from 'zustand/vanilla';
import type {
  AppInfo,
  HordeBridge,
  KeyCheck,
  SettingsPatch,
  SettingsView,
} from '../../../shared/bridge/contract';

export type SaveOutcome = { ok: true } | { ok: false; error: unknown };

export interface SettingsState {
  settings: SettingsView | null;
  info: AppInfo | null;
  loaded: boolean;
  error: unknown;
  saving: boolean;
  saveError: unknown;
  /** Bumped on every successful save so the form can say "Saved". */
  savedCount: number;
  refresh(): Promise<void>;
  save(patch: SettingsPatch): Promise<SaveOutcome>;
  setApiKey(apiKey: string | null): Promise<SaveOutcome>;
  /** Whose key this is on the chosen horde; saves nothing. Rejects with the horde's error. */
  checkApiKey(apiKey: string): Promise<KeyCheck>;
  start(): () => void;
}

export function createSettingsStore(bridge: HordeBridge) {
  return createStore<SettingsState>()((set, get) => {
    async function saving<T>(call: () => Promise<T>, apply: (r: T) => void): Promise<SaveOutcome> {
      set({ saving: true, saveError: null });
      try {
        apply(await call());
        set((s) => ({ savedCount: s.savedCount + 1 }));
        return { ok: true };
      } catch (e) {
        set({ saveError: e });
        return { ok: false, error: e };
      } finally {
        set({ saving: false });
      }
    }
    return {
      settings: null,
      info: null,
      loaded: false,
      error: null,
      saving: false,
      saveError: null,
      savedCount: 0,
      async refresh() {
        try {
          const [settings, info] = await Promise.all([
            bridge.invoke('settings:get', undefined),
            bridge.invoke('app:info', undefined),
          ]);
          set({ settings, info, loaded: true, error: null });
        } catch (e) {
          set({ error: e, loaded: true });
        }
      },
      save: (patch) =>
        saving(
          () => bridge.invoke('settings:set', patch),
          (settings) => {
            set({ settings });
            // A new horde or sharing applies at once: the line saying which horde follows it.
            if (patch.horde !== undefined || patch.lanSharing !== undefined || patch.lanPort !== undefined)
              void bridge.invoke('app:info', undefined).then(
                (info) => set({ info }),
                () => undefined,
              );
          },
        ),
      setApiKey: (apiKey) =>
        saving(
          () => bridge.invoke('settings:setApiKey', { apiKey }),
          ({ apiKeyMasked }) => {
            const s = get().settings;
            if (s) set({ settings: { ...s, apiKeyMasked } });
          },
        ),
      checkApiKey: (apiKey) => bridge.invoke('settings:checkApiKey', { apiKey }),
      start() {
        void get().refresh();
        return () => {};
      },
    };
  });
}
