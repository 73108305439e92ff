import { createStore, type StoreApi } from 'zustand';
import type { HordeBridge, RequestProgress } from '../../../shared/bridge/contract';
import type {
  GalleryImage,
  ImageJobView,
  ImageModelView,
  ImagePrice,
  ImageRequest,
} from '../../../shared/bridge/images';

/** What the form should be filled with next ("again with this seed", "use as img2img source"). */
export interface FormPrefill {
  key: number;
  request: Partial<ImageRequest>;
  /** For "use as source": the image as a data URL, and its name. */
  source?: { dataUrl: string; name: string };
}

export interface ImagesState {
  models: ImageModelView[] | null;
  modelsError: unknown;
  gallery: GalleryImage[];
  /** Thumbnails and full views, by image id, as data URLs (loaded on demand). */
  files: Record<string, string>;
  job: ImageJobView | null;
  /** The in-app worker's sampler steps for the image being made now (embedded horde only). */
  progress: RequestProgress | null;
  submitting: boolean;
  error: unknown;
  prefill: FormPrefill | null;
  start(): () => void;
  loadModels(): Promise<void>;
  loadGallery(): Promise<void>;
  price(req: ImageRequest): Promise<ImagePrice>;
  submit(req: ImageRequest): Promise<void>;
  cancel(): Promise<void>;
  loadFile(id: string): Promise<string | undefined>;
  download(id: string, format: 'webp' | 'png'): Promise<{ dataUrl: string; filename: string }>;
  remove(ids: string[]): Promise<void>;
  againWithSeed(g: GalleryImage): void;
  useAsSource(g: GalleryImage): Promise<void>;
}

/**
 * The Image screen's state. The request it shows is followed by the image tracker's
 * `image:updated` pushes (electron/bridge/image-requests.ts), not by a timer of its own: it asks
 * `images:status` once, when it starts to show a request, and the pushes are then its one source.
 */
export function createImagesStore(bridge: HordeBridge): StoreApi<ImagesState> {
  let prefillKey = 0;
  /** The request the screen follows, known from the submit's answer on (before its first look). */
  let following: string | null = null;
  const store = createStore<ImagesState>((set, get) => {
    const apply = (job: ImageJobView): void => {
      if (job.id !== following) return; // about a request the user has moved on from
      const shown = get().job;
      // An answer read before the final push may arrive after it: a settled request stays settled.
      if (shown?.id === job.id && shown.settled && !job.settled) return;
      set({ job });
      if (job.settled && !(shown?.id === job.id && shown.settled)) void get().loadGallery();
    };
    return {
      models: null,
      modelsError: null,
      gallery: [],
      files: {},
      job: null,
      progress: null,
      submitting: false,
      error: null,
      prefill: null,
      start() {
        void get().loadModels();
        void get().loadGallery();
        const offProgress = bridge.listen('request:progress', (p) => {
          if (p.kind === 'image' && p.id === get().job?.id) set({ progress: p });
        });
        const offUpdated = bridge.listen('image:updated', apply);
        return () => {
          offProgress();
          offUpdated();
        };
      },
      async loadModels() {
        try {
          set({ models: await bridge.invoke('images:models'), modelsError: null });
        } catch (e) {
          set({ modelsError: e, models: [] });
        }
      },
      async loadGallery() {
        try {
          set({ gallery: await bridge.invoke('images:gallery', {}) });
        } catch (e) {
          set({ error: e });
        }
      },
      price: (req) => bridge.invoke('images:price', req),
      async submit(req) {
        set({ submitting: true, error: null, progress: null });
        try {
          const { id } = await bridge.invoke('images:submit', req);
          following = id;
          // The first look (queue position at once); the pushes follow from here on.
          apply(await bridge.invoke('images:status', { id }));
          set({ submitting: false });
        } catch (e) {
          set({ error: e, submitting: false });
        }
      },
      async cancel() {
        const job = get().job;
        if (!job) return;
        try {
          apply(await bridge.invoke('images:cancel', { id: job.id }));
        } catch (e) {
          set({ error: e });
        }
      },
      async loadFile(id) {
        const have = get().files[id];
        if (have) return have;
        try {
          const f = await bridge.invoke('images:file', { id, format: 'webp' });
          set({ files: { ...get().files, [id]: f.dataUrl } });
          return f.dataUrl;
        } catch (e) {
          set({ error: e });
          return undefined;
        }
      },
      download: (id, format) => bridge.invoke('images:file', { id, format }),
      async remove(ids) {
        try {
          await bridge.invoke('images:delete', { ids });
          const files = { ...get().files };
          for (const id of ids) delete files[id];
          set({ files });
          await get().loadGallery();
        } catch (e) {
          set({ error: e });
        }
      },
      againWithSeed(g) {
        set({
          prefill: {
            key: ++prefillKey,
            request: {
              prompt: g.prompt,
              negative: g.negative,
              model: g.model,
              width: g.width,
              height: g.height,
              steps: g.steps,
              sampler: g.sampler as ImageRequest['sampler'],
              cfgScale: g.cfgScale,
              karras: g.karras,
              seed: g.seed,
              n: 1,
            },
          },
        });
      },
      async useAsSource(g) {
        const dataUrl = await get().loadFile(g.id);
        if (!dataUrl) return;
        set({
          prefill: {
            key: ++prefillKey,
            request: { prompt: g.prompt, negative: g.negative, width: g.width, height: g.height },
            source: { dataUrl, name: `image ${g.seed}` },
          },
        });
      },
    };
  });
  return store;
}
