/**
 * Finds the models the worker could serve: plain folders under the user's models
 * folder (`<dir>/<name>/` or `<dir>/<org>/<name>/`, each with config.json and
 * onnx/, or a Stable Diffusion ONNX export: see sd-layout.ts) and the Hugging Face hub cache layout (`models--org--name/snapshots/<rev>/`),
 * which is only read, never written.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AlchemyForm } from '../engines/types';
import { readSdLayout } from './sd-layout';
import { classifyModel, type Classification, type ModelConfigLike, type ModelKind } from './classify';
import { availableDtypes, type OnnxDtype } from '../../../shared/worker/dtype';

export interface ModelInfo {
  /** The name the loaders take: `tiny-gpt2`, `org/name`. */
  name: string;
  /** Absolute folder holding config.json and onnx/. */
  path: string;
  kind: ModelKind;
  /** Alchemy forms served; empty for text models. */
  forms: AlchemyForm[];
  task: Classification['task'];
  modelType: string;
  sizeBytes: number;
  source: 'folder' | 'hf-cache';
  /** The precisions every ONNX graph of the folder ships in (hub file names: model_quantized.onnx is q8…); none for SD folders. */
  dtypes?: OnnxDtype[];
}

export interface ScanOptions {
  /** Also read this Hugging Face hub cache (see defaultHfCacheDir). */
  hfCacheDir?: string;
}

export async function scanModels(modelsDir: string, options: ScanOptions = {}): Promise<ModelInfo[]> {
  const found = [...(await scanFolder(modelsDir)), ...(await scanHfCache(modelsDir))];
  if (options.hfCacheDir && path.resolve(options.hfCacheDir) !== path.resolve(modelsDir)) {
    found.push(...(await scanHfCache(options.hfCacheDir)));
  }
  const byName = new Map<string, ModelInfo>();
  for (const model of found) if (!byName.has(model.name)) byName.set(model.name, model);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * One model by name, as scanModels would find it, reading only the folders that name can be in
 * (the models folder's, then the hub caches'), in scanModels' order. A load used to scan the whole
 * library for it: 20–44 ms of a 0.5 s q4 load with three models in the folder, and more with each
 * model a volunteer adds.
 */
export async function findModel(
  modelsDir: string,
  name: string,
  options: ScanOptions = {},
): Promise<ModelInfo> {
  const otherCache =
    options.hfCacheDir && path.resolve(options.hfCacheDir) !== path.resolve(modelsDir)
      ? options.hfCacheDir
      : undefined;
  const model =
    (await folderModel(modelsDir, name)) ??
    (await hfCacheModel(modelsDir, name)) ??
    (otherCache ? await hfCacheModel(otherCache, name) : null);
  if (!model) throw new Error(`model "${name}" not found in ${modelsDir}`);
  return model;
}

/** `name` (`name` or `org/name`) as scanFolder would list it from `root`, or null. */
async function folderModel(root: string, name: string): Promise<ModelInfo | null> {
  const parts = name.split('/');
  const [top, sub] = parts;
  if (parts.length > 2 || !top || parts.some((p) => p === '' || p === '.' || p === '..')) return null;
  if (top.startsWith('.') || top.startsWith('models--') || !(await isDir(path.join(root, top)))) return null;
  if (sub === undefined) return readModel(path.join(root, top), name, 'folder');
  // A folder that is a model itself is not looked into (scanFolder lists it, not what it holds).
  if (await readModel(path.join(root, top), top, 'folder')) return null;
  const folder = path.join(root, top, sub);
  return (await isDir(folder)) ? readModel(folder, name, 'folder') : null;
}

/** `name` as scanHfCache would list it from the cache at `root`, or null. */
async function hfCacheModel(root: string, name: string): Promise<ModelInfo | null> {
  if (name.split('/').some((p) => p === '' || p === '.' || p === '..')) return null;
  const repo = path.join(root, `models--${name.split('/').join('--')}`);
  if (!(await isDir(repo))) return null;
  const snapshot = await currentSnapshot(repo);
  return snapshot ? readModel(snapshot, name, 'hf-cache') : null;
}

async function isDir(folder: string): Promise<boolean> {
  return (await stat(folder).catch(() => null))?.isDirectory() ?? false;
}

export function defaultHfCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  const home =
    env.HF_HOME ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'huggingface');
  return path.join(home, 'hub');
}

