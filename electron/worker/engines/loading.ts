/**
 * Pointing transformers.js at a local model folder. Its `env.localModelPath` is
 * global, so loads are serialized and each one sets it for itself; remote
 * downloads stay off whatever the caller set before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { env, type ProgressInfo } from '@huggingface/transformers';
import { findModel, type ModelInfo, type ScanOptions } from '../models/scan';
import type { LoadProgress } from './types';

export { chooseDtype, type OnnxDtype } from './dtype';

export type NodeDevice = 'cpu' | 'cuda' | 'dml';

export interface NodeLoadOptions {
  modelsDir: string;
  device?: NodeDevice;
  /** Cap on ONNX Runtime's intra-op threads (the settings' thread cap). */
  threads?: number;
  onProgress?: (progress: LoadProgress) => void;
  /** Where else to look: the Hugging Face hub cache. */
  scan?: ScanOptions;
}

export function sessionOptions(threads?: number): { intraOpNumThreads?: number; interOpNumThreads?: number } {
  return threads && threads > 0 ? { intraOpNumThreads: Math.floor(threads), interOpNumThreads: 1 } : {};
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * The (localModelPath, model id) pair transformers.js resolves to `model.path`.
 * Folder models keep their full name as the id (`org/name`), so two models that
 * share a last path segment never share transformers.js' per-id memo entries.
 */
export function localModelLocation(model: ModelInfo): { root: string; id: string } {
  const nameAsPath = model.name.split('/').join(path.sep);
  if (model.source === 'folder' && model.path.endsWith(`${path.sep}${nameAsPath}`)) {
    return { root: model.path.slice(0, -nameAsPath.length), id: model.name };
  }
  // The hub cache's snapshot folder is named by its revision hash: unique enough.
  return { root: `${path.dirname(model.path)}${path.sep}`, id: path.basename(model.path) };
}

/** Runs `load` with transformers.js looking only at `model`'s folder; returns what `load` returns. */
export function withLocalModel<T>(model: ModelInfo, load: (modelId: string) => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    const { root, id } = localModelLocation(model);
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = root;
    return withoutGraphFileStreams(model.path, () => load(id));
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/** The graph files transformers.js hands ONNX Runtime by path in Node: `x.onnx`, `x.onnx_data`, `x.onnx_data_1`… */
const GRAPH_FILE = /\.onnx(_data(_\d+)?)?$/;

/**
 * Runs `load` with no read stream opened on the graph files under `folder`. transformers.js 4.3
 * wraps every local file it looks at in a response object whose constructor starts a read stream
 * at once and queues every chunk, read or not. For a graph file in Node nothing reads them (ONNX
 * Runtime gets the path, the other look is for its size), yet the whole file passes through
 * memory twice: +310 MiB for GPT-2-small's 163 MB q8 file and some 8 GiB for a 4 GB model,
 * at its peak just after the load. During the load those streams are empty ones;
 * every other file, and every read outside the model folder, goes to the real `createReadStream`.
 */
export async function withoutGraphFileStreams<T>(folder: string, load: () => Promise<T>): Promise<T> {
  const real = fs.createReadStream;
  const inside = path.resolve(folder) + path.sep;
  const patched = ((file: fs.PathLike, options?: unknown) => {
    const at = typeof file === 'string' ? path.resolve(file) : undefined;
    if (at !== undefined && at.startsWith(inside) && GRAPH_FILE.test(at)) return Readable.from([]);
    return (real as (f: fs.PathLike, o?: unknown) => fs.ReadStream)(file, options);
  }) as typeof fs.createReadStream;
  fs.createReadStream = patched;
  try {
    return await load();
  } finally {
    // Only ours to undo: something else may have wrapped it since.
    if (fs.createReadStream === patched) fs.createReadStream = real;
  }
}

export async function resolveModel(modelsDir: string, name: string, scan?: ScanOptions): Promise<ModelInfo> {
  return findModel(modelsDir, name, scan);
}

/** Folds transformers.js' per-file progress events into one 0..1 fraction that never goes back. */
export function progressReporter(onProgress?: (p: LoadProgress) => void): (info: ProgressInfo) => void {
  const files = new Map<string, { loaded: number; total: number }>();
  let last = 0;
  return (info) => {
    if (!onProgress) return;
    const event = info as { status: string; file?: string; loaded?: number; total?: number };
    if (event.status === 'ready') {
      last = 1;
      onProgress({ fraction: 1 });
      return;
    }
    if (!event.file || event.total === undefined || event.loaded === undefined) return;
    files.set(event.file, { loaded: event.loaded, total: event.total });
    let loaded = 0;
    let total = 0;
    for (const f of files.values()) {
      loaded += f.loaded;
      total += f.total;
    }
    // Loading is not done until the sessions are built, so file bytes count for 95 %.
    const fraction = total > 0 ? Math.min(0.95, (loaded / total) * 0.95) : 0;
    if (fraction > last) {
      last = fraction;
      onProgress({ fraction, file: event.file, loadedBytes: loaded, totalBytes: total });
    }
  };
}
