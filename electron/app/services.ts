/**
 * Everything behind the window, assembled once per run: settings, keys, the horde (embedded,
 * public or custom), the bridge handlers and the worker with its engines. No 'electron' import:
 * it runs in the services utility process (or in main), and in Node tests.
 *
 * It uses serve mode's pieces (BridgeBackend, WorkerSlot, ModelCatalog) the way electron/serve.ts
 * does; the horde choice, the owner account and the worker launch repeat serve.ts's steps, with
 * the WebGPU window added. One composition function for both would remove the repetition.
 */
import os from 'node:os';
import path from 'node:path';
import { ANONYMOUS_API_KEY } from '../../shared/api/common';
import type { BridgeHandlers, EventMessage, Settings } from '../../shared/bridge/contract';
import { DESKTOP_IDLE_POLICY, type IdleSignals } from '../../shared/worker/stats';
import { BridgeBackend } from '../bridge/backend';
import { workerPolicy } from '../bridge/handlers';
import { ModelCatalog } from '../bridge/model-catalog';
import { engineOptions, loadEngines, scanForCatalog, type LoadedEngines } from '../bridge/worker-launcher';
import { WorkerSlot } from '../bridge/worker-slot';
import type { SecretStore } from '../bridge/secret-store';
import { startHorde, type Horde } from '../horde/index';
import { BrowserTextEngine } from '../worker/engines/browser/engine';
import type { BrowserHost } from '../worker/engines/browser/protocol';
import { startAssetServer, type AssetServer } from '../worker/engines/browser/asset-server';
import { decodeImage, encodePng } from '../worker/engines/images';
import { loadTextEngine } from '../worker/engines/node';
import type { LoadProgress, TextEngine } from '../worker/engines/types';
import type { ModelInfo } from '../worker/models/scan';
import { HordeWorker } from '../worker/worker';
import type { ShutdownReport } from './lifecycle';

export const PUBLIC_HORDE_URL = 'https://aihorde.net/api';

export interface ServiceLog {
  info(message: string): void;
  warn(message: string, err?: unknown): void;
}

/** A hidden browser window the worker may run transformers.js on WebGPU in (see inference-window.ts). */
export interface InferenceHost extends BrowserHost {
  open(url: string): Promise<void>;
  close(): Promise<void>;
}

export interface ServicesOptions {
  dataDir: string;
  version: string;
  secrets: SecretStore;
  log: ServiceLog;
  /** Where WebGPU inference can run; absent, the worker uses ONNX Runtime in Node only. */
  inferenceHost?: InferenceHost;
  /** The prebuilt engine page script (dist/electron/engine-page.js) for the WebGPU window. */
  enginePageScript?: string;
}

export interface AppServices {
  handlers: BridgeHandlers;
  subscribe(listener: (message: EventMessage) => void): () => void;
  setSignals(signals: Partial<IdleSignals>): void;
  reconnect(): void;
  /** Stops the worker (finishing or reporting its job), then closes the horde and its database. */
  shutdown(): Promise<ShutdownReport>;
}

export function defaultSettings(dataDir: string): Settings {
  return {
    horde: { mode: 'embedded' },
    workerName: `${os.hostname()} (Horde Desktop)`.slice(0, 100),
    modelsDir: path.join(dataDir, 'models'),
    threads: 0,
    memoryMb: 0,
    lanSharing: false,
    idle: DESKTOP_IDLE_POLICY,
    theme: 'system',
  };
}

function ownerName(): string {
  let name = 'owner';
  try {
    name = os.userInfo().username;
  } catch {
    // No passwd entry (containers): keep the default.
  }
  return name.replace(/[^\w.-]/g, '').slice(0, 50) || 'owner';
}

async function hordeFor(settings: Settings, dataDir: string): Promise<{ url: string; embedded?: Horde }> {
  switch (settings.horde.mode) {
    case 'public':
      return { url: PUBLIC_HORDE_URL };
    case 'custom':
      return { url: settings.horde.url };
    case 'embedded': {
      const embedded = await startHorde({
        dbPath: path.join(dataDir, 'horde.sqlite'),
        port: 0,
        lan: settings.lanSharing,
      });
      return { url: embedded.url, embedded };
    }
  }
}

/**
 * WebGPU in the hidden window when the GPU offers it; ONNX Runtime in Node otherwise
 * (faster than WASM, so a WASM-only browser is not used).
 */
