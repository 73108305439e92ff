import path from 'node:path';
import type { AppInfo, BridgeHandlers, HordeMode, Settings } from '../../shared/bridge/contract';
import { HordeClient } from '../client/horde-client';
import type { FetchLike } from '../client/http';
import { Credentials } from './credentials';
import { BridgeEventBus } from './events';
import { createBridgeHandlers } from './handlers';
import { RequestHistory } from './history';
import { ImageFetcher } from './image-fetcher';
import { RequestTracker } from './request-tracker';
import { Gallery } from './gallery';
import { ImageRequests } from './image-requests';
import { Journal, journalFile } from './journal';
import type { ModelHandlers } from './model-handlers';
import type { ClubHandlers } from '../../shared/bridge/club';
import { IntentLog } from './intents';
import { LedgerSync } from './ledger-sync';
import { LiveProgress, type RequestOfJob } from './live-progress';
import { reconcile } from './reconcile';
import type {
  EarnedJob,
  HordeConnection,
  LedgerFeed,
  LocalModelsPort,
  Logger,
  ProgramsPort,
  WorkerPort,
} from './ports';
import type { SecretStore } from './secret-store';
import { SettingsStore } from './settings-store';
import { UptimeWatcher } from './uptime-watcher';
import { milliFromHorde, type Milli } from '../../shared/bridge/kudos';

export interface BridgeBackendOptions {
  dataDir: string;
  version: string;
  shell: AppInfo['shell'];
  settingsDefaults: Settings;
  secrets: SecretStore;
  models: LocalModelsPort;
  /** "name:version:contact" sent as Client-Agent. */
  clientAgent?: string;
  fetch?: FetchLike;
  /** Status poll interval for the user's own requests. */
  pollMs?: number;
  log?: Logger;
}

/** The horde a backend is bound to, and what comes with that binding. */
export interface BackendRun {
  horde: { mode: HordeMode; url: string };
  worker: WorkerPort | null;
  programs?: ProgramsPort;
  /** The horde's ledger (the embedded horde): the journal is then filled from it alone. */
  ledger?: LedgerFeed;
  /** The Models screen's channels (models-service.ts). */
  modelHandlers?: ModelHandlers;
  /** The embedded horde's owner rename (Settings → your name on this horde). */
  renameOwner?: (name: string) => void;
  /** The club channels (club/service.ts). */
  clubHandlers?: ClubHandlers;
  /** The embedded horde's job → request lookup: the in-app worker's progress is pushed per request. */
  requestOfJob?: RequestOfJob;
  /** Settles when the horde binding this run asked for is in place (a switch of horde in progress). */
  applied?: () => Promise<void>;
}

/**
 * Everything behind the bridge, assembled once per run: settings, keys,
 * journal, history, the horde client and the handlers. Serve mode and the
 * Electron main process build the same thing; only the transport differs
 * (BridgeServer here, IPC there) and who supplies the SecretStore.
 */
export class BridgeBackend {
  readonly bus = new BridgeEventBus();
  readonly settings: SettingsStore;
  readonly credentials: Credentials;
  /** This horde's journal: each horde has its own, so one horde's earnings never show under another. */
  private journalStore: Journal;
  readonly history: RequestHistory;
  readonly intents: IntentLog;
  readonly gallery: Gallery;
  private images: ImageRequests | null = null;
  private hordeClient: HordeClient | null = null;
  private tracker: RequestTracker | null = null;
  private uptime: UptimeWatcher | null = null;
  private ledgerSync: LedgerSync | null = null;
  /** What the reconciliation at the last start found. */
  lastReconcile: Awaited<ReturnType<typeof reconcile>> | null = null;
  private readonly offs: (() => void)[] = [];
  private built: ReturnType<typeof createBridgeHandlers> | null = null;
  /** The table the transports hold: each channel calls the handlers of the horde bound now. */
  private stable: BridgeHandlers | null = null;
  /** The journal of the embedded horde (the other hordes' are opened when bound). */
  private readonly embeddedJournal: Journal;

  get journal(): Journal {
    return this.journalStore;
  }

  constructor(private readonly opts: BridgeBackendOptions) {
    this.settings = new SettingsStore(path.join(opts.dataDir, 'settings.json'), opts.settingsDefaults);
    this.credentials = new Credentials(opts.secrets);
    this.journalStore = new Journal(journalFile(opts.dataDir, { mode: 'embedded' }));
    this.embeddedJournal = this.journalStore;
    this.history = new RequestHistory(path.join(opts.dataDir, 'requests.json'));
    this.intents = new IntentLog(path.join(opts.dataDir, 'intents.jsonl'));
    this.gallery = new Gallery(opts.dataDir);
  }

