/**
 * The composition root: everything behind the window, assembled once per run, for both shells —
 * `npm run serve` (electron/serve.ts) and the desktop app's services process
 * (electron/app/services.ts). Settings, keys, the horde (embedded, public or custom), the owner
 * account, the bridge handlers, the worker with its engines, and the shutdown order live here
 * once. What really differs between the shells is injected: the secret store, a text loader (the
 * desktop app tries WebGPU in a hidden window first), and whether the shell reports idle/power
 * signals. No 'electron' import: it runs in Node tests too.
 */
import os from 'node:os';
import path from 'node:path';
import { ANONYMOUS_API_KEY, PUBLIC_HORDE_URL } from '../shared/api/common';
import type { AppInfo, BridgeHandlers, EventMessage, HordeMode, Settings } from '../shared/bridge/contract';
import { DESKTOP_IDLE_POLICY, SERVE_IDLE_POLICY, type IdleSignals } from '../shared/worker/stats';
import { BridgeBackend, type BackendRun } from './bridge/backend';
import { lockDataFolder, type DataFolderLock } from './bridge/data-lock';
import { workerPolicy } from './bridge/handlers';
import { ModelCatalog } from './bridge/model-catalog';
import type { SecretStore } from './bridge/secret-store';
import {
  engineOptions,
  loadEngines,
  scanForCatalog,
  type ImageLoader,
  type LoadedEngines,
  type TextLoader,
} from './bridge/worker-launcher';
import { WorkerSlot } from './bridge/worker-slot';
import { startHorde, type Horde } from './horde/index';
import { machineProbes, SignalSampler } from './worker/signals/sampler';
import { processPriority } from './worker/priority';
import { HordeWorker } from './worker/worker';
import { ModelLibrary } from './worker/models/library';
import { ModelsService } from './bridge/models-service';
import { loadCatalog } from './bridge/catalog-file';
import { osOwnerName } from './bridge/owner-name';
import { clubHandlers } from './bridge/club/service';
import { ClubDiscovery } from './bridge/club/discovery';
import { pickPort } from './bridge/club/port-check';
import { hordeBackups } from './bridge/club/backups';
import { DEFAULT_LAN_PORT } from '../shared/bridge/club';

export interface ServiceLog {
  info(message: string): void;
  warn(message: string, err?: unknown): void;
}

/** The job the worker held at shutdown: finished and submitted, or reported back to the horde. */
export interface ShutdownReport {
  job: 'none' | 'finished' | 'reported' | 'abandoned';
  jobId?: string;
  errors: string[];
}

/** The steps of a shutdown, in the order they run (the bridge transport stops before, in the shell). */
export const SHUTDOWN_ORDER = ['models load', 'worker', 'bridge', 'engines', 'horde', 'data folder'] as const;
export type ShutdownStep = (typeof SHUTDOWN_ORDER)[number];

export type Shell = AppInfo['shell'];

/** Choices for this run only (serve's flags); the saved settings stay as the user made them. */
export interface RunOverrides {
  /** Use this horde instead of the one the settings name. */
  hordeUrl?: string;
  /** The worker name on the horde; also the Settings screen's default until the user saves one. */
  workerName?: string;
  /** The models folder; also the Settings screen's default. */
  modelsDir?: string;
  /** The text model to serve; the first one found when absent. */
  textModel?: string;
  /** false: no worker at all (request only). */
  worker?: boolean;
  /** A catalog file (shared/catalog/schema.ts) whose entries are added to the built-in ones (a mirror's, or a test's). */
  catalogFile?: string;
  /**
   * The embedded horde's database is empty or damaged: 'restore' puts its newest backup back,
   * 'new' starts a new horde (the old file kept beside either way). Absent: the start stops with
   * DamagedHordeDatabase, naming the file, so that the user chooses.
   */
  ifHordeDamaged?: 'restore' | 'new';
  /** The address the shared horde binds to (default every interface, 0.0.0.0); tests pin it to their own. */
  lanHost?: string;
  /** false: no mDNS at all (no announcing, no listening), e.g. where a test must send nothing beyond loopback. */
  mdns?: boolean;
}

