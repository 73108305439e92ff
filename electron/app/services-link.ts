/**
 * The services (horde, worker, bridge backend) run in an Electron utility process so that
 * inference, SQLite and the horde's HTTP server never hold up the main process, which
 * draws the tray and answers the window. This is the conversation between the two, over
 * RpcPeer: the main side validates the window's calls and forwards them; the services side
 * borrows from main what only main has — safeStorage and the hidden WebGPU window.
 */
import type {
  BridgeChannel,
  BridgeHandlers,
  EventMessage,
  InvokeResponse,
} from '../../shared/bridge/contract';
import { BRIDGE_CHANNELS, isBridgeChannel } from '../../shared/bridge/channels';
import { bridgeError, toBridgeError, withHint } from '../../shared/bridge/errors';
import type { IdleSignals } from '../../shared/worker/stats';
import type { SecretName, SecretStore } from '../bridge/secret-store';
import type { ShutdownReport } from './lifecycle';
import type { RpcPeer } from './rpc';
import type { AppServices, InferenceHost, ServiceLog } from './services';

/** What main gives the services process at start. */
export interface ServicesInit {
  dataDir: string;
  version: string;
  /** Main can host the WebGPU window. */
  inference: boolean;
  enginePageScript?: string;
  /** The user's answer to a damaged embedded horde database (see damaged-horde.ts). */
  ifHordeDamaged?: 'restore' | 'new';
}

export type ComposeServices = (options: {
  init: ServicesInit;
  secrets: SecretStore;
  inferenceHost?: InferenceHost;
  /** Main's native folder picker (Models → Add a folder); null when the user cancels. */
  pickFolder: () => Promise<string | null>;
  log: ServiceLog;
}) => Promise<AppServices>;

/** Main's side of the WebGPU window: evaluate gets the function's source, as executeJavaScript needs. */
export interface InferenceWindow {
  open(url: string): Promise<void>;
  evaluateSource(source: string, arg: unknown): Promise<unknown>;
  close(): Promise<void>;
}

// ─── services side ───────────────────────────────────────────────────────

