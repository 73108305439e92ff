import type { IdlePolicySettings } from '../../shared/worker/stats';
import { loadAlchemyEngine, loadTextEngine } from '../worker/engines/node';
import type { AlchemyEngine, LoadProgress, TextEngine } from '../worker/engines/types';
import { planModelLoads } from '../worker/models/memory-budget';
import { scanModels, type ModelInfo } from '../worker/models/scan';
import { readContextLimit } from '../worker/model-context';
import { HordeWorker, type JobDone } from '../worker/worker';
import type { ModelCatalog } from './model-catalog';
import type { Logger } from './ports';
import type { WorkerSlot } from './worker-slot';

/** Loads a text model; the desktop app passes one that tries the WebGPU window first. */
export type TextLoader = (
  model: ModelInfo,
  onProgress: (p: LoadProgress) => void,
) => Promise<{ engine: TextEngine; close?: () => Promise<void> }>;

export interface LoadEnginesOptions {
  modelsDir: string;
  /** Which text model to serve; the first one found when absent. */
  textModel?: string;
  threads: number;
  /** Settings' memory cap in MB; 0 = none. Models that would go over it are not loaded. */
  memoryMb?: number;
  catalog: ModelCatalog;
  log: Logger;
  /** ONNX Runtime in Node when absent. */
  loadText?: TextLoader;
  /** Checked between slow steps: shutting down while models load must not load more. */
  cancelled?: () => boolean;
}

/** What the worker is built with; `dispose` frees the engines' memory. */
export interface LoadedEngines {
  text?: TextEngine;
  alchemy?: AlchemyEngine;
  upscalerNames?: string[];
  /** The text model's context window, so the worker never advertises more than it holds. */
  modelContextLimit?: number;
  dispose(): Promise<void>;
}

export interface LaunchWorkerOptions extends Omit<LoadEnginesOptions, 'cancelled'> {
  hordeUrl: string;
  apiKey: string;
  name: string;
  policy: IdlePolicySettings;
  slot: WorkerSlot;
  onJobDone: (job: JobDone) => void;
  cancelled: () => boolean;
}

/** The models folder as the catalog shows it. */
export async function scanForCatalog(modelsDir: string) {
  const models = await scanModels(modelsDir);
  return models.map((m) => ({ name: m.name, kind: m.kind, path: m.path, sizeBytes: m.sizeBytes }));
}

/**
 * Loads the engines for what the models folder holds, within the memory cap, and
 * reports each model's progress, load time or failure to the catalog (the Earn
 * screen). A model that fails to load is shown as failed; the rest still load.
 * Used by serve mode and by the desktop app.
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

  if (textInfo) {
    o.catalog.loading(textInfo.name, 0);
    const started = performance.now();
    const onProgress = (p: LoadProgress) => o.catalog.loading(textInfo.name, p.fraction);
    const loadText: TextLoader =
      o.loadText ??
      (async (model) => ({
        engine: await loadTextEngine({
          modelsDir: o.modelsDir,
          modelName: model.name,
          ...threads,
          onProgress,
        }),
      }));
    try {
      const loaded = await loadText(textInfo, onProgress);
      const engine = loaded.engine;
      out.text = engine;
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
  const upscale = alchemyInfos.find((m) => m.forms.includes('upscale'));
  if (upscale) out.upscalerNames = [/x4/i.test(upscale.name) ? 'RealESRGAN_x4plus' : 'RealESRGAN_x2plus'];
  return out;
}

/** The worker options that come from the loaded engines. */
export function engineOptions(e: LoadedEngines) {
  return {
    ...(e.text ? { textEngine: e.text } : {}),
    ...(e.alchemy ? { alchemyEngine: e.alchemy } : {}),
    ...(e.upscalerNames ? { upscalerNames: e.upscalerNames } : {}),
    ...(e.modelContextLimit !== undefined ? { modelContextLimit: e.modelContextLimit } : {}),
  };
}

export interface LaunchedWorker {
  worker: HordeWorker;
  /** Stops the worker (it finishes or reports its job), then frees the engines' memory. */
  stop(): Promise<void>;
}

/** Loads the engines and starts the worker behind `slot` (serve mode). */
export async function launchWorker(o: LaunchWorkerOptions): Promise<LaunchedWorker | null> {
  let engines: LoadedEngines;
  try {
    engines = await loadEngines(o);
  } catch (e) {
    o.slot.setReason('no_model', `Cannot read the models folder ${o.modelsDir}`, errorText(e));
    return null;
  }
  if (o.cancelled()) {
    await engines.dispose();
    return null;
  }
  const worker = new HordeWorker({
    hordeUrl: o.hordeUrl,
    apiKey: o.apiKey,
    name: o.name,
    policy: o.policy,
    ...engineOptions(engines),
  });
  worker.onJobDone(o.onJobDone);
  o.slot.attach(worker);
  worker.start();
  return {
    worker,
    async stop() {
      await worker.stop();
      await engines.dispose();
    },
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
