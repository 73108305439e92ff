import { describe, expect, it } from 'vitest';
import type { WorkerStats } from '../../shared/bridge/contract';
import { createIpcBridge, type RendererIpc } from './ipc-bridge';

type Listener = (event: unknown, message: unknown) => void;

function fakeIpc(answer: (channel: string, arg: unknown) => unknown) {
  const sent: [string, unknown][] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: RendererIpc = {
    invoke: async (channel, arg) => {
      sent.push([channel, arg]);
      return answer(channel, arg);
    },
    on: (channel, listener) => {
      listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener));
    },
    removeListener: (channel, listener) => {
      listeners.get(channel)?.delete(listener);
    },
  };
  const push = (message: unknown) => {
    for (const l of listeners.get('bridge:event') ?? []) l({ sender: 'ipcRenderer internals' }, message);
  };
  return { ipc, sent, push };
}

describe('preload bridge', () => {
  it('sends a known channel under the bridge prefix and resolves with the result', async () => {
    const { ipc, sent } = fakeIpc(() => ({ ok: true, result: { apiKeyMasked: '••••••abcd' } }));
    const bridge = createIpcBridge(ipc);
    await expect(bridge.invoke('settings:setApiKey', { apiKey: 'secret-key-abcd' })).resolves.toEqual({
      apiKeyMasked: '••••••abcd',
    });
    expect(sent).toEqual([['bridge:settings:setApiKey', { apiKey: 'secret-key-abcd' }]]);
  });

  it('rejects with the BridgeError the main side sent', async () => {
    const error = { rc: 'KudosUpfront', message: 'needs upfront kudos', hint: 'earn first' };
    const bridge = createIpcBridge(fakeIpc(() => ({ ok: false, error })).ipc);
    await expect(bridge.invoke('account:get')).rejects.toEqual(error);
  });

  it('never sends a channel outside the contract', async () => {
    const { ipc, sent } = fakeIpc(() => ({ ok: true, result: null }));
    const bridge = createIpcBridge(ipc) as unknown as { invoke(c: string, a?: unknown): Promise<unknown> };
    await expect(bridge.invoke('fs:readFile', '/etc/passwd')).rejects.toMatchObject({ rc: 'UnknownChannel' });
    expect(sent).toEqual([]);
  });

  it('delivers only the subscribed event, without the IPC event object, until unsubscribed', () => {
    const { ipc, push } = fakeIpc(() => undefined);
    const bridge = createIpcBridge(ipc);
    const got: unknown[] = [];
    const stop = bridge.listen('worker:stats', (stats: WorkerStats) => got.push(stats));
    push({ event: 'account:changed', payload: { kudos: 1 } });
    push({ event: 'worker:stats', payload: { state: 'running' } });
    stop();
    push({ event: 'worker:stats', payload: { state: 'paused' } });
    expect(got).toEqual([{ state: 'running' }]);
  });

  it('refuses to listen to an unknown event', () => {
    const bridge = createIpcBridge(fakeIpc(() => undefined).ipc) as unknown as {
      listen(e: string, cb: () => void): () => void;
    };
    expect(() => bridge.listen('ipc:raw', () => {})).toThrow();
  });
});
