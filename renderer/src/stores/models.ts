import { createStore } from 'zustand/vanilla';
import type {
  CatalogView,
  DownloadProgress,
  EarningsView,
  HordeBridge,
  InstalledModel,
  RecheckResult,
} from '../../../shared/bridge/contract';

export interface ModelsState {
  catalog: CatalogView | null;
  installed: InstalledModel[] | null;
  earnings: EarningsView | null;
  /** Latest progress per catalog id, pushed by the main side. */
  downloads: Record<string, DownloadProgress>;
  error: unknown;
  /** What the last action did, or why it failed, for the screen to say. */
  actionError: unknown;
  lastRecheck: RecheckResult | null;
  busy: string | null;
  refresh(): Promise<void>;
  refreshEarnings(): Promise<void>;
  download(id: string): Promise<void>;
  cancel(id: string): Promise<void>;
  remove(name: string): Promise<void>;
  addFolder(path: string): Promise<boolean>;
  pickFolder(): Promise<string | null>;
  confirmName(name: string, as: string | null): Promise<void>;
  recheck(name: string): Promise<void>;
  start(): () => void;
}

export function createModelsStore(bridge: HordeBridge) {
  return createStore<ModelsState>()((set, get) => {
    async function act<T>(busy: string, call: () => Promise<T>, after?: (r: T) => void): Promise<boolean> {
      set({ busy, actionError: null });
      try {
        const r = await call();
        after?.(r);
        return true;
      } catch (e) {
        set({ actionError: e });
        return false;
      } finally {
        set({ busy: null });
      }
    }
    return {
      catalog: null,
      installed: null,
      earnings: null,
      downloads: {},
      error: null,
      actionError: null,
      lastRecheck: null,
      busy: null,
      async refresh() {
        try {
          const [catalog, installed] = await Promise.all([
            bridge.invoke('models:catalog', undefined),
            bridge.invoke('models:installed', undefined),
          ]);
          const downloads = { ...get().downloads };
          for (const item of catalog.items) if (item.download) downloads[item.entry.id] ??= item.download;
          set({ catalog, installed, downloads, error: null });
        } catch (e) {
          set({ error: e });
        }
      },
      async refreshEarnings() {
        try {
          set({ earnings: await bridge.invoke('horde:earnings', undefined) });
        } catch {
          // The Earn screen shows the rules without the figures.
        }
      },
      download: async (id) => {
        await act(
          `download:${id}`,
          () => bridge.invoke('models:download', { id }),
          (p) => set({ downloads: { ...get().downloads, [id]: p } }),
        );
      },
      cancel: async (id) => {
        await act(`cancel:${id}`, () => bridge.invoke('models:cancelDownload', { id }));
      },
      remove: async (name) => {
        await act(
          `delete:${name}`,
          () => bridge.invoke('models:delete', { name }),
          (installed) => set({ installed }),
        );
        void get().refresh();
      },
      addFolder: (path) =>
        act(
          'add-folder',
          () => bridge.invoke('models:addFolder', { path }),
          (installed) => {
            set({ installed });
            void get().refresh();
          },
        ),
      pickFolder: async () => (await bridge.invoke('models:pickFolder', undefined)).path,
      confirmName: async (name, as) => {
        await act(
          `confirm:${name}`,
          () => bridge.invoke('models:confirmName', { name, as }),
          (installed) => set({ installed }),
        );
      },
      recheck: async (name) => {
        await act(
          `recheck:${name}`,
          () => bridge.invoke('models:recheck', { name }),
          (lastRecheck) => set({ lastRecheck }),
        );
        void get().refresh();
      },
      start() {
        const off = bridge.listen('models:download', (p) => {
          set({ downloads: { ...get().downloads, [p.id]: p } });
          if (p.state === 'done' || p.state === 'error' || p.state === 'cancelled') void get().refresh();
        });
        void get().refresh();
        void get().refreshEarnings();
        return off;
      },
    };
  });
}