async function loadText(
  model: ModelInfo,
  onProgress: (p: LoadProgress) => void,
  settings: Settings,
  options: ServicesOptions,
): Promise<{ engine: TextEngine; assets?: AssetServer }> {
  if (options.inferenceHost && options.enginePageScript) {
    let assets: AssetServer | undefined;
    try {
      assets = await startAssetServer({
        modelsDir: settings.modelsDir,
        pageScript: options.enginePageScript,
        crossOriginIsolated: true,
      });
      await options.inferenceHost.open(assets.pageUrl);
      const engine = await BrowserTextEngine.load({
        host: options.inferenceHost,
        modelName: model.name,
        device: 'auto',
        onProgress,
      });
      // A fallback adapter (SwiftShader) is a CPU emulation, ~100x slower than ONNX Runtime in Node.
      if (engine.backend === 'webgpu' && !engine.adapterIsFallback) {
        options.log.info(`text model ${model.name} on WebGPU (${engine.adapter ?? 'unknown adapter'})`);
        return { engine, assets };
      }
      options.log.info(`no WebGPU (${engine.fallbackReason ?? 'no adapter'}): using ONNX Runtime in Node`);
      await engine.dispose();
    } catch (err) {
      options.log.warn('WebGPU engine unavailable, using ONNX Runtime in Node', err);
    }
    await assets?.close();
    await options.inferenceHost.close();
  }
  const engine = await loadTextEngine({
    modelsDir: settings.modelsDir,
    modelName: model.name,
    ...(settings.threads > 0 ? { threads: settings.threads } : {}),
    onProgress,
  });
  return { engine };
}

export async function startAppServices(options: ServicesOptions): Promise<AppServices> {
  const { dataDir, log } = options;
  const defaults = defaultSettings(dataDir);
  // The models folder the settings name, read at each scan (the user may change it).
  const catalog: ModelCatalog = new ModelCatalog(() => scanForCatalog(backend.settings.get().modelsDir));
  const backend: BridgeBackend = new BridgeBackend({
    dataDir,
    version: options.version,
    shell: 'electron',
    settingsDefaults: defaults,
    secrets: options.secrets,
    models: catalog,
    log,
  });
  await backend.load();
  const settings = backend.settings.get();
  const horde = await hordeFor(settings, dataDir);
  log.info(`horde: ${settings.horde.mode} at ${horde.url}`);
  if (horde.embedded) {
    const owner = horde.embedded.admin.ensureOwner(ownerName(), backend.credentials.storedOwnerKey);
    await backend.credentials.setOwnerKey(owner.apikey);
  }

  // The window is usable at once; the worker joins the slot when its models have loaded.
  const slot = new WorkerSlot();
  backend.start({ horde: { mode: settings.horde.mode, url: horde.url }, worker: slot });

  let stopping = false;
  let worker: HordeWorker | undefined;
  let engines: LoadedEngines | undefined;
  let signals: Partial<IdleSignals> = {};
  const anonymousElsewhere = !horde.embedded && backend.credentials.current() === ANONYMOUS_API_KEY;
  if (anonymousElsewhere) {
    // The AI Horde refuses anonymous workers: say what to do rather than fail in a loop.
    slot.setReason('stopped', 'Set your API key in Settings (then restart) to earn kudos on this horde');
  }
  const launching = anonymousElsewhere
    ? Promise.resolve()
    : loadEngines({
        modelsDir: settings.modelsDir,
        threads: settings.threads,
        memoryMb: settings.memoryMb,
        catalog,
        log,
        cancelled: () => stopping,
        loadText: async (model, onProgress) => {
          const { engine, assets } = await loadText(model, onProgress, settings, options);
          return { engine, ...(assets ? { close: () => assets.close() } : {}) };
        },
      })
        .then(async (loaded) => {
          engines = loaded;
          if (stopping) return;
          worker = new HordeWorker({
            hordeUrl: horde.url,
            apiKey: backend.credentials.current(),
            name: settings.workerName,
            policy: workerPolicy(settings),
            images: { decodeImage, encodePng },
            ...engineOptions(loaded),
          });
          worker.onJobDone((job) => {
            if (job.state !== 'ok') return;
            void backend
              .recordEarned({ id: job.id, reward: job.reward, kind: job.kind, model: job.model })
              .catch((err: unknown) => log.warn('could not record an earned job', err));
          });
          worker.setSignals(signals);
          slot.attach(worker);
          worker.start();
        })
        .catch((err: unknown) => {
          slot.setReason(
            'error',
            'The worker could not start',
            err instanceof Error ? err.message : String(err),
          );
          log.warn('the worker could not start', err);
        });

  return {
    handlers: backend.handlers,
    subscribe: (listener) => backend.bus.subscribe(listener),
    setSignals: (next) => {
      // Kept for a worker that is still loading its models.
      signals = { ...signals, ...next };
      worker?.setSignals(next);
    },
    reconnect: () => worker?.reconnect(),
    async shutdown() {
      stopping = true;
      const errors: string[] = [];
      const attempt = async (what: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
        }
      };
      await launching;
      const before = worker?.stats();
      const job = before?.currentJob;
      // The worker finishes the job when it can end within its grace time, else reports it to the horde.
      await attempt('worker', async () => worker?.stop());
      const after = worker?.stats();
      await attempt('bridge', () => backend.stop());
      await attempt('engines', async () => engines?.dispose());
      await attempt('horde', async () => horde.embedded?.close());
      if (!job) return { job: 'none', errors };
      const finished = (after?.jobsDone ?? 0) > (before?.jobsDone ?? 0);
      return { job: finished ? 'finished' : 'reported', jobId: job.id, errors };
    },
  };
}