export interface ComposeOptions {
  shell: Shell;
  dataDir: string;
  version: string;
  secrets: SecretStore;
  log: ServiceLog;
  /**
   * Whether the shell reports idle, power and lock signals (`setSignals`). Without them the
   * default idle policy earns always, since "the user is idle" could never be known.
   */
  idleSignals: boolean;
  /** Tried before ONNX Runtime in Node (the desktop app's WebGPU window); null answers "not here". */
  loadText?: (where: { modelsDir: string; threads: number }) => TextLoader;
  /** Tried before ONNX Runtime in Node for the image models (the desktop app's SD window). */
  loadImage?: (where: { modelsDir: string }) => ImageLoader;
  overrides?: RunOverrides;
  /** The desktop app's native folder picker (Models → Add a folder). */
  pickFolder?: () => Promise<string | null>;
}

/** What a shell's transport (IPC or the loopback HTTP bridge) drives. */
export interface AppServices {
  handlers: BridgeHandlers;
  subscribe(listener: (message: EventMessage) => void): () => void;
  setSignals(signals: Partial<IdleSignals>): void;
  reconnect(): void;
  /** The machine is about to sleep: the running job is finished within a few seconds or handed back. */
  suspend(): void;
  /** Stops the worker (finishing or reporting its job), then closes the horde and its database. */
  shutdown(): Promise<ShutdownReport>;
}

export interface ComposedServices extends AppServices {
  /** Which horde this run talks to, and whether a worker runs. */
  readonly run: { horde: { mode: HordeMode; url: string }; workerEnabled: boolean };
}

/** The worker name the horde shows until the user picks one. */
export function defaultWorkerName(): string {
  return `${os.hostname()} (Horde Desktop)`.slice(0, 100);
}

/** A fresh install's settings, the same in both shells but for what the shell can observe. */
export function defaultSettings(
  dataDir: string,
  o: { idleSignals: boolean; overrides?: RunOverrides } = { idleSignals: true },
): Settings {
  return {
    horde: { mode: 'embedded' },
    workerName: (o.overrides?.workerName ?? defaultWorkerName()).slice(0, 100),
    modelsDir: path.resolve(o.overrides?.modelsDir ?? path.join(dataDir, 'models')),
    threads: 0,
    memoryMb: 0,
    lanSharing: false,
    lanPort: null,
    idle: o.idleSignals ? DESKTOP_IDLE_POLICY : SERVE_IDLE_POLICY,
    theme: 'system',
  };
}

