import type { HordeBridge } from '../../../shared/bridge/contract';

declare global {
  interface Window {
    /** Exposed by the Electron preload through contextBridge; absent in a plain browser. */
    hordeBridge?: HordeBridge;
  }
}

/** The Electron bridge is the preload's object itself: it already speaks the contract. */
export function ipcBridge(): HordeBridge | undefined {
  return window.hordeBridge;
}
