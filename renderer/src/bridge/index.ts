import type { HordeBridge } from '../../../shared/bridge/contract';
import { httpBridge, readBridgeToken } from './httpBridge';
import { ipcBridge } from './ipc';

/** Electron's preload bridge when present, else the serve-mode HTTP bridge of the page's origin. */
export function pickBridge(): HordeBridge {
  return ipcBridge() ?? httpBridge({ origin: window.location.origin, token: readBridgeToken() });
}

export type { HordeBridge };
