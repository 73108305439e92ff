/**
 * The model catalog: the built-in entries (catalog.json, data) read through their
 * schema, plus what decides which of them a machine can run. Pure: the app's edges
 * measure the machine and pass it in.
 */
import builtIn from './catalog.json';
import { Catalog, type CatalogEntry } from './schema';

export type { CatalogEntry, WorkKind } from './schema';

/** Reads a catalog document (the built-in one or a user/test one); throws with the first bad field. */
export function parseCatalog(doc: unknown): CatalogEntry[] {
  const r = Catalog.safeParse(doc);
  if (r.success) return r.data.entries;
  const first = r.error.issues[0];
  throw new Error(
    `the model catalog is not valid: ${first?.path.join('.') ?? ''} ${first?.message ?? ''}`.trim(),
  );
}

export const BUILT_IN_CATALOG: readonly CatalogEntry[] = parseCatalog(builtIn);

/** Built-in entries with `extra` added; an extra entry with the same id replaces the built-in one. */
export function mergeCatalogs(base: readonly CatalogEntry[], extra: readonly CatalogEntry[]): CatalogEntry[] {
  const byId = new Map(base.map((e) => [e.id, e]));
  for (const e of extra) byId.set(e.id, e);
  return [...byId.values()];
}

/** The download's size in MB as the catalog gives it (the hub's listing is the truth at download). */
export function downloadMb(entry: CatalogEntry): number {
  return entry.files.reduce((sum, f) => sum + f.approxMb, 0);
}

/**
 * Memory while loaded: the card's figure when it has one, else twice the files, the
 * rule the worker's memory cap uses (measured by `npm run bench`: ONNX Runtime's peak
 * RSS is about twice the model file).
 */
export function memoryNeedMb(entry: CatalogEntry): number {
  return entry.memoryMb ?? Math.ceil(downloadMb(entry) * 2);
}

export interface MachineFacts {
  /** Memory free for models now, in MB (total RAM minus what is in use, or the Settings cap when lower). */
  memoryMb: number;
  /** Free space where models are stored, in MB. */
  diskFreeMb: number;
  /** A GPU the app can use (WebGPU adapter or CUDA/DirectML). */
  gpu: boolean;
}

export type Fit = { ok: true } | { ok: false; reason: string };

/** Whether this machine can download and run the entry, and if not, why in words. */
export function fitsMachine(entry: CatalogEntry, machine: MachineFacts): Fit {
  if (!entry.runnable) return { ok: false, reason: 'The app cannot run this model yet.' };
  if (entry.gpu === 'required' && !machine.gpu) return { ok: false, reason: 'Needs a GPU; none was found.' };
  const memory = memoryNeedMb(entry);
  if (memory > machine.memoryMb)
    return {
      ok: false,
      reason: `Needs about ${formatMb(memory)} of memory; ${formatMb(machine.memoryMb)} is free for models.`,
    };
  const disk = downloadMb(entry);
  if (disk > machine.diskFreeMb)
    return {
      ok: false,
      reason: `Needs about ${formatMb(disk)} of disk; ${formatMb(machine.diskFreeMb)} is free.`,
    };
  return { ok: true };
}

export function formatMb(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.max(1, Math.round(mb))} MB`;
}

/** The catalog entry a downloaded repo came from, by repo id. */
export function entryForRepo(entries: readonly CatalogEntry[], repo: string): CatalogEntry | undefined {
  return entries.find((e) => e.repo === repo);
}