/** Runs in the utility process: builds the services and answers main. */
export function serveServices(peer: RpcPeer, compose: ComposeServices): void {
  const log: ServiceLog = {
    info: (message) => peer.notify('log', { level: 'info', message }),
    warn: (message, err) =>
      peer.notify('log', {
        level: 'warn',
        message:
          err === undefined
            ? message
            : `${message}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      }),
  };
  const secrets: SecretStore = {
    get: (name: SecretName) => peer.call<string | null>('secrets:get', name),
    set: (name: SecretName, value: string | null) => peer.call<void>('secrets:set', { name, value }),
  };
  const inferenceHost: InferenceHost = {
    open: (url) => peer.call<void>('inference:open', url),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      peer.call<R>('inference:evaluate', { source: fn.toString(), arg }),
    close: () => peer.call<void>('inference:close'),
  };
  const pickFolder = (): Promise<string | null> => peer.call<string | null>('dialog:pickFolder');

  // Calls that arrive before start (the window loads fast) wait for the services, not fail.
  let resolveServices: (services: Promise<AppServices>) => void = () => {};
  const services = new Promise<AppServices>((resolve) => {
    resolveServices = resolve;
  });
  let starting: Promise<AppServices> | undefined;
  peer.handle('services:start', async (init: ServicesInit) => {
    if (!starting) {
      starting = compose({ init, secrets, log, pickFolder, ...(init.inference ? { inferenceHost } : {}) });
      resolveServices(starting);
      (await starting).subscribe((message) => peer.notify('bridge:event', message));
    }
    await starting;
  });
  const started = (): Promise<AppServices> => services;

  peer.handle(
    'bridge:invoke',
    async ({ channel, arg }: { channel: string; arg: unknown }): Promise<InvokeResponse<unknown>> => {
      if (!isBridgeChannel(channel))
        return { ok: false, error: bridgeError('UnknownChannel', `unknown bridge channel: ${channel}`) };
      try {
        const handler = (await started()).handlers[channel] as (arg: unknown) => Promise<unknown>;
        return { ok: true, result: await handler(arg) };
      } catch (err) {
        if (toBridgeError(err).rc === 'Internal') log.warn(`bridge ${channel} failed`, err);
        return { ok: false, error: withHint(toBridgeError(err)) };
      }
    },
  );
  peer.onNotify(
    'worker:signals',
    (signals: Partial<IdleSignals>) => void started().then((s) => s.setSignals(signals)),
  );
  peer.onNotify('worker:reconnect', () => void started().then((s) => s.reconnect()));
  peer.onNotify('worker:suspend', () => void started().then((s) => s.suspend()));
  peer.handle('services:shutdown', async (): Promise<ShutdownReport> => {
    if (!starting) return { job: 'none', errors: [] };
    return (await starting).shutdown();
  });
}

// ─── main side ───────────────────────────────────────────────────────────

export interface ServicesClient {
  /** Resolves once the services are up (horde listening, worker started). */
  start(init: ServicesInit): Promise<void>;
  /** The bridge handlers as main's IPC table sees them: each call crosses to the services. */
  handlers: BridgeHandlers;
  onEvent(listener: (message: EventMessage) => void): () => void;
  setSignals(signals: Partial<IdleSignals>): void;
  reconnect(): void;
  /** The machine is about to sleep. */
  suspend(): void;
  shutdown(): Promise<ShutdownReport>;
}

export interface MainSide {
  secrets: SecretStore;
  inference?: InferenceWindow;
  /** The native folder picker; without one (tests, a headless main) the services are told "none chosen". */
  pickFolder?: () => Promise<string | null>;
  log(level: 'info' | 'warn', message: string): void;
}

export function connectServices(peer: RpcPeer, main: MainSide): ServicesClient {
  peer.handle('secrets:get', (name: SecretName) => main.secrets.get(name));
  peer.handle('secrets:set', ({ name, value }: { name: SecretName; value: string | null }) =>
    main.secrets.set(name, value),
  );
  const inference = main.inference;
  const noWindow = () => Promise.reject(new Error('no inference window in this process'));
  peer.handle('inference:open', (url: string) => (inference ? inference.open(url) : noWindow()));
  peer.handle('inference:evaluate', ({ source, arg }: { source: string; arg: unknown }) =>
    inference ? inference.evaluateSource(source, arg) : noWindow(),
  );
  peer.handle('inference:close', () => inference?.close());
  peer.handle('dialog:pickFolder', async () => (main.pickFolder ? await main.pickFolder() : null));
  peer.onNotify('log', ({ level, message }: { level: 'info' | 'warn'; message: string }) =>
    main.log(level, message),
  );

  const listeners = new Set<(message: EventMessage) => void>();
  peer.onNotify('bridge:event', (message: EventMessage) => {
    for (const l of listeners) l(message);
  });

  const invoke = async (channel: BridgeChannel, arg: unknown): Promise<unknown> => {
    const reply = await peer
      .call<InvokeResponse<unknown>>('bridge:invoke', { channel, arg })
      .catch((err: unknown) => {
        // The services process died or is restarting: a BridgeError the window can show.
        throw bridgeError(
          'Internal',
          `The app's background services are not running (${String((err as Error)?.message ?? err)}).`,
        );
      });
    if (reply.ok) return reply.result;
    throw reply.error;
  };
  // Same channel list as the contract; each entry forwards to the services process.
  const handlers = Object.fromEntries(
    BRIDGE_CHANNELS.map((channel) => [channel, (arg: unknown) => invoke(channel, arg)]),
  ) as unknown as BridgeHandlers;

  return {
    start: (init) => peer.call<void>('services:start', init),
    handlers,
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setSignals: (signals) => peer.notify('worker:signals', signals),
    reconnect: () => peer.notify('worker:reconnect'),
    suspend: () => peer.notify('worker:suspend'),
    shutdown: () => peer.call<ShutdownReport>('services:shutdown'),
  };
}
