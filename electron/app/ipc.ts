import { ipcMain, type WebContents } from 'electron';
import type { BridgeEventName, BridgeEvents, EventMessage } from '../../shared/bridge/contract';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_PREFIX } from '../../shared/bridge/channels';
import type { IpcTable } from './ipc-table';

/** Registers every channel of the table with ipcMain; the table decides, this only reads the sender frame. */
export function registerBridgeIpc(table: IpcTable): () => void {
  for (const channel of table.channels) {
    ipcMain.handle(`${IPC_INVOKE_PREFIX}${channel}`, (event, arg: unknown) => {
      const frame = event.senderFrame;
      return table.handle(
        channel,
        { url: frame?.url, isMainFrame: frame !== null && frame.parent === null },
        arg,
      );
    });
  }
  return () => {
    for (const channel of table.channels) ipcMain.removeHandler(`${IPC_INVOKE_PREFIX}${channel}`);
  };
}

export function sendBridgeEvent<E extends BridgeEventName>(
  contents: WebContents | undefined,
  event: E,
  payload: BridgeEvents[E],
): void {
  if (contents === undefined || contents.isDestroyed()) return;
  const message: EventMessage<E> = { event, payload };
  contents.send(IPC_EVENT_CHANNEL, message);
}