  /** Reads the saved state. Call before `start`, and before reading `settings` to configure the rest. */
  async load(): Promise<void> {
    await Promise.all([
      this.settings.load(),
      this.credentials.load(),
      this.journalStore.load(),
      this.history.load(),
      this.intents.load(),
      this.gallery.load(),
    ]);
  }

  /**
   * Connects to the horde this run uses (decided from the settings or flags
   * after `load`) and starts following pending requests. `worker` (null for
   * none) is what the Earn screen drives.
   */
  async start(run: BackendRun): Promise<void> {
    await this.bind(run);
    const built = this.built!;
    // One table for the whole run, whatever horde is bound: the window keeps its connection
    // (the HTTP bridge and IPC hold this table) across a switch of horde.
    this.stable = Object.fromEntries(
      Object.keys(built.handlers).map((k) => [
        k,
        (arg: unknown) =>
          (this.built!.handlers as unknown as Record<string, (a: unknown) => Promise<unknown>>)[k]!(arg),
      ]),
    ) as unknown as BridgeHandlers;
  }

  /**
   * Switches to another horde (or the same one at another address) while the window stays
   * connected: what follows the old horde stops (status tracker, ledger sync, uptime, image
   * requests), and the same parts start on the new one, with its key, its journal and its pending
   * requests. Requests still in flight on the old horde stay in the history, followed again when
   * that horde is bound again.
   */
  async rebind(next: () => Promise<BackendRun>): Promise<void> {
    await this.unbind();
    // Between the two the caller changes hordes (stops one, starts another): nothing follows either meanwhile.
    await this.bind(await next());
    void this.built?.pushAccount();
  }

  private async bind(run: BackendRun): Promise<void> {
    const { worker } = run;
    await this.credentials.useHorde(run.horde.mode, run.horde.url);
    if (run.horde.mode !== 'embedded') {
      this.journalStore = new Journal(journalFile(this.opts.dataDir, run.horde));
      await this.journalStore.load();
    } else this.journalStore = this.embeddedJournal;
    const slot = run.horde.mode === 'embedded' ? 'embedded' : run.horde.url;
    const client = this.makeClient(run.horde.url, () => this.credentials.current());
    this.hordeClient = client;
    const sync = run.ledger ? this.ledgerSyncFor(run.ledger, client) : null;
    this.ledgerSync = sync;
    const tracker = new RequestTracker({
      client: () => client,
      horde: slot,
      history: this.history,
      journal: this.journal,
      bus: this.bus,
      images: new ImageFetcher(this.opts.fetch),
      onSettled: () => {
        // The hold ended (available moves even when nothing was paid); what was paid comes from the ledger.
        void this.built?.pushAccount();
        if (sync) void sync.sync().catch((e: unknown) => this.opts.log?.warn('ledger sync failed', e));
      },
      recordPaid: !sync,
      ...(this.opts.pollMs !== undefined ? { pollMs: this.opts.pollMs } : {}),
      ...(this.opts.log ? { log: this.opts.log } : {}),
    });
    this.tracker = tracker;
    const horde: HordeConnection = {
      slot,
      mode: run.horde.mode,
      url: run.horde.url,
      client,
      clientWithKey: (key) => this.makeClient(run.horde.url, () => key),
    };
    const images = new ImageRequests({
      client: () => client,
      hordeUrl: run.horde.url,
      gallery: this.gallery,
      bus: this.bus,
      account: () => this.built!.handlers['account:get'](),
      onSettled: () => void this.built?.pushAccount(),
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
      ...(this.opts.pollMs !== undefined ? { pollMs: this.opts.pollMs } : {}),
      ...(this.opts.log ? { log: this.opts.log } : {}),
    });
    this.images = images;
    this.built = createBridgeHandlers({
      images: images.handlers(),
      info: { version: this.opts.version, shell: this.opts.shell, dataDir: this.opts.dataDir },
      settings: this.settings,
      credentials: this.credentials,
      horde,
      journal: this.journal,
      history: this.history,
      intents: this.intents,
      tracker,
      bus: this.bus,
      worker,
      ...(sync ? { syncJournal: () => sync.sync() } : {}),
      models: this.opts.models,
      ...(run.programs ? { programs: run.programs } : {}),
      ...(run.modelHandlers ? { modelHandlers: run.modelHandlers } : {}),
      ...(run.renameOwner ? { renameOwner: run.renameOwner } : {}),
      ...(run.clubHandlers ? { clubHandlers: run.clubHandlers } : {}),
      ...(run.applied ? { applied: run.applied } : {}),
      ...(this.opts.log ? { log: this.opts.log } : {}),
    });
    let seenBalance: Milli | undefined;
    const live = run.requestOfJob
      ? new LiveProgress({
          requestOfJob: run.requestOfJob,
          emit: (progress) => this.bus.emit('request:progress', progress),
        })
      : null;
    if (worker)
      this.offs.push(
        worker.onStats((stats) => {
          this.bus.emit('worker:stats', stats);
          live?.onStats(stats);
          // The worker reads the owner's user record every half minute: when the balance it saw
          // moved, the header and the Earn card are told together, from one find_user.
          if (stats.kudosTotal !== undefined && stats.kudosTotal !== seenBalance) {
            seenBalance = stats.kudosTotal;
            void this.built?.pushAccount();
          }
        }),
      );
    if (sync) {
      // Reconcile before the window can ask: after a restart the journal already holds every
      // change the ledger holds for this user.
      await sync.sync().catch((e: unknown) => this.opts.log?.warn('ledger sync failed', e));
      sync.start();
    }
    // Settle what a crash left open, from the horde's records, before the window can ask.
    try {
      const report = await reconcile({
        intents: this.intents,
        history: this.history,
        journal: this.journal,
        client,
        horde: slot,
        fromLedger: sync !== null,
        ...(run.ledger ? { feed: run.ledger } : {}),
        ...(this.opts.log ? { log: this.opts.log } : {}),
      });
      this.lastReconcile = report;
      const settled =
        report.recovered.length + report.transfersApplied.length + report.transfersNotSent.length;
      if (settled > 0)
        this.opts.log?.warn(
          `reconciled after a restart: ${report.recovered.length} requests recovered, ` +
            `${report.transfersApplied.length} interrupted transfers found applied, ${report.transfersNotSent.length} not sent (not re-sent)`,
        );
    } catch (e) {
      this.opts.log?.warn('could not reconcile with the horde (tried again at the next start)', e);
    }
    if (!sync && worker) {
      this.uptime = new UptimeWatcher({
        client: () => client,
        journal: this.journal,
        onRecorded: () => void this.built?.pushAccount(),
        ...(this.opts.log ? { log: this.opts.log } : {}),
      });
      this.uptime.start();
    }
    tracker.start();
  }

