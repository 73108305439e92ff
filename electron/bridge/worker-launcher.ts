import type { DtypeChoice } from '../../shared/worker/dtype';
import { UPSCALE_FORMS, type UpscalerName } from '../../shared/api/interrogate';
import { loadAlchemyEngine, loadTextEngine } from '../worker/engines/node';
import type { AlchemyEngine, LoadProgress, TextEngine } from '../worker/engines/types';
import { planModelLoads } from '../worker/models/memory-budget';
import { NodeImageEngine, type ImageEngine } from '../worker/sd/image-engine';
import { loadNodeSdModel, type LoadedSdModel } from '../worker/sd/node-model';
import { scanModels, type ModelInfo } from '../worker/models/scan';
import { readContextLimit } from '../worker/model-context';
import type { ModelCatalog } from './model-catalog';
import type { Logger } from './ports';

/**
 * Loads a text model; the desktop app passes one that tries the WebGPU window first. null: not
 * here, load it with ONNX Runtime in Node.
 */
export type TextLoader = (
  model: ModelInfo,
  onProgress: (p: LoadProgress) => void,
) => Promise<{ engine: TextEngine; close?: () => Promise<void> } | null>;

/** An SD folder and the horde name it is served under. */
export interface NamedImageModel {
  info: ModelInfo;
  name: string;
}

/**
 * Loads the SD folders in one engine elsewhere (the desktop app's WebGPU window). null: not
 * here, load them with ONNX Runtime in Node.
 */
export type ImageLoader = (
  models: NamedImageModel[],
) => Promise<{ engine: ImageEngine; close?: () => Promise<void> } | null>;

export interface LoadEnginesOptions {
  modelsDir: string;
  /** Which text model to serve; the first one found when absent. */
  textModel?: string;
  threads: number;
  /** Settings' memory cap in MB; 0 = none. Models that would go over it are not loaded. */
  memoryMb?: number;
  /** The text dtype setting (Settings.textDtype). */
  textDtype?: DtypeChoice;
  catalog: ModelCatalog;
  log: Logger;
  /** ONNX Runtime in Node when absent. */
  loadText?: TextLoader;
  /** Tried before ONNX Runtime in Node for the image models. */
  loadImage?: ImageLoader;
  /** Checked between slow steps: shutting down while models load must not load more. */
  cancelled?: () => boolean;
  /**
   * The names a model may go out under on the horde (electron/worker/models/library.ts):
   * a reference name only for catalog models or folders the user confirmed. Without it a
   * text model goes out under its own name and an upscaler under none.
   */
  names?: (model: ModelInfo) => Promise<string[]>;
}

/** What the worker is built with; `dispose` frees the engines' memory. */
export interface LoadedEngines {
  text?: TextEngine;
  alchemy?: AlchemyEngine;
  image?: ImageEngine;
  upscalerNames?: UpscalerName[];
  /** The text model's context window, so the worker never advertises more than it holds. */
  modelContextLimit?: number;
  dispose(): Promise<void>;
}

export const IMAGE_NEEDS_NSFW =
  'Image models need an nsfw model beside them, to censor images for requests that forbid NSFW: add the ViT NSFW detector from the catalog.';

/** The models folder as the catalog shows it. */
export async function scanForCatalog(modelsDir: string) {
  const models = await scanModels(modelsDir);
  return models.map((m) => ({
    name: m.name,
    kind: m.kind,
    path: m.path,
    sizeBytes: m.sizeBytes,
    // What the Settings screen's precision choice can pick from.
    ...(m.kind === 'text' && m.dtypes ? { dtypes: m.dtypes } : {}),
  }));
}

/**
 * Loads the engines for what the models folder holds, within the memory cap, and
 * reports each model's progress, load time or failure to the catalog (the Earn
 * screen). A model that fails to load is shown as failed; the rest still load.
 * Used by the composition root (electron/compose.ts) for both shells.
 */
