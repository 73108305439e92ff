import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeHandlers, EventMessage } from '../../shared/bridge/contract';
import type { IdleSignals } from '../../shared/worker/stats';
import { MemorySecretStore } from '../bridge/secret-store';
import { RpcPeer, type RpcPort } from './rpc';
import type { AppServices } from './services';
import { connectServices, serveServices, type ComposeServices, type InferenceWindow } from './services-link';

function wrap(port: MessagePort): RpcPort {
  return {
    postMessage: (m) => port.postMessage(m),
    onMessage: (listener) => {
      const l = (m: unknown) => listener(m);
      port.on('message', l);
      return () => port.off('message', l);
    },
  };
}

const open: MessageChannel[] = [];
afterEach(() => {
  for (const c of open.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function setup(
  extra: { inference?: boolean; imageInference?: boolean; pickFolder?: () => Promise<string | null> } = {},
) {
  const channel = new MessageChannel();
  open.push(channel);
  const signals: Partial<IdleSignals>[] = [];
  const emitters: ((m: EventMessage) => void)[] = [];
  const mainSecrets = new MemorySecretStore();
  const logs: string[] = [];
  const evaluated: { source: string; arg: unknown }[] = [];
  const windowCalls: string[] = [];
  let reconnects = 0;

  const compose: ComposeServices = async ({ secrets, inferenceHost, imageHost, pickFolder, log }) => {
    log.info('composing');
    const services: AppServices = {
      handlers: {
        'settings:setApiKey': async ({ apiKey }: { apiKey: string | null }) => {
          await secrets.set('apiKey', apiKey);
          return { apiKeyMasked: apiKey ? '••••••' : null };
        },
        'account:get': async () => {
          throw { rc: 'InvalidAPIKey', message: 'The horde does not know this key' };
        },
        'models:pickFolder': async () => ({ path: await pickFolder() }),
        'app:info': async () => {
          const doubled = await inferenceHost?.evaluate((n: number) => n * 2, 21);
          return { version: String(doubled) };
        },
        // Stands in for the image loader: opens the SD page in the image window and asks it.
        'images:models': async () => {
          await imageHost?.open('http://127.0.0.1:1/engine/sd/');
          const backend = await imageHost?.evaluate((b: string) => `${b} in the page`, 'webgpu');
          await imageHost?.close();
          return [{ name: String(backend), count: 1, queued: 0, eta: 0, nativeSide: 512 }];
        },
      } as unknown as BridgeHandlers,
      subscribe: (l) => {
        emitters.push(l);
        return () => {};
      },
      setSignals: (s) => signals.push(s),
      reconnect: () => {
        reconnects += 1;
      },
      suspend: () => {},
      shutdown: async () => ({ job: 'finished', jobId: 'job-7', errors: [] }),
    };
    return services;
  };

  function fakeWindow(name: string): InferenceWindow {
    return {
      open: async (url) => {
        windowCalls.push(`${name}: open ${url}`);
      },
      close: async () => {
        windowCalls.push(`${name}: close`);
      },
      evaluateSource: async (source, arg) => {
        windowCalls.push(`${name}: evaluate`);
        evaluated.push({ source, arg });
        // Stands in for executeJavaScript in the hidden window.
        return (new Function(`return (${source})`)() as (a: unknown) => unknown)(arg);
      },
    };
  }

  serveServices(new RpcPeer(wrap(channel.port2)), compose);
  const client = connectServices(new RpcPeer(wrap(channel.port1)), {
    secrets: mainSecrets,
    log: (level, message) => logs.push(`${level}: ${message}`),
    ...(extra.pickFolder ? { pickFolder: extra.pickFolder } : {}),
    ...(extra.inference ? { inference: fakeWindow('text') } : {}),
    ...(extra.imageInference ? { imageInference: fakeWindow('image') } : {}),
  });
  const init = { dataDir: '/tmp/x', version: '0.1.0', inference: extra.inference ?? false };
  return {
    client,
    init,
    signals,
    emitters,
    mainSecrets,
    logs,
    evaluated,
    windowCalls,
    reconnects: () => reconnects,
  };
}

const flush = () => new Promise((r) => setTimeout(r, 20));

describe('main ⇄ services process', () => {
  it('forwards a window call to the services and keeps the API key in main’s keychain store', async () => {
    const s = setup();
    await s.client.start(s.init);
    await expect(s.client.handlers['settings:setApiKey']({ apiKey: 'user-key-1234' })).resolves.toEqual({
      apiKeyMasked: '••••••',
    });
    expect(await s.mainSecrets.get('apiKey')).toBe('user-key-1234');
    expect(s.logs).toContain('info: composing');
  });

  it('rejects with the horde’s BridgeError and its hint', async () => {
    const s = setup();
    await s.client.start(s.init);
    await expect(s.client.handlers['account:get']()).rejects.toMatchObject({
      rc: 'InvalidAPIKey',
      hint: expect.stringContaining('Settings'),
    });
  });

  it('answers a call made before the services finished starting, once they have', async () => {
    const s = setup();
    const early = s.client.handlers['settings:setApiKey']({ apiKey: null });
    await s.client.start(s.init);
    await expect(early).resolves.toEqual({ apiKeyMasked: null });
  });

  it('brings service events to main', async () => {
    const s = setup();
    await s.client.start(s.init);
    const got: EventMessage[] = [];
    s.client.onEvent((m) => got.push(m));
    for (const emit of s.emitters) emit({ event: 'account:changed', payload: { kudos: 12 } } as EventMessage);
    await flush();
    expect(got).toEqual([{ event: 'account:changed', payload: { kudos: 12 } }]);
  });

  it('passes power signals and resume to the worker', async () => {
    const s = setup();
    await s.client.start(s.init);
    s.client.setSignals({ idleSeconds: 600, onBattery: false });
    s.client.reconnect();
    await flush();
    expect(s.signals).toEqual([{ idleSeconds: 600, onBattery: false }]);
    expect(s.reconnects()).toBe(1);
  });

  it('runs engine calls in main’s inference window when main offers one', async () => {
    const s = setup({ inference: true });
    await s.client.start({ ...s.init, inference: true });
    await expect(s.client.handlers['app:info']()).resolves.toEqual({ version: '42' });
    expect(s.evaluated).toHaveLength(1);
  });

  it('runs the SD page in main’s second hidden window, apart from the text window', async () => {
    const s = setup({ inference: true, imageInference: true });
    await s.client.start({ ...s.init, inference: true });
    await expect(s.client.handlers['images:models']()).resolves.toMatchObject([
      { name: 'webgpu in the page' },
    ]);
    await expect(s.client.handlers['app:info']()).resolves.toEqual({ version: '42' });
    expect(s.windowCalls).toEqual([
      'image: open http://127.0.0.1:1/engine/sd/',
      'image: evaluate',
      'image: close',
      'text: evaluate',
    ]);
  });

  it('refuses the image window where main has none, without touching the text window', async () => {
    const s = setup({ inference: true });
    await s.client.start({ ...s.init, inference: true });
    await expect(s.client.handlers['images:models']()).rejects.toMatchObject({ rc: 'Internal' });
    // The services' log says why (the image loader then falls back to ONNX Runtime in Node).
    await flush();
    expect(s.logs).toContain('warn: bridge images:models failed: no image inference window in this process');
    expect(s.windowCalls).toEqual([]);
  });

  it('asks main for a folder when the Models screen wants one picked', async () => {
    const s = setup({ pickFolder: async () => '/home/ada/models/my-gpt2' });
    await s.client.start(s.init);
    await expect(s.client.handlers['models:pickFolder']()).resolves.toEqual({
      path: '/home/ada/models/my-gpt2',
    });
  });

  it('answers "none chosen" when main has no folder picker or the user cancels', async () => {
    const none = setup();
    await none.client.start(none.init);
    await expect(none.client.handlers['models:pickFolder']()).resolves.toEqual({ path: null });
    const cancelled = setup({ pickFolder: async () => null });
    await cancelled.client.start(cancelled.init);
    await expect(cancelled.client.handlers['models:pickFolder']()).resolves.toEqual({ path: null });
  });

  it('reports the running job at shutdown', async () => {
    const s = setup();
    await s.client.start(s.init);
    await expect(s.client.shutdown()).resolves.toEqual({ job: 'finished', jobId: 'job-7', errors: [] });
  });
});