/** The horde this run uses: the override, else what the settings name; null for the embedded one. */
export function chooseHorde(
  settings: Settings,
  overrideUrl?: string,
): { mode: 'public' | 'custom'; url: string } | null {
  const url =
    overrideUrl ??
    (settings.horde.mode === 'public'
      ? PUBLIC_HORDE_URL
      : settings.horde.mode === 'custom'
        ? settings.horde.url
        : null);
  if (url === null) return null;
  return { mode: url === PUBLIC_HORDE_URL ? 'public' : 'custom', url };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How the embedded horde listens in this run: on loopback, or shared on the LAN. */
interface SharedHorde {
  lan: boolean;
  bindHost: string;
  /** Why it is not on the LAN although sharing is on. */
  problem: string | null;
}

const hordeDbPath = (dataDir: string): string => path.join(dataDir, 'horde.sqlite');

/** The name a shared horde is announced under on the LAN. */
function announceName(): string {
  return `${osOwnerName()} on ${os.hostname()}`.slice(0, 63);
}

/**
 * Starts the embedded horde: on loopback, or with sharing on, on the LAN at
 * the port kept in the settings (picked and kept the first time, so the
 * address in members' settings stays valid across restarts). A port another
 * program took meanwhile leaves the horde on loopback with the reason shown
 * on the Club screen, rather than moving it behind the members' backs.
 */
async function startEmbedded(
  dataDir: string,
  backend: BridgeBackend,
  overrides: RunOverrides,
  shared: SharedHorde,
  log: ServiceLog,
): Promise<Horde> {
  const dbPath = hordeDbPath(dataDir);
  const settings = backend.settings.get();
  const damaged = overrides.ifHordeDamaged ? { ifDamaged: overrides.ifHordeDamaged } : {};
  if (settings.lanSharing) {
    const bindHost = overrides.lanHost ?? '0.0.0.0';
    const port = settings.lanPort ?? (await pickPort([DEFAULT_LAN_PORT], bindHost));
    if (settings.lanPort === null) await backend.settings.update({ lanPort: port });
    try {
      const h = await startHorde({ dbPath, port, host: bindHost, lan: true, ...damaged });
      Object.assign(shared, { lan: true, bindHost, problem: null });
      return h;
    } catch (err) {
      // Only a listening problem falls back to loopback; a damaged database stops the start as it would unshared.
      const code = (err as { code?: unknown }).code;
      if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') throw err;
      shared.problem =
        code === 'EADDRINUSE'
          ? `Port ${port} is in use by another program, so the horde is not shared. Pick another port.`
          : `The horde could not listen on the network: ${errorText(err)}`;
      log.warn(shared.problem);
    }
  }
  return startHorde({ dbPath, port: 0, lan: false, ...damaged });
}

export async function composeServices(options: ComposeOptions): Promise<ComposedServices> {
  const { dataDir, log } = options;
  // One process per data folder: a second serve or desktop app on it stops here, naming the holder.
  const lock = await lockDataFolder(dataDir, { shell: options.shell }, log);
  try {
    return await composeLocked(options, lock);
  } catch (err) {
    await lock.release().catch(() => undefined);
    throw err;
  }
}

async function composeLocked(options: ComposeOptions, lock: DataFolderLock): Promise<ComposedServices> {
  const { dataDir, log, overrides = {} } = options;
  const modelsDir = (): string => path.resolve(overrides.modelsDir ?? backend.settings.get().modelsDir);
  // The models folder is read at each scan (the user may change it).
  const catalog: ModelCatalog = new ModelCatalog(() => scanForCatalog(modelsDir()));
  const backend: BridgeBackend = new BridgeBackend({
    dataDir,
    version: options.version,
    shell: options.shell,
    settingsDefaults: defaultSettings(dataDir, { idleSignals: options.idleSignals, overrides }),
    secrets: options.secrets,
    models: catalog,
    log,
  });
  await backend.load();
  const catalogEntries = await loadCatalog(overrides.catalogFile);
  const library = new ModelLibrary({
    modelsDir,
    confirmationsFile: path.join(dataDir, 'model-names.json'),
    catalog: () => catalogEntries,
  });

  // The horde binding: which horde this app uses now. It changes live when the user switches
  // horde, joins a club or turns LAN sharing on or off (`switchHorde` below).
  let embedded: Horde | undefined;
  let horde: { mode: HordeMode; url: string } = { mode: 'embedded', url: '' };
  const shared: SharedHorde = { lan: false, bindHost: '127.0.0.1', problem: null };
  /** Opens the horde the settings name now (the run's flag pins it): the embedded one is started. */
  const openHorde = async (): Promise<void> => {
    const elsewhere = chooseHorde(backend.settings.get(), overrides.hordeUrl);
    if (elsewhere) {
      horde = elsewhere;
    } else {
      Object.assign(shared, { lan: false, bindHost: '127.0.0.1', problem: null });
      embedded = await startEmbedded(dataDir, backend, overrides, shared, log);
      const owner = embedded.admin.ensureOwner(osOwnerName(), backend.credentials.storedOwnerKey);
      await backend.credentials.setOwnerKey(owner.apikey);
      horde = { mode: 'embedded', url: embedded.url };
    }
    log.info(`horde: ${horde.mode} at ${horde.url}`);
  };
  await openHorde();
  const discovery =
    overrides.mdns === false
      ? null
      : new ClubDiscovery(overrides.lanHost ? { interface: overrides.lanHost } : {});
  const announce = (): void => {
    if (!embedded || !shared.lan || !discovery) return;
    try {
      discovery.announce({
        name: announceName(),
        port: embedded.port,
        join: embedded.admin.clubSettings().join,
      });
    } catch (err) {
      log.warn('could not announce the horde on the network (mDNS)', err);
    }
  };
  announce();
  const club = clubHandlers({
    horde: () =>
      embedded
        ? { admin: embedded.admin, port: embedded.port, lan: shared.lan, bindHost: shared.bindHost }
        : null,
    problem: () => shared.problem,
    settings: backend.settings,
    credentials: backend.credentials,
    discovery,
    announceName: announceName(),
    reannounce: announce,
    // Always there: the club handlers refuse (NotHordeOwner) while another horde is in use.
    backups: hordeBackups({
      horde: () => embedded as Horde,
      dbPath: hordeDbPath(dataDir),
      // The same address as before: workers and members reconnect to the horde they knew.
      reopen: async (whileClosed) => {
        const was = embedded as Horde;
        await was.close();
        // Whatever happens to the file, the horde starts again (on the old file if the restore failed).
        await whileClosed().finally(async () => {
          embedded = await startHorde({
            dbPath: hordeDbPath(dataDir),
            port: was.port,
            host: shared.bindHost,
            lan: shared.lan,
          });
        });
      },
    }),
    applied: () => applied,
    ...(overrides.hordeUrl !== undefined ? { pinnedHorde: overrides.hordeUrl } : {}),
  });

  // The window is usable at once; the worker joins the slot when its models have loaded.
  const slot = overrides.worker === false ? null : new WorkerSlot();
  let worker: HordeWorker | undefined;
  // Full-screen, named programs and CPU load, read only while the policy uses them.
  const probes = slot ? await machineProbes() : null;
  const sampler = probes
    ? new SignalSampler({
        probes,
        policy: () => worker?.policy() ?? workerPolicy(backend.settings.get()),
        setSignals: (s) => worker?.setSignals(s),
        onError: (err) => log.warn('a signal probe failed', err),
      })
    : null;
  const models = new ModelsService({
    library,
    catalog: () => catalogEntries,
    modelsDir,
    bus: backend.bus,
    horde: () => horde.mode,
    client: () => backend.client,
    inUse: () => catalog.inUse(),
    onChanged: () => relaunch(),
    memoryCapMb: () => backend.settings.get().memoryMb,
    ...(options.pickFolder ? { pickFolder: options.pickFolder } : {}),
    log,
  });
  const modelHandlers = models.handlers();
  /** What the backend is bound to: the horde in use now, and the embedded one's ledger when it is that. */
  const binding = (): BackendRun => ({
    horde,
    worker: slot,
    modelHandlers,
    clubHandlers: club,
    applied: () => applied,
    ...(probes ? { programs: probes.programs } : {}),
    // The embedded horde's ledger is the journal's source: every kudos change, read from there.
    ...(embedded
      ? {
          // Through the variable: a restored backup replaces the horde object.
          ledger: {
            read: (...a) => (embedded as Horde).admin.ledgerOf(...a),
            requestsSince: (...a) => (embedded as Horde).admin.requestsOf(...a),
          },
          renameOwner: (name) => (embedded as Horde).admin.renameOwner(name),
          requestOfJob: (jobId) => (embedded as Horde).admin.requestOfJob(jobId),
        }
      : {}),
  });
  /** Settles when the settings saved so far are applied: the last switch of horde is done. */
  let applied: Promise<void> = Promise.resolve();
  await backend.start(binding());

  let stopping = false;
  let engines: LoadedEngines | undefined;
  let signals: Partial<IdleSignals> = {};
  // The AI Horde refuses anonymous workers (AnonForbiddenWorker): say what to do rather than fail in a loop.
  const anonymousElsewhere = (): boolean => !embedded && backend.credentials.current() === ANONYMOUS_API_KEY;
  const askForKey = (slot: WorkerSlot): void =>
    slot.setReason('stopped', 'Set your API key in Settings to earn kudos on this horde');
  if (slot && anonymousElsewhere()) askForKey(slot);

  const launch = async (slot: WorkerSlot): Promise<void> => {
    const dir = modelsDir();
    // The settings as they are now: the worker starts again after the user changes them.
    const settings = backend.settings.get();
    const custom = options.loadText?.({ modelsDir: dir, threads: settings.threads });
    const customImage = options.loadImage?.({ modelsDir: dir });
    try {
      engines = await loadEngines({
        modelsDir: dir,
        ...(overrides.textModel ? { textModel: overrides.textModel } : {}),
        threads: settings.threads,
        memoryMb: settings.memoryMb,
        ...(settings.textDtype ? { textDtype: settings.textDtype } : {}),
        catalog,
        log,
        cancelled: () => stopping,
        names: async (m) => (await library.names(m)).names,
        ...(custom ? { loadText: custom } : {}),
        ...(customImage ? { loadImage: customImage } : {}),
      });
    } catch (err) {
      slot.setReason('no_model', `Cannot read the models folder ${dir}`, errorText(err));
      return;
    }
    if (stopping) return;
    worker = new HordeWorker({
      hordeUrl: horde.url,
      apiKey: backend.credentials.current(),
      name: overrides.workerName ?? settings.workerName,
      // The settings as they are now: the user may have changed the policy while the models loaded.
      policy: workerPolicy(backend.settings.get()),
      ...(sampler ? { signals: sampler.support() } : {}),
      priority: processPriority(),
      ...engineOptions(engines),
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
    sampler?.start();
  };
  const start = (slot: WorkerSlot): Promise<void> =>
    launch(slot).catch((err: unknown) => {
      slot.setReason('error', 'The worker could not start', errorText(err));
      log.warn('the worker could not start', err);
    });
  let launching = slot && !anonymousElsewhere() ? start(slot) : Promise.resolve();
  // The models folder changed (a download finished, a model was added or deleted): the worker
  // finishes or reports its job, frees its engines and starts again on what the folder holds now.
  const relaunch = (): void => {
    if (!slot || stopping) return;
    launching = launching.then(async () => {
      if (stopping) return;
      const anonymous = anonymousElsewhere();
      const old = worker;
      const oldEngines = engines;
      worker = undefined;
      engines = undefined;
      slot.setReason('no_model', 'Loading models…');
      catalog.reset();
      await old?.stop().catch((err: unknown) => log.warn('the worker did not stop cleanly', err));
      await oldEngines?.dispose().catch((err: unknown) => log.warn('could not free the engines', err));
      if (anonymous) askForKey(slot);
      else await start(slot);
    });
  };
  /** Whether the horde in use is the one the settings name now (LAN sharing and its port included). */
  const bound = (): boolean => {
    const s = backend.settings.get();
    const elsewhere = chooseHorde(s, overrides.hordeUrl);
    if (elsewhere) return horde.mode !== 'embedded' && horde.url === elsewhere.url;
    if (!embedded) return false;
    // Sharing that failed for a port problem is retried only when the user changes sharing again.
    if (s.lanSharing && !shared.lan && shared.problem !== null) return true;
    return s.lanSharing === shared.lan && (!s.lanSharing || s.lanPort === embedded.port);
  };
  /**
   * Switches the horde live (a new horde in Settings, a club joined, LAN sharing on or off or on
   * another port), in this order: the worker finishes or hands back its job to the horde it took
   * it from; the backend stops following that horde; the embedded horde closes (or moves to its
   * new address) and the new horde opens; the backend binds to it, with its key, journal and
   * pending requests; the worker starts again on it. The bridge's handler table stays the same
   * object throughout, so the window keeps its connection. `applied` settles once the backend is
   * bound, before the worker has loaded its models again.
   */
  const switchHorde = (): void => {
    let done!: () => void;
    applied = new Promise<void>((resolve) => (done = resolve));
    launching = launching.then(async () => {
      let switched: boolean;
      try {
        if (stopping || bound()) return;
        switched = true;
        const old = worker;
        const oldEngines = engines;
        worker = undefined;
        engines = undefined;
        slot?.setReason('no_model', 'Connecting to the new horde…');
        await old?.stop().catch((err: unknown) => log.warn('the worker did not stop cleanly', err));
        await oldEngines?.dispose().catch((err: unknown) => log.warn('could not free the engines', err));
        await backend.rebind(async () => {
          discovery?.withdraw();
          const was = embedded;
          embedded = undefined;
          await was?.close();
          await openHorde();
          announce();
          return binding();
        });
      } catch (err) {
        log.warn('could not switch to the horde the settings name', err);
        slot?.setReason('error', 'Could not switch to the new horde', errorText(err));
        switched = false;
      } finally {
        done();
      }
      if (!switched || !slot || stopping) return;
      catalog.reset();
      if (anonymousElsewhere()) askForKey(slot);
      else await start(slot);
    });
  };
  // Live settings: a new key, models folder, worker name or text precision starts the worker again with it (its
  // running job finished or reported first); the requester side reads them at each call. A new
  // horde or LAN sharing rebinds the backend and the worker to it (`switchHorde`).
  backend.credentials.onUserKeyChange(() => relaunch());
  backend.settings.onChange(({ changed }) => {
    if (changed.some((k) => k === 'horde' || k === 'lanSharing' || k === 'lanPort')) {
      switchHorde();
      return;
    }
    const relevant: (keyof Settings)[] = [
      ...(overrides.modelsDir === undefined ? (['modelsDir'] as const) : []),
      ...(overrides.workerName === undefined ? (['workerName'] as const) : []),
      // A new precision is a different model file.
      'textDtype',
    ];
    if (changed.some((k) => relevant.includes(k))) relaunch();
  });

  return {
    get run() {
      return { horde, workerEnabled: slot !== null };
    },
    handlers: backend.handlers,
    subscribe: (listener) => backend.bus.subscribe(listener),
    setSignals: (next) => {
      // Kept for a worker that is still loading its models.
      signals = { ...signals, ...next };
      worker?.setSignals(next);
    },
    reconnect: () => worker?.reconnect(),
    suspend: () => worker?.suspend(),
    async shutdown() {
      stopping = true;
      const errors: string[] = [];
      let before: ReturnType<HordeWorker['stats']> | undefined;
      let after: ReturnType<HordeWorker['stats']> | undefined;
      const steps: Record<ShutdownStep, () => Promise<unknown>> = {
        'models load': () => Promise.all([models.stop(), launching]),
        // The worker finishes the job when it can end within its grace time, else reports it to the horde.
        worker: async () => {
          await sampler?.stop();
          before = worker?.stats();
          try {
            await worker?.stop();
          } finally {
            after = worker?.stats();
          }
        },
        bridge: () => backend.stop(),
        engines: async () => engines?.dispose(),
        horde: async () => {
          await discovery?.stop();
          await embedded?.close();
        },
        'data folder': () => lock.release(),
      };
      for (const step of SHUTDOWN_ORDER) {
        try {
          await steps[step]();
          log.info(`shutdown: ${step} stopped`);
        } catch (err) {
          errors.push(`${step}: ${errorText(err)}`);
        }
      }
      const job = before?.currentJob;
      if (!job) return { job: 'none', errors };
      const finished = (after?.jobsDone ?? 0) > (before?.jobsDone ?? 0);
      return { job: finished ? 'finished' : 'reported', jobId: job.id, errors };
    },
  };
}
