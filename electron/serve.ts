/**
 * `npm run serve`: the whole app without Electron — the embedded horde, the
 * worker, and the window served on loopback to any browser through the HTTP
 * bridge. Prints one line `Horde Desktop is running at URL` (tests read it)
 * and shuts everything down cleanly on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ANONYMOUS_API_KEY } from '../shared/api/common';
import type { HordeMode, Settings } from '../shared/bridge/contract';
import { SERVE_IDLE_POLICY } from '../shared/worker/stats';
import { BridgeBackend } from './bridge/backend';
import { workerPolicy } from './bridge/handlers';
import { BridgeServer } from './bridge/http-server';
import { ModelCatalog } from './bridge/model-catalog';
import type { Logger } from './bridge/ports';
import { ensureRenderer } from './bridge/renderer-build';
import { FileSecretStore } from './bridge/secret-store';
import { launchWorker, scanForCatalog, type LaunchedWorker } from './bridge/worker-launcher';
import { WorkerSlot } from './bridge/worker-slot';
import { startHorde, type Horde } from './horde/index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLIC_HORDE = 'https://aihorde.net/api';
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** How long shutdown may take before the process gives up on a clean exit. */
const SHUTDOWN_LIMIT_MS = 30_000;

interface Flags {
  port: number;
  host: string;
  data?: string;
  models?: string;
  horde?: string;
  worker: boolean;
  workerName?: string;
  model?: string;
  build: boolean;
}

const log: Logger = {
  warn: (message, err) =>
    console.error(`warning: ${message}${err ? `: ${err instanceof Error ? err.message : String(err)}` : ''}`),
};

function parseFlags(argv: string[]): Flags {
  const port = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is 0..65535');
    return n;
  };
  const host = (v: string) => {
    // The bridge checks Host/Origin against loopback names: it serves this machine only.
    if (!LOOPBACK.has(v))
      throw new InvalidArgumentError('the window is served on loopback only (127.0.0.1, ::1)');
    return v;
  };
  const url = (v: string) => {
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
      return v.replace(/\/+$/, '');
    } catch {
      throw new InvalidArgumentError('a horde URL looks like https://aihorde.net/api');
    }
  };
  return new Command('serve')
    .description('Run Horde Desktop headless and serve its window on loopback')
    .option('--port <n>', 'port for the window (0 = any free port)', port, 0)
    .option('--host <addr>', 'loopback address to listen on', host, '127.0.0.1')
    .option('--data <dir>', 'data folder (settings, journal, embedded horde database)')
    .option('--models <dir>', 'models folder (default <data>/models)')
    .option('--horde <url>', 'use this horde instead of the embedded one (e.g. https://aihorde.net/api)', url)
    .option('--no-worker', 'do not run the worker (request only)')
    .option('--worker-name <name>', 'the worker name shown on the horde')
    .option('--model <name>', 'the text model to serve (default: the first one found)')
    .option('--no-build', 'do not build the window when dist/renderer is missing')
    .parse(argv)
    .opts<Flags>();
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32')
    return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'horde-desktop');
  if (platform === 'darwin')
    return path.join(os.homedir(), 'Library', 'Application Support', 'horde-desktop');
  return path.join(env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'horde-desktop');
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

