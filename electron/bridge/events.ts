import type { BridgeEventName, BridgeEvents, EventMessage } from '../../shared/bridge/contract';

type Listener = (message: EventMessage) => void;

/**
 * Main → window pushes, transport-free: the HTTP server forwards each message
 * to its WebSockets, the Electron shell to its window's webContents.
 */
export class BridgeEventBus {
  private readonly listeners = new Set<Listener>();

  emit<E extends BridgeEventName>(event: E, payload: BridgeEvents[E]): void {
    const message = { event, payload } as EventMessage;
    for (const l of this.listeners) {
      try {
        l(message);
      } catch {
        // One broken transport must not stop the others.
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