export async function loadEngines(o: LoadEnginesOptions): Promise<LoadedEngines> {
  const closers: (() => Promise<void>)[] = [];
  const out: LoadedEngines = {
    async dispose() {
      await Promise.all(closers.splice(0).map((close) => close()));
    },
  };
  const plan = planModelLoads(await scanModels(o.modelsDir), o.memoryMb ?? 0);
  for (const { model, reason } of plan.skipped) o.catalog.failed(model.name, reason);
  const threads = o.threads > 0 ? { threads: o.threads } : {};
  const textInfo = plan.load.find(
    (m) => m.kind === 'text' && (o.textModel === undefined || m.name === o.textModel),
  );
  const alchemyInfos = plan.load.filter((m) => m.kind === 'alchemy');
  const imageInfos = plan.load.filter((m) => m.kind === 'image');

  if (textInfo) {
    o.catalog.loading(textInfo.name, 0);
    const started = performance.now();
    const onProgress = (p: LoadProgress) =>
      o.catalog.loading(textInfo.name, p.fraction, { loaded: p.loadedBytes, total: p.totalBytes });
    try {
      const loaded = (await o.loadText?.(textInfo, onProgress)) ?? {
        engine: await loadTextEngine({
          modelsDir: o.modelsDir,
          modelName: textInfo.name,
          ...threads,
          ...(o.textDtype ? { dtype: o.textDtype } : {}),
          onProgress,
        }),
      };
      const engine = loaded.engine;
      const advertised = (await o.names?.(textInfo))?.[0] ?? textInfo.name;
      out.text = advertised === engine.modelName ? engine : renamed(engine, advertised);
      closers.push(async () => {
        await engine.dispose();
        await loaded.close?.();
      });
      o.catalog.ready(textInfo.name, (performance.now() - started) / 1000);
      const limit = await readContextLimit(textInfo.path);
      if (limit !== undefined) out.modelContextLimit = limit;
    } catch (e) {
      o.catalog.failed(textInfo.name, errorText(e));
      o.log.warn(`text model ${textInfo.name} failed to load`, e);
    }
  } else if (o.textModel !== undefined) {
    o.log.warn(`text model ${o.textModel} is not in ${o.modelsDir}`);
  }
  if (o.cancelled?.()) return out;

  if (alchemyInfos.length > 0) {
    for (const m of alchemyInfos) o.catalog.loading(m.name, 0);
    const started = performance.now();
    try {
      const engine = await loadAlchemyEngine({
        modelsDir: o.modelsDir,
        models: alchemyInfos.map((m) => m.name),
        ...threads,
        // One fraction over all the alchemy models' files, which load together.
        onProgress: (p: LoadProgress) => {
          for (const m of alchemyInfos) o.catalog.loading(m.name, p.fraction);
        },
      });
      out.alchemy = engine;
      closers.push(() => engine.dispose());
      const seconds = (performance.now() - started) / 1000;
      for (const m of alchemyInfos) o.catalog.ready(m.name, seconds);
    } catch (e) {
      for (const m of alchemyInfos) o.catalog.failed(m.name, errorText(e));
      o.log.warn('alchemy models failed to load', e);
    }
  }
  // An upscaler is asked for by the model's name: only a name the library vouches for (never a guess from the folder name).
  const upscale = alchemyInfos.find((m) => m.forms.includes('upscale'));
  const upscalers = upscale && o.names ? (await o.names(upscale)).filter((n) => isUpscalerName(n)) : [];
  if (upscalers.length > 0) out.upscalerNames = upscalers;
  if (o.cancelled?.()) return out;

  if (imageInfos.length > 0 && !out.alchemy?.forms.includes('nsfw')) {
    // The window's requests (and most on any horde) forbid NSFW and ask the worker to censor what
    // fails the check; without an nsfw model every one of them would fault and put the worker in
    // maintenance.
    for (const m of imageInfos) o.catalog.failed(m.name, IMAGE_NEEDS_NSFW);
  } else if (imageInfos.length > 0) {
    const image = await loadImageModels(o, imageInfos, threads);
    if (image) {
      out.image = image.engine;
      closers.push(image.close);
    }
  }
  return out;
}

/**
 * The SD folders as one image engine. Each goes out under the name the library vouches for
 * (a catalog or confirmed reference name, else its own). A folder that fails to load is shown
 * as failed and the others still load.
 */
async function loadImageModels(
  o: LoadEnginesOptions,
  infos: ModelInfo[],
  threads: { threads?: number },
): Promise<{ engine: ImageEngine; close: () => Promise<void> } | null> {
  const named: NamedImageModel[] = [];
  const taken = new Set<string>();
  for (const info of infos) {
    const name = (await o.names?.(info))?.[0] ?? info.name;
    // Two folders under one horde name would be one model to the horde: the first one serves it.
    if (taken.has(name)) {
      o.catalog.failed(info.name, `Another folder already serves ${name}.`);
      continue;
    }
    taken.add(name);
    named.push({ info, name });
  }
  for (const { info } of named) o.catalog.loading(info.name, 0);
  if (o.loadImage && named.length > 0 && !o.cancelled?.()) {
    const t0 = performance.now();
    const elsewhere = await o.loadImage(named).catch((e: unknown) => {
      o.log.warn('the image engine window failed; loading the image models on ONNX Runtime in Node', e);
      return null;
    });
    if (elsewhere) {
      const seconds = (performance.now() - t0) / 1000;
      for (const { info } of named) o.catalog.ready(info.name, seconds);
      return {
        engine: elsewhere.engine,
        close: async () => {
          await elsewhere.engine.dispose();
          await elsewhere.close?.();
        },
      };
    }
  }
  const loaded = new Map<string, LoadedSdModel>();
  for (const { info, name } of named) {
    if (o.cancelled?.()) break;
    const t0 = performance.now();
    try {
      loaded.set(name, await loadNodeSdModel(info.path, threads));
      o.catalog.ready(info.name, (performance.now() - t0) / 1000);
    } catch (e) {
      o.catalog.failed(info.name, errorText(e));
      o.log.warn(`image model ${info.name} failed to load`, e);
    }
  }
  if (loaded.size === 0) return null;
  const engine = new NodeImageEngine(loaded);
  return { engine, close: () => engine.dispose() };
}

/** The worker options that come from the loaded engines. */
export function engineOptions(e: LoadedEngines) {
  return {
    ...(e.text ? { textEngine: e.text } : {}),
    ...(e.alchemy ? { alchemyEngine: e.alchemy } : {}),
    ...(e.image ? { imageEngine: e.image } : {}),
    ...(e.upscalerNames ? { upscalerNames: e.upscalerNames } : {}),
    ...(e.modelContextLimit !== undefined ? { modelContextLimit: e.modelContextLimit } : {}),
  };
}

/** The same engine under the name the horde should know it by. */
function renamed(engine: TextEngine, modelName: string): TextEngine {
  return {
    backend: engine.backend,
    modelName,
    generate: (params, options) => engine.generate(params, options),
    dispose: () => engine.dispose(),
  };
}

function isUpscalerName(name: string): name is UpscalerName {
  return (UPSCALE_FORMS as readonly string[]).includes(name);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