async function scanFolder(root: string): Promise<ModelInfo[]> {
  const out: ModelInfo[] = [];
  for (const entry of await dirs(root)) {
    if (entry.startsWith('.') || entry.startsWith('models--')) continue;
    const folder = path.join(root, entry);
    const model = await readModel(folder, entry, 'folder');
    if (model) {
      out.push(model);
      continue;
    }
    for (const sub of await dirs(folder)) {
      const nested = await readModel(path.join(folder, sub), `${entry}/${sub}`, 'folder');
      if (nested) out.push(nested);
    }
  }
  return out;
}

async function scanHfCache(root: string): Promise<ModelInfo[]> {
  const out: ModelInfo[] = [];
  for (const entry of await dirs(root)) {
    if (!entry.startsWith('models--')) continue;
    const snapshot = await currentSnapshot(path.join(root, entry));
    const name = entry.slice('models--'.length).split('--').join('/');
    const model = snapshot && (await readModel(snapshot, name, 'hf-cache'));
    if (model) out.push(model);
  }
  return out;
}

/** The revision `refs/main` points at, else the newest snapshot. */
async function currentSnapshot(repoDir: string): Promise<string | null> {
  const snapshots = path.join(repoDir, 'snapshots');
  const revs = await dirs(snapshots);
  const main = await readFile(path.join(repoDir, 'refs', 'main'), 'utf8').then(
    (s) => s.trim(),
    () => null,
  );
  if (main && revs.includes(main)) return path.join(snapshots, main);
  let newest: { rev: string; mtime: number } | null = null;
  for (const rev of revs) {
    const { mtimeMs } = await stat(path.join(snapshots, rev));
    if (!newest || mtimeMs > newest.mtime) newest = { rev, mtime: mtimeMs };
  }
  return newest ? path.join(snapshots, newest.rev) : null;
}

async function readModel(
  folder: string,
  name: string,
  source: ModelInfo['source'],
): Promise<ModelInfo | null> {
  const sd = await readSdLayout(folder);
  // An SD folder that lacks a part is not listed: the pipeline could not load it.
  if (sd.looksLikeSd) return sd.missing.length === 0 ? sdModel(folder, name, source) : null;
  let config: ModelConfigLike;
  try {
    config = JSON.parse(await readFile(path.join(folder, 'config.json'), 'utf8')) as ModelConfigLike;
  } catch {
    return null;
  }
  const onnxFiles = (await files(path.join(folder, 'onnx'))).filter((f) => f.endsWith('.onnx'));
  if (onnxFiles.length === 0) return null;
  const classification = classifyModel(config, name);
  if (!classification) return null;
  return {
    name,
    path: folder,
    kind: classification.kind,
    forms: classification.forms,
    task: classification.task,
    modelType: config.model_type ?? 'unknown',
    sizeBytes: await sizeOnDisk(folder),
    source,
    dtypes: availableDtypes(onnxFiles),
  };
}

async function sdModel(folder: string, name: string, source: ModelInfo['source']): Promise<ModelInfo> {
  const index = await readFile(path.join(folder, 'model_index.json'), 'utf8').then(
    (text) => (JSON.parse(text) as { _class_name?: unknown })._class_name,
    () => undefined,
  );
  return {
    name,
    path: folder,
    kind: 'image',
    forms: [],
    task: 'text-to-image',
    modelType: typeof index === 'string' ? index : 'stable-diffusion-onnx',
    sizeBytes: await sizeOnDisk(folder),
    source,
  };
}

/** Bytes of all files below `folder`, following the hub cache's symlinks to blobs. */
async function sizeOnDisk(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(folder, entry.name);
    const info = await stat(full).catch(() => null);
    if (!info) continue;
    total += info.isDirectory() ? await sizeOnDisk(full) : info.size;
  }
  return total;
}

async function dirs(folder: string): Promise<string[]> {
  return entries(folder, true);
}

async function files(folder: string): Promise<string[]> {
  return entries(folder, false);
}

async function entries(folder: string, wantDirs: boolean): Promise<string[]> {
  const list = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of list) {
    const isDir =
      entry.isDirectory() ||
      (entry.isSymbolicLink() &&
        (await stat(path.join(folder, entry.name)).catch(() => null))?.isDirectory());
    if (Boolean(isDir) === wantDirs) out.push(entry.name);
  }
  return out.sort();
}
