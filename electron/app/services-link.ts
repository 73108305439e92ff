/**
 * The services (horde, worker, bridge backend) run in an Electron utility process so that
 * inference, SQLite and the horde's HTTP server never hold up the main process, which
 * draws the tray and answers the window. This is the conversation between the two, over
 * RpcPeer: the main side validates the window's calls and forwards them; the services side
 * borrows from main what only main has — safeStorage and the hidden WebGPU windows: one for the
 * text engine page, one for the Stable Diffusion page, each asked for by name.
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

/** Main's hidden windows: `text` runs the transformers.js page, `image` the Stable Diffusion page. */
export type InferenceWindowName = 'text' | 'image';

/** What main gives the services process at start. */
export interface ServicesInit {
  dataDir: string;
  version: string;
  /** Main can host the hidden WebGPU windows. */
  inference: boolean;
  enginePageScript?: string;
  /** The prebuilt SD engine page script (dist/electron/sd-page.js) for the image window. */
  sdPageScript?: string;
  /** The user's answer to a damaged embedded horde database (see damaged-horde.ts). */
  ifHordeDamaged?: 'restore' | 'new';
}

export type ComposeServices = (options: {
  init: ServicesInit;
  secrets: SecretStore;
  inferenceHost?: InferenceHost;
  /** The second hidden window, for the Stable Diffusion page. */
  imageHost?: InferenceHost;
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

/** An error for the log; one that crossed the link from main is plain data with a message. */
function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

/** Runs in the utility process: builds the services and answers main. */
export function serveServices(peer: RpcPeer, compose: ComposeServices): void {
  const log: ServiceLog = {
    info: (message) => peer.notify('log', { level: 'info', message }),
    warn: (message, err) =>
      peer.notify('log', {
        level: 'warn',
        message: err === undefined ? message : `${message}: ${errorText(err)}`,
      }),
  };
  const secrets: SecretStore = {
    get: (name: SecretName) => peer.call<string | null>('secrets:get', name),
    set: (name: SecretName, value: string | null) => peer.call<void>('secrets:set', { name, value }),
  };
  const hostOf = (window: InferenceWindowName): InferenceHost => ({
    open: (url) => peer.call<void>('inference:open', { window, url }),
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      peer.call<R>('inference:evaluate', { window, source: fn.toString(), arg }),
    close: () => peer.call<void>('inference:close', { window }),
  });
  const pickFolder = (): Promise<string | null> => peer.call<string | null>('dialog:pickFolder');

  // Calls that arrive before start (the window loads fast) wait for the services, not fail.
  let resolveServices: (services: Promise<AppServices>) => void = () => {};
  const services = new Promise<AppServices>((resolve) => {
    resolveServices = resolve;
  });
  let starting: Promise<AppServices> | undefined;
  peer.handle('services:start', async (init: ServicesInit) => {
    if (!starting) {
      starting = compose({
        init,
        secrets,
        log,
        pickFolder,
        ...(init.inference ? { inferenceHost: hostOf('text'), imageHost: hostOf('image') } : {}),
      });
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
  /** The hidden window for the text engine page. */
  inference?: InferenceWindow;
  /** The hidden window for the Stable Diffusion page. */
  imageInference?: InferenceWindow;
  /** The native folder picker; without one (tests, a headless main) the services are told "none chosen". */
  pickFolder?: () => Promise<string | null>;
  log(level: 'info' | 'warn', message: string): void;
}

export function connectServices(peer: RpcPeer, main: MainSide): ServicesClient {
  peer.handle('secrets:get', (name: SecretName) => main.secrets.get(name));
  peer.handle('secrets:set', ({ name, value }: { name: SecretName; value: string | null }) =>
    main.secrets.set(name, value),
  );
  const windows: Record<InferenceWindowName, InferenceWindow | undefined> = {
    text: main.inference,
    image: main.imageInference,
  };
  // The name comes over the link: only the two windows main has, never a lookup of anything else.
  const windowOf = (name: unknown): InferenceWindow | undefined =>
    name === 'text' || name === 'image' ? windows[name] : undefined;
  const noWindow = (name: unknown) =>
    Promise.reject(new Error(`no ${String(name)} inference window in this process`));
  peer.handle('inference:open', ({ window, url }: { window: InferenceWindowName; url: string }) => {
    const w = windowOf(window);
    return w ? w.open(url) : noWindow(window);
  });
  peer.handle(
    'inference:evaluate',
    ({ window, source, arg }: { window: InferenceWindowName; source: string; arg: unknown }) => {
      const w = windowOf(window);
      return w ? w.evaluateSource(source, arg) : noWindow(window);
    },
  );
  peer.handle('inference:close', ({ window }: { window: InferenceWindowName }) => windowOf(window)?.close());
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
