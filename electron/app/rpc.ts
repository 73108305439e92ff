/**
 * A small two-way RPC over a message port, between the main process and the services
 * utility process: each side calls the other's methods by name and gets a promise, and
 * sends one-way notifications. Everything crossing it must be structured-cloneable.
 */

export interface RpcPort {
  postMessage(message: unknown): void;
  /** Subscribes to incoming messages (already unwrapped from the MessageEvent); returns the unsubscribe. */
  onMessage(listener: (message: unknown) => void): () => void;
}

type Message =
  | { rpc: 'call'; id: number; method: string; arg: unknown }
  | { rpc: 'reply'; id: number; ok: true; value: unknown }
  | { rpc: 'reply'; id: number; ok: false; error: RpcErrorData }
  | { rpc: 'notify'; method: string; arg: unknown };

/** An error as it crosses the port: plain data, the `code` kept for BridgeError-like errors. */
export interface RpcErrorData {
  message: string;
  rc?: string;
  hint?: string;
}

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { rpc?: unknown }).rpc === 'string';
}

function errorData(err: unknown): RpcErrorData {
  if (typeof err === 'object' && err !== null) {
    const { message, rc, hint } = err as { message?: unknown; rc?: unknown; hint?: unknown };
    const out: RpcErrorData = { message: typeof message === 'string' ? message : String(err) };
    if (typeof rc === 'string') out.rc = rc;
    if (typeof hint === 'string') out.hint = hint;
    return out;
  }
  return { message: String(err) };
}

export class RpcClosedError extends Error {
  constructor() {
    super('the other process has gone away');
  }
}

export class RpcPeer {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  private readonly handlers = new Map<string, (arg: unknown) => unknown>();
  private readonly notifyHandlers = new Map<string, (arg: unknown) => void>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly port: RpcPort,
    private readonly onUnhandled: (err: unknown) => void = () => {},
  ) {
    this.unsubscribe = port.onMessage((m) => this.receive(m));
  }

  /** Answers `method` calls from the other side; a thrown error rejects the caller's promise. */
  handle<A, R>(method: string, fn: (arg: A) => R | Promise<R>): void {
    this.handlers.set(method, fn as (arg: unknown) => unknown);
  }

  onNotify<A>(method: string, fn: (arg: A) => void): void {
    this.notifyHandlers.set(method, fn as (arg: unknown) => void);
  }

  call<R>(method: string, arg?: unknown): Promise<R> {
    if (this.closed) return Promise.reject(new RpcClosedError());
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ rpc: 'call', id, method, arg });
    });
  }

  notify(method: string, arg?: unknown): void {
    if (!this.closed) this.send({ rpc: 'notify', method, arg });
  }

  /** The other side is gone (process exit): every call in flight rejects. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const { reject } of this.pending.values()) reject(new RpcClosedError());
    this.pending.clear();
  }

  private send(message: Message): void {
    try {
      this.port.postMessage(message);
    } catch (err) {
      if (message.rpc === 'call') {
        this.pending.get(message.id)?.reject(err);
        this.pending.delete(message.id);
      } else this.onUnhandled(err);
    }
  }

  private receive(message: unknown): void {
    if (!isMessage(message)) return;
    switch (message.rpc) {
      case 'call':
        void this.answer(message.id, message.method, message.arg);
        return;
      case 'reply': {
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        if (message.ok) waiting.resolve(message.value);
        else waiting.reject(message.error);
        return;
      }
      case 'notify': {
        const fn = this.notifyHandlers.get(message.method);
        if (!fn) return;
        try {
          fn(message.arg);
        } catch (err) {
          this.onUnhandled(err);
        }
        return;
      }
    }
  }

  private async answer(id: number, method: string, arg: unknown): Promise<void> {
    const fn = this.handlers.get(method);
    if (!fn) {
      this.send({ rpc: 'reply', id, ok: false, error: { message: `no such method: ${method}` } });
      return;
    }
    try {
      this.send({ rpc: 'reply', id, ok: true, value: await fn(arg) });
    } catch (err) {
      this.send({ rpc: 'reply', id, ok: false, error: errorData(err) });
    }
  }
}
