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
import { PUBLIC_HORDE_URL } from '../shared/api/common';
import { BridgeServer } from './bridge/http-server';
import { ensureRenderer } from './bridge/renderer-build';
import { FileSecretStore } from './bridge/secret-store';
import { composeServices, type ServiceLog } from './compose';
import { DamagedHordeDatabase } from './horde/index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
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
  catalog?: string;
  build: boolean;
  ifHordeDamaged?: 'restore' | 'new';
  lanHost?: string;
  mdns: boolean;
}

const log: ServiceLog = {
  // Serve prints its own summary lines; the services' progress notes stay quiet.
  info: () => {},
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
      throw new InvalidArgumentError(`a horde URL looks like ${PUBLIC_HORDE_URL}`);
    }
  };
  return new Command('serve')
    .description('Run Horde Desktop headless and serve its window on loopback')
    .option('--port <n>', 'port for the window (0 = any free port)', port, 0)
    .option('--host <addr>', 'loopback address to listen on', host, '127.0.0.1')
    .option('--data <dir>', 'data folder (settings, journal, embedded horde database)')
    .option('--models <dir>', 'models folder (default <data>/models)')
    .option('--horde <url>', `use this horde instead of the embedded one (e.g. ${PUBLIC_HORDE_URL})`, url)
    .option('--no-worker', 'do not run the worker (request only)')
    .option('--worker-name <name>', 'the worker name shown on the horde')
    .option('--model <name>', 'the text model to serve (default: the first one found)')
    .option('--catalog <file>', 'a model catalog file whose entries are added to the built-in catalog')
    .option('--no-build', 'do not build the window when dist/renderer is missing')
    .option(
      '--if-horde-damaged <choice>',
      "the embedded horde's database is empty or damaged: restore (its newest backup) or new (a new horde); the old file is kept",
      (v: string) => {
        if (v !== 'restore' && v !== 'new') throw new InvalidArgumentError('restore or new');
        return v;
      },
    )
    .option('--lan-host <addr>', 'with LAN sharing on: the one address the horde listens on (default all)')
    .option('--no-mdns', 'do not announce or look for hordes on the network (mDNS)')
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

async function main(): Promise<void> {
  const flags = parseFlags(process.argv);
  const dataDir = path.resolve(flags.data ?? defaultDataDir());
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const version = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;

  const services = await composeServices({
    shell: 'serve',
    dataDir,
    version,
    secrets: new FileSecretStore(path.join(dataDir, 'secrets.json')),
    log,
    // No idle or power signals in a terminal: the worker earns always.
    idleSignals: false,
    overrides: {
      ...(flags.horde ? { hordeUrl: flags.horde } : {}),
      ...(flags.workerName ? { workerName: flags.workerName } : {}),
      ...(flags.models ? { modelsDir: flags.models } : {}),
      ...(flags.model ? { textModel: flags.model } : {}),
      ...(flags.catalog ? { catalogFile: path.resolve(flags.catalog) } : {}),
      ...(flags.ifHordeDamaged ? { ifHordeDamaged: flags.ifHordeDamaged } : {}),
      worker: flags.worker,
      ...(flags.lanHost ? { lanHost: flags.lanHost } : {}),
      mdns: flags.mdns,
    },
  });
  const { horde } = services.run;

  const renderer = await ensureRenderer(ROOT, { build: flags.build });
  if (renderer.dir === null) log.warn(`serving a placeholder page: ${renderer.reason}`);
  const server = new BridgeServer({
    handlers: services.handlers,
    bus: { subscribe: services.subscribe },
    token: randomBytes(32).toString('base64url'),
    host: flags.host,
    port: flags.port,
    rendererDir: renderer.dir,
    log,
  });
  const url = await server.start();

  let stopping = false;
  console.log(`Horde Desktop is running at ${url}`);
  console.log(`  data: ${dataDir}`);
  console.log(`  horde: ${horde.mode} ${horde.url}`);
  if (!services.run.workerEnabled) console.log('  worker: off');

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
      // The window first (no new calls), then the services in their order: the worker reports its
      // job, the horde closes its database last.
      await server.stop();
      const report = await services.shutdown();
      for (const error of report.errors) console.error(`shutdown: ${error}`);
      if (report.errors.length > 0) process.exit(1);
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
  if (e instanceof DamagedHordeDatabase) {
    console.error(e.hint);
    console.error(
      e.backups.length > 0
        ? 'Start again with --if-horde-damaged restore (the newest backup) or --if-horde-damaged new (a new horde).'
        : 'Start again with --if-horde-damaged new to start a new horde.',
    );
  }
  process.exit(1);
});