  /** The requester client with the key in use; valid after `start`. */
  get client(): HordeClient {
    if (!this.hordeClient) throw new Error('BridgeBackend.start() first');
    return this.hordeClient;
  }

  /** The handler map for the transport, the same object for the whole run (see `rebind`); valid after `start`. */
  get handlers(): BridgeHandlers {
    if (!this.stable) throw new Error('BridgeBackend.start() first');
    return this.stable;
  }

  /** The worker finished a job: note what it earned, and push the new balance. */
  async recordEarned(job: EarnedJob): Promise<void> {
    if (!(job.reward > 0)) return;
    if (this.ledgerSync) {
      // The settlement is in the horde's ledger: read it from there (once, under its own key).
      await this.ledgerSync.sync();
      return;
    }
    const added = await this.journal.record({
      id: `earned:${job.id}`,
      at: job.at ?? Date.now(),
      kind: 'job_earned',
      kudos: milliFromHorde(job.reward),
      ref: job.id,
      memo: `${job.kind ?? 'text'} job${job.model ? ` (${job.model})` : ''}`,
    });
    if (added) void this.built?.pushAccount();
  }

  async stop(): Promise<void> {
    await this.unbind();
  }

  /** Stops what follows the bound horde; the handlers stay (they answer with the next binding). */
  private async unbind(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await Promise.all([
      this.tracker?.stop(),
      this.uptime?.stop(),
      this.ledgerSync?.stop(),
      this.images?.stop(),
    ]);
    this.tracker = null;
    this.images = null;
    this.uptime = null;
    this.ledgerSync = null;
  }

  /** Reads the user's changes from the ledger into the journal; the user is whoever the key in use belongs to. */
  private ledgerSyncFor(feed: LedgerFeed, client: HordeClient): LedgerSync {
    let known: { key: string; id: number } | null = null;
    return new LedgerSync({
      feed,
      journal: this.journal,
      userId: async () => {
        const key = this.credentials.current();
        if (known?.key !== key) known = { key, id: (await client.findUser()).id };
        return known.id;
      },
      onRecorded: () => void this.built?.pushAccount(),
      ...(this.opts.log ? { log: this.opts.log } : {}),
    });
  }

  private makeClient(baseUrl: string, apiKey: () => string): HordeClient {
    return new HordeClient({
      baseUrl,
      apiKey,
      clientAgent:
        this.opts.clientAgent ?? `horde-desktop:${this.opts.version}:https://github.com/horde-desktop`,
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
    });
  }
}
