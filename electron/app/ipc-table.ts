import type { z } from 'zod';
import type { BridgeError, BridgeHandlers, InvokeResponse } from '../../shared/bridge/contract';
import { bridgeArgSchemas } from '../../shared/bridge/schemas';
import { bridgeError, toBridgeError, withHint } from '../../shared/bridge/errors';
import { isAppUrl } from './navigation';

/** What travels back over IPC: an envelope, because a rejected ipcMain.handle loses all but the message. */
export type IpcReply = InvokeResponse<unknown>;

export interface SenderInfo {
  /** The URL of the frame that sent the message; undefined when the frame is gone. */
  url: string | undefined;
  /** Only the top frame of the app window may call; the CSP already forbids frames, this holds if it fails. */
  isMainFrame: boolean;
}

/** A sender is trusted only when it is the app's own page, never a page it navigated or was redirected to. */
export function isTrustedSender(url: string | undefined, appUrl: string): boolean {
  return url !== undefined && isAppUrl(url, appUrl);
}

// The handlers take their already-validated argument; `never` lets any handler map be assigned here.
type AnyHandler = (arg: never) => Promise<unknown>;
// A mapped constraint rather than an index signature, so interfaces such as BridgeHandlers qualify.
export type HandlerMap<H> = { [K in keyof H]: AnyHandler };
export type SchemaMap<H extends HandlerMap<H>> = { [K in keyof H]: z.ZodType };

export interface IpcTableOptions<H extends HandlerMap<H>> {
  handlers: H;
  schemas: SchemaMap<H>;
  /** The page the window loads: file://…/index.html or the dev server URL. */
  appUrl: string;
  onRefused?: (channel: string, reason: string) => void;
  /** A handler failed; for the log, since the page only sees the sanitised error. */
  onError?: (channel: string, err: unknown) => void;
}

export interface IpcTable {
  readonly channels: readonly string[];
  handle(channel: string, sender: SenderInfo, arg: unknown): Promise<IpcReply>;
}

/** One wrapper for every channel: who sent it, what was sent, and the shape of a failure. */
export function createIpcTable<H extends HandlerMap<H>>(options: IpcTableOptions<H>): IpcTable {
  const { handlers, schemas, appUrl, onRefused, onError } = options;
  const channels = Object.keys(handlers) as (keyof H & string)[];
  for (const channel of channels) {
    if (schemas[channel] === undefined) throw new Error(`no argument schema for bridge channel ${channel}`);
  }
  const refuse = (channel: string, error: BridgeError): IpcReply => {
    onRefused?.(channel, error.message);
    return { ok: false, error };
  };

  return {
    channels,
    async handle(channel, sender, arg) {
      if (!Object.hasOwn(handlers, channel) || !Object.hasOwn(schemas, channel)) {
        return refuse(channel, bridgeError('UnknownChannel', `unknown bridge channel: ${channel}`));
      }
      if (!sender.isMainFrame || !isTrustedSender(sender.url, appUrl)) {
        return refuse(channel, bridgeError('Forbidden', 'this page may not use the Horde Desktop bridge'));
      }
      const schema = schemas[channel as keyof H];
      const parsed = schema.safeParse(arg);
      if (!parsed.success) {
        // Same wording as the HTTP door: the first bad field and what is wrong with it.
        const first = parsed.error.issues[0];
        const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
        return refuse(channel, bridgeError('BadArgument', `${where}${first?.message ?? 'invalid argument'}`));
      }
      // The schema for this channel vouches for the argument's type.
      const handler = handlers[channel as keyof H] as unknown as (arg: unknown) => Promise<unknown>;
      try {
        return { ok: true, result: await handler(parsed.data) };
      } catch (err) {
        // Anything but a BridgeError becomes a generic Internal: no stack or path reaches the page.
        onError?.(channel, err);
        return { ok: false, error: withHint(toBridgeError(err)) };
      }
    },
  };
}

/** The table for the app's bridge: every channel of the contract, each with the shared argument schema. */
export function createBridgeIpcTable(
  handlers: BridgeHandlers,
  appUrl: string,
  log?: Pick<IpcTableOptions<BridgeHandlers>, 'onRefused' | 'onError'>,
): IpcTable {
  return createIpcTable<BridgeHandlers>({ handlers, schemas: bridgeArgSchemas, appUrl, ...log });
}
