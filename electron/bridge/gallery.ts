import { mkdir, readdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { GalleryImage } from '../../shared/bridge/images';
import { parseJson, RecordFile, type LoadedRecord, type Parsed } from './record-file';

/** The gallery keeps at most this many images, and this many bytes of them; the oldest go first. */
export const GALLERY_MAX_IMAGES = 500;
export const GALLERY_MAX_BYTES = 512 * 1024 * 1024;

const EntrySchema = z.object({
  id: z.string().regex(/^[\w-]+$/),
  requestId: z.string(),
  createdAt: z.number(),
  prompt: z.string(),
  negative: z.string(),
  model: z.string(),
  seed: z.string(),
  width: z.int(),
  height: z.int(),
  steps: z.int(),
  sampler: z.string(),
  cfgScale: z.number(),
  karras: z.boolean(),
  strength: z.number().optional(),
  postProcessing: z.array(z.string()),
  censored: z.boolean(),
  workerName: z.string(),
  horde: z.string(),
  bytes: z.int(),
});

/**
 * The user's generated images, kept across restarts: each image is a file in
 * `<data>/gallery/` (as the worker delivered it, WebP), and `gallery.json`
 * indexes them with the prompt and settings. Bounded by count and bytes
 * (oldest pruned), and the user can delete any. An index entry whose file is
 * gone is dropped on load; a file no entry names is removed.
 */
export class Gallery {
  private entries: GalleryImage[] = [];
  private readonly record: RecordFile<GalleryImage[]>;
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly limits = { images: GALLERY_MAX_IMAGES, bytes: GALLERY_MAX_BYTES },
  ) {
    this.dir = path.join(dataDir, 'gallery');
    this.record = new RecordFile(path.join(dataDir, 'gallery.json'), {
      what: 'your image gallery',
      parse: parseGallery,
      serialize: (entries) => JSON.stringify(entries),
      mode: 0o600,
    });
  }

  async load(): Promise<LoadedRecord<GalleryImage[]>> {
    const loaded = await this.record.load();
    const names = new Set(await readdir(this.dir).catch(() => [] as string[]));
    const all = loaded.value ?? [];
    this.entries = all.filter((e) => names.has(fileOf(e.id)));
    const known = new Set(this.entries.map((e) => fileOf(e.id)));
    for (const name of names) if (!known.has(name)) await rm(path.join(this.dir, name), { force: true });
    if (this.entries.length !== all.length) await this.record.save(this.entries);
    return loaded;
  }

  list(limit?: number): GalleryImage[] {
    const newest = [...this.entries].reverse();
    return structuredClone(limit === undefined ? newest : newest.slice(0, limit));
  }

  get(id: string): GalleryImage | undefined {
    const e = this.entries.find((x) => x.id === id);
    return e && structuredClone(e);
  }

  has(id: string): boolean {
    return this.entries.some((e) => e.id === id);
  }

  async read(id: string): Promise<Buffer | undefined> {
    if (!this.has(id)) return undefined;
    return readFile(path.join(this.dir, fileOf(id))).catch(() => undefined);
  }

  /** Adds an image (the file first, then the index), then prunes to the bounds. Adding an id twice keeps one. */
  async add(entry: Omit<GalleryImage, 'bytes'>, bytes: Uint8Array): Promise<GalleryImage> {
    const existing = this.get(entry.id);
    if (existing) return existing;
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, fileOf(entry.id));
    await writeFile(`${file}.part`, bytes, { mode: 0o600 });
    await rename(`${file}.part`, file);
    const full: GalleryImage = { ...entry, bytes: bytes.length };
    this.entries.push(full);
    await this.prune();
    await this.record.save(this.entries);
    return structuredClone(full);
  }

  async remove(ids: readonly string[]): Promise<number> {
    const drop = new Set(ids);
    const gone = this.entries.filter((e) => drop.has(e.id));
    if (gone.length === 0) return 0;
    this.entries = this.entries.filter((e) => !drop.has(e.id));
    await this.record.save(this.entries);
    for (const e of gone) await rm(path.join(this.dir, fileOf(e.id)), { force: true });
    return gone.length;
  }

  private async prune(): Promise<void> {
    let total = this.entries.reduce((s, e) => s + e.bytes, 0);
    while (
      this.entries.length > this.limits.images ||
      (total > this.limits.bytes && this.entries.length > 1)
    ) {
      const old = this.entries.shift()!;
      total -= old.bytes;
      await rm(path.join(this.dir, fileOf(old.id)), { force: true });
    }
  }
}

const fileOf = (id: string): string => `${id}.webp`;

function parseGallery(text: string): Parsed<GalleryImage[]> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const r = z.array(z.unknown()).safeParse(json.value);
  if (!r.success) return { ok: false, why: 'not a list of images' };
  return {
    ok: true,
    value: r.data.flatMap((raw) => {
      const e = EntrySchema.safeParse(raw);
      return e.success ? [e.data as GalleryImage] : [];
    }),
  };
}
