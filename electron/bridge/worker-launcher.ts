import type { IdlePolicySettings } from '../../shared/worker/stats';
import { loadAlchemyEngine, loadTextEngine } from '../worker/engines/node';
import type { AlchemyEngine, TextEngine } from '../worker/engines/types';
import { planModelLoads } from '../worker/models/memory-budget';
import { scanModels, type ModelInfo } from '../worker/models/scan';
import { readContextLimit } from '../worker/model-context';
import { HordeWorker, type JobDone } from '../worker/worker';
import type { ModelCatalog } from './model-catalog';
import type { Logger } from './ports';
import type { WorkerSlot } from './worker-slot';

export interface LaunchWorkerOptions {
  hordeUrl: string;
  apiKey: string;
  name: string;
  modelsDir: string;
  /** Which text model to serve; the first one found when absent. */
  textModel?: string;
  threads: number;
  /** Settings' memory cap in MB; 0 = none. Models that would go over it are not loaded. */
  memoryMb?: number;
  policy: IdlePolicySettings;
  catalog: ModelCatalog;
  slot: WorkerSlot;
  onJobDone: (job: JobDone) => void;
  /** Checked between slow steps: shutting down while models load must not start a worker. */
  cancelled: () => boolean;
  log: Logger;
}

/** The models folder as the catalog shows it. */
export async function scanForCatalog(modelsDir: string) {
  const models = await scanModels(modelsDir);
  return models.map((m) => ({ name: m.name, kind: m.kind, path: m.path, sizeBytes: m.sizeBytes }));
}

/**
 * Loads the engines for what the models folder holds and starts the worker
 * behind `slot`. Used by serve mode and by the Electron main process. A model
 * that fails to load is shown as failed; the worker runs with what loaded.
 */
export interface LaunchedWorker {
  worker: HordeWorker;
  /** Stops the worker (it finishes or reports its job), then frees the engines' memory. */
  stop(): Promise<void>;
}

export async function launchWorker(o: LaunchWorkerOptions): Promise<LaunchedWorker | null> {
  let models: ModelInfo[];
  try {
    models = await scanModels(o.modelsDir);
  } catch (e) {
    o.slot.setReason('no_model', `Cannot read the models folder ${o.modelsDir}`, errorText(e));
    return null;
  }
  const threads = o.threads > 0 ? o.threads : undefined;
  const plan = planModelLoads(models, o.memoryMb ?? 0);
  for (const { model, reason } of plan.skipped) o.catalog.failed(model.name, reason);
  models = plan.load;
  const textInfo = models.find(
    (m) => m.kind === 'text' && (o.textModel === undefined || m.name === o.textModel),
  );
  const alchemyInfos = models.filter((m) => m.kind === 'alchemy');

  let textEngine: TextEngine | undefined;
  if (textInfo) {
    o.catalog.loading(textInfo.name, 0);
    const started = performance.now();
    try {
      textEngine = await loadTextEngine({
        modelsDir: o.modelsDir,
        modelName: textInfo.name,
        ...(threads ? { threads } : {}),
        onProgress: (p) => o.catalog.loading(textInfo.name, p.fraction),
      });
      o.catalog.ready(textInfo.name, (performance.now() - started) / 1000);
    } catch (e) {
      o.catalog.failed(textInfo.name, errorText(e));
      o.log.warn(`text model ${textInfo.name} failed to load`, e);
    }
  } else if (o.textModel !== undefined) {
    o.log.warn(`text model ${o.textModel} is not in ${o.modelsDir}`);
  }
  if (o.cancelled()) {
    await textEngine?.dispose();
    return null;
  }

  let alchemyEngine: AlchemyEngine | undefined;
  if (alchemyInfos.length > 0) {
    for (const m of alchemyInfos) o.catalog.loading(m.name, 0);
    const started = performance.now();
    try {
      alchemyEngine = await loadAlchemyEngine({
        modelsDir: o.modelsDir,
        models: alchemyInfos.map((m) => m.name),
        ...(threads ? { threads } : {}),
      });
      const seconds = (performance.now() - started) / 1000;
      for (const m of alchemyInfos) o.catalog.ready(m.name, seconds);
    } catch (e) {
      for (const m of alchemyInfos) o.catalog.failed(m.name, errorText(e));
      o.log.warn('alchemy models failed to load', e);
    }
  }
  if (o.cancelled()) {
    await Promise.all([textEngine?.dispose(), alchemyEngine?.dispose()]);
    return null;
  }

  const upscale = alchemyInfos.find((m) => m.forms.includes('upscale'));
  // A small model must not advertise a context it cannot hold (tiny-gpt2 has 256 positions).
  const modelContextLimit = textInfo ? await readContextLimit(textInfo.path) : undefined;
  const worker = new HordeWorker({
    hordeUrl: o.hordeUrl,
    apiKey: o.apiKey,
    name: o.name,
    policy: o.policy,
    ...(modelContextLimit !== undefined ? { modelContextLimit } : {}),
    ...(textEngine ? { textEngine } : {}),
    ...(alchemyEngine ? { alchemyEngine } : {}),
    ...(upscale
      ? { upscalerNames: [/x4/i.test(upscale.name) ? 'RealESRGAN_x4plus' : 'RealESRGAN_x2plus'] }
      : {}),
  });
  worker.onJobDone(o.onJobDone);
  o.slot.attach(worker);
  worker.start();
  return {
    worker,
    async stop() {
      await worker.stop();
      await Promise.all([textEngine?.dispose(), alchemyEngine?.dispose()]);
    },
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
