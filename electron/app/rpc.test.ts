import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcClosedError, RpcPeer, type RpcPort } from './rpc';

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

const channels: MessageChannel[] = [];
function pair(): [RpcPeer, RpcPeer] {
  const channel = new MessageChannel();
  channels.push(channel);
  return [new RpcPeer(wrap(channel.port1)), new RpcPeer(wrap(channel.port2))];
}
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

describe('RPC between main and the services process', () => {
  it('calls a method on the other side and gets its answer, both ways', async () => {
    const [main, services] = pair();
    services.handle('bridge:invoke', async (arg: { channel: string }) => ({ ok: true, result: arg.channel }));
    main.handle('secret:get', (name: string) => (name === 'apiKey' ? 'k-123' : null));
    await expect(main.call('bridge:invoke', { channel: 'account:get' })).resolves.toEqual({
      ok: true,
      result: 'account:get',
    });
    await expect(services.call('secret:get', 'apiKey')).resolves.toBe('k-123');
  });

  it('answers many overlapping calls each with its own result', async () => {
    const [main, services] = pair();
    services.handle('double', async (n: number) => {
      await new Promise((r) => setImmediate(r));
      return n * 2;
    });
    await expect(Promise.all([1, 2, 3, 4].map((n) => main.call('double', n)))).resolves.toEqual([2, 4, 6, 8]);
  });

  it('rejects with the error the other side threw, keeping a horde rc', async () => {
    const [main, services] = pair();
    services.handle('transfer', () => {
      throw { rc: 'KudosTransferToAnon', message: 'no kudos to anonymous', stack: 'secret' };
    });
    await expect(main.call('transfer')).rejects.toEqual({
      rc: 'KudosTransferToAnon',
      message: 'no kudos to anonymous',
    });
    await expect(main.call('nope')).rejects.toMatchObject({ message: 'no such method: nope' });
  });

  it('delivers notifications', async () => {
    const [main, services] = pair();
    const got = new Promise((resolve) => main.onNotify('event', resolve));
    services.notify('event', { event: 'worker:stats', payload: { state: 'running' } });
    await expect(got).resolves.toEqual({ event: 'worker:stats', payload: { state: 'running' } });
  });

  it('fails calls in flight when the other process goes away, and later calls at once', async () => {
    const [main, services] = pair();
    services.handle('slow', () => new Promise(() => {}));
    const inFlight = main.call('slow');
    main.close();
    await expect(inFlight).rejects.toBeInstanceOf(RpcClosedError);
    await expect(main.call('slow')).rejects.toBeInstanceOf(RpcClosedError);
  });
});
