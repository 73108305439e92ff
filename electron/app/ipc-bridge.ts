import type {
  BridgeChannel,
  BridgeEventName,
  BridgeEvents,
  BridgeHandlers,
  EventMessage,
  HordeBridge,
  InvokeArgs,
  InvokeResponse,
} from '../../shared/bridge/contract';
import {
  IPC_EVENT_CHANNEL,
  IPC_INVOKE_PREFIX,
  isBridgeChannel,
  isBridgeEvent,
} from '../../shared/bridge/channels';
import { bridgeError } from '../../shared/bridge/errors';

/** The part of ipcRenderer the preload uses, so the bridge logic is tested without Electron. */
export interface RendererIpc {
  invoke(channel: string, arg: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
}

function isEventMessage(message: unknown): message is EventMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { event?: unknown }).event === 'string'
  );
}

/**
 * The object the preload exposes as window.hordeBridge. It sends only the contract's channels,
 * never hands the page an IpcRendererEvent (which would reach ipcRenderer itself), and turns
 * the main side's envelope back into a resolved value or a rejected BridgeError.
 */
export function createIpcBridge(ipc: RendererIpc) {
  return {
    invoke<K extends BridgeChannel>(channel: K, ...args: InvokeArgs<K>): ReturnType<BridgeHandlers[K]> {
      // The page could pass anything at runtime; the type says only what well-behaved code sends.
      const name: string = channel;
      const reply = isBridgeChannel(name)
        ? ipc.invoke(`${IPC_INVOKE_PREFIX}${name}`, args[0]).then((raw) => {
            const envelope = raw as InvokeResponse<unknown>;
            if (envelope.ok) return envelope.result;
            throw envelope.error;
          })
        : Promise.reject(bridgeError('UnknownChannel', `unknown bridge channel: ${name}`));
      // The main side answers this channel with its contract result type.
      return reply as ReturnType<BridgeHandlers[K]>;
    },

    listen<E extends BridgeEventName>(event: E, cb: (payload: BridgeEvents[E]) => void): () => void {
      const name: string = event;
      if (!isBridgeEvent(name)) throw bridgeError('UnknownChannel', `unknown bridge event: ${name}`);
      const listener = (_event: unknown, message: unknown) => {
        if (isEventMessage(message) && message.event === event) cb(message.payload as BridgeEvents[E]);
      };
      ipc.on(IPC_EVENT_CHANNEL, listener);
      return () => {
        ipc.removeListener(IPC_EVENT_CHANNEL, listener);
      };
    },
  } satisfies HordeBridge;
}
