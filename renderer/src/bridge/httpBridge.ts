import type {
  BridgeArg,
  BridgeChannel,
  BridgeError,
  BridgeEventName,
  BridgeEvents,
  EventMessage,
  HordeBridge,
  InvokeResponse,
} from '../../../shared/bridge/contract';

/** rc for "the app's own bridge server did not answer" (the horde's codes come from the server). */
export const APP_UNREACHABLE_RC = 'AppUnreachable';

export interface HttpBridgeOptions {
  /** Origin of the serve process, e.g. "http://127.0.0.1:5173"; the page's own origin by default. */
  origin: string;
  /** The per-run secret from `<meta name="bridge-token">`. */
  token: string;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
  /** Reconnect delays grow from `minDelayMs` to `maxDelayMs`, doubling each failed attempt. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** Reads the token serve mode writes into the page it serves. */
export function readBridgeToken(doc: Document = document): string {
  return doc.querySelector<HTMLMetaElement>('meta[name="bridge-token"]')?.content ?? '';
}

function bridgeError(rc: string, message: string, hint?: string): BridgeError {
  return hint === undefined ? { rc, message } : { rc, message, hint };
}

type Listener = (payload: never) => void;

/**
 * Serve mode: calls are `POST /bridge/invoke/<channel>` with `{arg}` and the token header; events
 * arrive on one WebSocket, reopened with back-off when it drops (e.g. serve restarted).
 */
export function httpBridge(opts: HttpBridgeOptions): HordeBridge {
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const WS = opts.WebSocket ?? globalThis.WebSocket;
  const minDelay = opts.minDelayMs ?? 500;
  const maxDelay = opts.maxDelayMs ?? 10_000;
  const listeners = new Map<BridgeEventName, Set<Listener>>();
  let socket: WebSocket | undefined;
  let delay = minDelay;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  async function invoke<K extends BridgeChannel>(channel: K, arg: BridgeArg<K>) {
    let res: Response;
    try {
      res = await doFetch(`${opts.origin}/bridge/invoke/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bridge-token': opts.token },
        body: JSON.stringify({ arg: arg ?? null }),
      });
    } catch (e) {
      throw bridgeError(
        APP_UNREACHABLE_RC,
        `The app did not answer (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    let body: InvokeResponse<unknown>;
    try {
      // The server's wire format is InvokeResponse; anything else is reported below.
      body = (await res.json()) as InvokeResponse<unknown>;
    } catch {
      throw bridgeError('Internal', `The app answered ${res.status} without a readable body`);
    }
    if (body && body.ok === true) return body.result;
    if (body && body.ok === false && body.error) throw body.error;
    throw bridgeError('Internal', `The app answered ${res.status} with an unexpected body`);
  }

  function connect(): void {
    if (socket || listeners.size === 0) return;
    const wsOrigin = opts.origin.replace(/^http/, 'ws');
    const ws = new WS(`${wsOrigin}/bridge/events?token=${encodeURIComponent(opts.token)}`);
    socket = ws;
    ws.onopen = () => {
      delay = minDelay;
    };
    ws.onmessage = (msg: MessageEvent) => {
      let parsed: EventMessage;
      try {
        parsed = JSON.parse(String(msg.data)) as EventMessage;
      } catch {
        return; // a malformed frame is dropped; the next stats push supersedes it anyway
      }
      for (const cb of listeners.get(parsed.event) ?? []) (cb as (p: unknown) => void)(parsed.payload);
    };
    ws.onclose = () => {
      socket = undefined;
      if (listeners.size === 0) return;
      reconnectTimer = setTimeout(() => {
        reconnectTimer = undefined;
        connect();
      }, delay);
      delay = Math.min(maxDelay, delay * 2);
    };
    // onerror is always followed by onclose, which reconnects.
  }

  function listen<E extends BridgeEventName>(event: E, cb: (payload: BridgeEvents[E]) => void) {
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
    }
    set.add(cb as Listener);
    connect();
    return () => {
      set.delete(cb as Listener);
      if (set.size === 0) listeners.delete(event);
      if (listeners.size === 0) {
        if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
        reconnectTimer = undefined;
        socket?.close();
        socket = undefined;
      }
    };
  }

  // The generic signature cannot be checked through the runtime dispatch above; the wire format is
  // what ties each channel to its result type.
  return { invoke: invoke as HordeBridge['invoke'], listen } satisfies HordeBridge;
}
