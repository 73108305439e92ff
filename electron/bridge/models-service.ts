/**
 * The Models screen's and the first-run chooser's side of the bridge: the catalog as
 * this machine sees it, downloads (progress pushed as 'models:download' events),
 * installed models with the names they go out under, delete, add a folder, confirm a
 * name, re-check files, and what earns where on the horde this run talks to.
 */
import os from 'node:os';
import { bridgeError } from '../../shared/bridge/errors';
import type { CatalogItem, EarningsView, InstalledModel } from '../../shared/bridge/models';
import { fitsMachine, type CatalogEntry } from '../../shared/catalog/catalog';
import { earningOn, type HordeKind } from '../../shared/catalog/earnings';
import { WORK_KINDS } from '../../shared/catalog/schema';
import { diskFreeBytes } from '../worker/models/download/downloader';
import { hubConfig, type HubConfig } from '../worker/models/download/hub-config';
import { DownloadManager } from '../worker/models/download/manager';
import type { ModelLibrary } from '../worker/models/library';
import type { HordeClient } from '../client/horde-client';
import type { BridgeEventBus } from './events';
import type { ModelHandlers } from './model-handlers';
import type { Logger } from './ports';

export interface ModelsServiceOptions {
  library: ModelLibrary;
  catalog: () => readonly CatalogEntry[];
  modelsDir: () => string;
  bus: BridgeEventBus;
  horde: () => HordeKind;
  client: () => HordeClient;
  /** Names of the models the worker has loaded now. */
  inUse: () => ReadonlySet<string>;
  /** The models folder changed (a download finished, a model was deleted or added): reload the worker. */
  onChanged: () => void;
  /** Settings' memory cap in MB (0 = none). */
  memoryCapMb: () => number;
  env?: NodeJS.ProcessEnv;
  /** The desktop app's native folder picker. */
  pickFolder?: () => Promise<string | null>;
  /** A GPU the engines can use; unknown (false) in plain Node. */
  gpu?: boolean;
  fetch?: typeof fetch;
  log?: Logger;
}

const MB = 1024 * 1024;

export class ModelsService {
  readonly downloads: DownloadManager;

  constructor(private readonly o: ModelsServiceOptions) {
    this.downloads = new DownloadManager({
      cacheDir: o.modelsDir,
      hub: () => this.hub(),
      ...(o.fetch ? { fetch: o.fetch } : {}),
      onProgress: (p) => o.bus.emit('models:download', p),
      onInstalled: (entry, report) => {
        o.log?.warn(
          `downloaded ${entry.repo}@${report.commit.slice(0, 8)}: ${report.fetchedBytes} bytes fetched, ${report.resumedFromBytes} resumed, ${report.refetchedBytes} re-fetched`,
        );
        o.onChanged();
      },
    });
  }

  private hub(): HubConfig {
    return hubConfig(this.o.env ?? process.env);
  }

  private entry(id: string): CatalogEntry {
    const entry = this.o.catalog().find((e) => e.id === id);
    if (!entry) throw bridgeError('NotFound', `There is no catalog entry "${id}".`);
    return entry;
  }

  private async installed(): Promise<InstalledModel[]> {
    return this.o.library.installed(this.o.inUse());
  }

  async machine() {
    const cap = this.o.memoryCapMb();
    const free = Math.floor(os.freemem() / MB);
    const diskFreeMb = Math.floor((await diskFreeBytes(this.o.modelsDir()).catch(() => 0)) / MB);
    return {
      memoryMb: cap > 0 ? Math.min(cap, free) : free,
      diskFreeMb,
      gpu: this.o.gpu ?? false,
      modelsDir: this.o.modelsDir(),
    };
  }

  handlers(): ModelHandlers {
    const fail = (e: unknown): never => {
      if (e && typeof e === 'object' && 'rc' in e) throw e;
      throw bridgeError('ModelError', e instanceof Error ? e.message : String(e));
    };
    return {
      'models:catalog': async () => {
        const machine = await this.machine();
        const installed = new Set((await this.installed()).map((m) => m.catalogId).filter(Boolean));
        const horde = this.o.horde();
        const items: CatalogItem[] = this.o.catalog().map((entry) => {
          const fit = fitsMachine(entry, machine);
          const download = this.downloads.get(entry.id);
          return {
            entry,
            fits: fit.ok ? { ok: true } : { ok: false, reason: fit.reason },
            earning: earningOn(horde, entry.kind),
            installed: installed.has(entry.id),
            ...(download ? { download } : {}),
          };
        });
        return { machine, horde, items };
      },
      'models:installed': () => this.installed(),
      'models:download': async ({ id }) => {
        const entry = this.entry(id);
        if (!entry.runnable) throw bridgeError('BadArgument', `${entry.title} cannot run in this app yet.`);
        try {
          this.hub();
        } catch (e) {
          fail(e);
        }
        return this.downloads.start(entry);
      },
      'models:cancelDownload': async ({ id }) => this.downloads.cancel(id) ?? null,
      'models:delete': async ({ name }) => {
        await this.o.library.remove(name).catch(fail);
        this.o.onChanged();
        return this.installed();
      },
      'models:addFolder': async ({ path }) => {
        await this.o.library.addFolder(path).catch(fail);
        this.o.onChanged();
        return this.installed();
      },
      'models:confirmName': async ({ name, as }) => {
        await this.o.library.confirm(name, as).catch(fail);
        this.o.onChanged();
        return this.installed();
      },
      'models:recheck': async ({ name }) => {
        const result = await this.o.library.recheck(name).catch(fail);
        if (result.damaged.length > 0) this.o.onChanged();
        return result;
      },
      'models:pickFolder': async () => ({ path: this.o.pickFolder ? await this.o.pickFolder() : null }),
      'horde:earnings': async () => this.earnings(),
    };
  }

  async earnings(): Promise<EarningsView> {
    const horde = this.o.horde();
    const kinds = WORK_KINDS.map((kind) => ({ kind, ...earningOn(horde, kind) }));
    let figures: EarningsView['figures'] = null;
    try {
      const p = await this.o.client().performance();
      figures = {
        queuedTextRequests: p.queued_text_requests,
        ...(p.text_worker_count !== undefined ? { textWorkers: p.text_worker_count } : {}),
        ...(p.queued_requests !== undefined ? { queuedImageRequests: p.queued_requests } : {}),
        ...(p.worker_count !== undefined ? { imageWorkers: p.worker_count } : {}),
        ...(p.queued_forms !== undefined ? { queuedForms: p.queued_forms } : {}),
        ...(p.interrogator_count !== undefined ? { alchemists: p.interrogator_count } : {}),
      };
    } catch (e) {
      this.o.log?.warn('could not read the horde performance figures', e);
    }
    return { horde, kinds, figures };
  }

  stop(): Promise<void> {
    return this.downloads.stop();
  }
}
