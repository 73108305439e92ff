import path from 'node:path';
import type { AppInfo, HordeMode, Settings } from '../../shared/bridge/contract';
import { HordeClient } from '../client/horde-client';
import type { FetchLike } from '../client/http';
import { Credentials } from './credentials';
import { BridgeEventBus } from './events';
import { createBridgeHandlers } from './handlers';
import { RequestHistory } from './history';
import { ImageFetcher } from './image-fetcher';
import { JobTracker } from './job-tracker';
import { Journal } from './journal';
import type { EarnedJob, HordeConnection, LocalModelsPort, Logger, ProgramsPort, WorkerPort } from './ports';
import type { SecretStore } from './secret-store';
import { SettingsStore } from './settings-store';
import { UptimeWatcher } from './uptime-watcher';
import { round2 } from './views';

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
  readonly journal: Journal;
  readonly history: RequestHistory;
  private hordeClient: HordeClient | null = null;
  private tracker: JobTracker | null = null;
  private uptime: UptimeWatcher | null = null;
  private readonly offs: (() => void)[] = [];
  private built: ReturnType<typeof createBridgeHandlers> | null = null;

  constructor(private readonly opts: BridgeBackendOptions) {
    this.settings = new SettingsStore(path.join(opts.dataDir, 'settings.json'), opts.settingsDefaults);
    this.credentials = new Credentials(opts.secrets);
    this.journal = new Journal(path.join(opts.dataDir, 'journal.jsonl'));
    this.history = new RequestHistory(path.join(opts.dataDir, 'requests.json'));
  }

  /** Reads the saved state. Call before `start`, and before reading `settings` to configure the rest. */
  async load(): Promise<void> {
    await Promise.all([
      this.settings.load(),
      this.credentials.load(),
      this.journal.load(),
      this.history.load(),
    ]);
  }

  /**
   * Connects to the horde this run uses (decided from the settings or flags
   * after `load`) and starts following pending requests. `worker` (null for
   * none) is what the Earn screen drives.
   */
  async start(run: {
    horde: { mode: HordeMode; url: string };
    worker: WorkerPort | null;
    programs?: ProgramsPort;
  }): Promise<void> {
    const { worker } = run;
    await this.credentials.useHorde(run.horde.mode, run.horde.url);
    const client = this.makeClient(run.horde.url, () => this.credentials.current());
    this.hordeClient = client;
    const tracker = new JobTracker({
      client: () => client,
      history: this.history,
      journal: this.journal,
      bus: this.bus,
      images: new ImageFetcher(this.opts.fetch),
      onSettled: () => void this.built?.pushAccount(),
      ...(this.opts.pollMs !== undefined ? { pollMs: this.opts.pollMs } : {}),
      ...(this.opts.log ? { log: this.opts.log } : {}),
    });
    this.tracker = tracker;
    const horde: HordeConnection = {
      mode: run.horde.mode,
      url: run.horde.url,
      client,
      clientWithKey: (key) => this.makeClient(run.horde.url, () => key),
    };
    this.built = createBridgeHandlers({
      info: { version: this.opts.version, shell: this.opts.shell, dataDir: this.opts.dataDir },
      settings: this.settings,
      credentials: this.credentials,
      horde,
      journal: this.journal,
      history: this.history,
      tracker,
      bus: this.bus,
      worker,
      models: this.opts.models,
      ...(run.programs ? { programs: run.programs } : {}),
      ...(this.opts.log ? { log: this.opts.log } : {}),
    });
    if (worker) {
      this.offs.push(worker.onStats((stats) => this.bus.emit('worker:stats', stats)));
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

  /** The handler map for the transport; valid after `start`. */
  get handlers() {
    if (!this.built) throw new Error('BridgeBackend.start() first');
    return this.built.handlers;
  }

  /** The worker finished a job: note what it earned, and push the new balance. */
  async recordEarned(job: EarnedJob): Promise<void> {
    if (!(job.reward > 0)) return;
    const added = await this.journal.record({
      id: `earned:${job.id}`,
      at: job.at ?? Date.now(),
      kind: 'job_earned',
      kudos: round2(job.reward),
      ref: job.id,
      memo: `${job.kind ?? 'text'} job${job.model ? ` (${job.model})` : ''}`,
    });
    if (added) void this.built?.pushAccount();
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await Promise.all([this.tracker?.stop(), this.uptime?.stop()]);
    this.tracker = null;
    this.uptime = null;
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