async function main(): Promise<void> {
  const flags = parseFlags(process.argv);
  const dataDir = path.resolve(flags.data ?? defaultDataDir());
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const version = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;

  const defaults: Settings = {
    horde: { mode: 'embedded' },
    // A flag also becomes the default the Settings screen shows until the user saves their own.
    workerName: (flags.workerName ?? `Horde Desktop ${os.hostname()}`).slice(0, 100),
    modelsDir: path.resolve(flags.models ?? path.join(dataDir, 'models')),
    threads: 0,
    memoryMb: 0,
    lanSharing: false,
    idle: SERVE_IDLE_POLICY,
    theme: 'system',
  };
  const catalogDir = (): string => path.resolve(flags.models ?? backend.settings.get().modelsDir);
  const catalog: ModelCatalog = new ModelCatalog(() => scanForCatalog(catalogDir()));
  const backend: BridgeBackend = new BridgeBackend({
    dataDir,
    version,
    shell: 'serve',
    settingsDefaults: defaults,
    secrets: new FileSecretStore(path.join(dataDir, 'secrets.json')),
    models: catalog,
    log,
  });
  await backend.load();
  const settings = backend.settings.get();

  // Flags win for this run; the saved settings are left as the user made them.
  let horde: Horde | null = null;
  let hordeTarget: { mode: HordeMode; url: string };
  const chosen =
    flags.horde ??
    (settings.horde.mode === 'public'
      ? PUBLIC_HORDE
      : settings.horde.mode === 'custom'
        ? settings.horde.url
        : null);
  if (chosen) {
    hordeTarget = { mode: chosen === PUBLIC_HORDE ? 'public' : 'custom', url: chosen };
  } else {
    horde = await startHorde({
      dbPath: path.join(dataDir, 'horde.sqlite'),
      port: 0,
      lan: settings.lanSharing,
    });
    const owner = horde.admin.ensureOwner(ownerName(), backend.credentials.storedOwnerKey);
    await backend.credentials.setOwnerKey(owner.apikey);
    hordeTarget = { mode: 'embedded', url: horde.url };
  }

  const slot = flags.worker ? new WorkerSlot() : null;
  backend.start({ horde: hordeTarget, worker: slot });

  const renderer = await ensureRenderer(ROOT, { build: flags.build });
  if (renderer.dir === null) log.warn(`serving a placeholder page: ${renderer.reason}`);
  const server = new BridgeServer({
    handlers: backend.handlers,
    bus: backend.bus,
    token: randomBytes(32).toString('base64url'),
    host: flags.host,
    port: flags.port,
    rendererDir: renderer.dir,
    log,
  });
  const url = await server.start();

  let stopping = false;
  let launched: LaunchedWorker | null = null;
  // The AI Horde refuses anonymous workers (AnonForbiddenWorker): say what to do instead of failing in a loop.
  const anonymousElsewhere =
    hordeTarget.mode !== 'embedded' && backend.credentials.current() === ANONYMOUS_API_KEY;
  if (slot && anonymousElsewhere) {
    slot.setReason('stopped', 'Set your API key in Settings (then restart) to earn kudos on this horde');
  }
  const launching =
    slot && !anonymousElsewhere
      ? launchWorker({
          hordeUrl: hordeTarget.url,
          apiKey: backend.credentials.current(),
          name: flags.workerName ?? settings.workerName,
          modelsDir: catalogDir(),
          ...(flags.model ? { textModel: flags.model } : {}),
          threads: settings.threads,
          memoryMb: settings.memoryMb,
          policy: workerPolicy(settings),
          catalog,
          slot,
          onJobDone: (job) => {
            if (job.state !== 'ok') return;
            void backend
              .recordEarned({ id: job.id, reward: job.reward, kind: job.kind, model: job.model })
              .catch((e: unknown) => log.warn('could not record an earned job', e));
          },
          cancelled: () => stopping,
          log,
        })
          .then((w) => {
            launched = w;
          })
          .catch((e: unknown) => {
            slot.setReason('error', 'The worker could not start', e instanceof Error ? e.message : String(e));
            log.warn('the worker could not start', e);
          })
      : Promise.resolve();

  console.log(`Horde Desktop is running at ${url}`);
  console.log(`  data: ${dataDir}`);
  console.log(`  horde: ${hordeTarget.mode} ${hordeTarget.url}`);
  if (!slot) console.log('  worker: off');

  const shutdown = async (signal: string) => {
    if (stopping) {
      console.error(`${signal} again: exiting without a clean shutdown`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: shutting down…`);
    const force = setTimeout(() => {
      console.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    try {
      // The window first (no new calls), then the worker reports its job, then the horde closes its database.
      await server.stop();
      await launching;
      await (launched as LaunchedWorker | null)?.stop();
      await backend.stop();
      await horde?.close();
      console.log('stopped');
      process.exit(0);
    } catch (e) {
      console.error('shutdown failed:', e);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(`Horde Desktop could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
