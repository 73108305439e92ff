import { describe, expect, it } from 'vitest';
import type { RequestPrice, TextRequest } from '../../../shared/bridge/contract';
import type { GalleryImage, ImageJobView, ImageRequest } from '../../../shared/bridge/images';
import { requestKudos } from '../../../shared/kudos/pricing';
import { fakeBridge } from '../test/fakeBridge';
import * as fx from '../test/fixtures';
import { createStores, startStores } from '.';
import { asMilli, fromKudos } from '../../../shared/ledger/money';
import { milliFromHorde } from '../../../shared/bridge/kudos';

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
};

const req = (maxLength: number): TextRequest => ({
  prompt: 'Once upon a time',
  models: ['tiny-gpt2'],
  params: { max_length: maxLength, max_context_length: 1024 },
});

describe('worker store', () => {
  it('loads stats and models, then follows pushed stats', async () => {
    const bridge = fakeBridge();
    const stores = createStores(bridge);
    const stop = startStores(stores);
    await until(
      () => stores.worker.getState().stats !== null && stores.worker.getState().models !== null,
      'first load',
    );
    expect(stores.worker.getState().stats?.state).toBe('running');

    bridge.emit(
      'worker:stats',
      fx.stats({ state: 'maintenance', maintenance: { on: true, reason: 'dropped jobs' } }),
    );
    expect(stores.worker.getState().stats?.maintenance?.reason).toBe('dropped jobs');

    stop();
    expect(bridge.listenerCount('worker:stats')).toBe(0);
  });

  it('sends controls and keeps their error', async () => {
    const bridge = fakeBridge({
      'worker:control': () => Promise.reject({ rc: 'NoWorker', message: 'no worker' }),
    });
    const { worker } = createStores(bridge);
    await worker.getState().control('pause_1h');
    expect(bridge.callsTo('worker:control')).toEqual([{ action: 'pause_1h' }]);
    expect(worker.getState().actionError).toMatchObject({ rc: 'NoWorker' });
    expect(worker.getState().pending).toBeNull();
  });

  it('reports no worker as loaded with null stats', async () => {
    const { worker } = createStores(fakeBridge({ 'worker:stats': () => null }));
    await worker.getState().refresh();
    expect(worker.getState()).toMatchObject({ loaded: true, stats: null, error: null });
  });
});

describe('account store', () => {
  it('takes the balance pushed on account:changed', async () => {
    const bridge = fakeBridge();
    const stores = createStores(bridge);
    const stop = startStores(stores);
    await until(() => stores.account.getState().account !== null, 'account');
    const before = stores.account.getState().account!.kudos;
    bridge.emit(
      'account:changed',
      fx.account({ kudos: asMilli(before + 5000), available: asMilli(before + 5000) }),
    );
    expect(stores.account.getState().account?.kudos).toBe(before + 5000);
    stop();
  });
});

describe('requests store', () => {
  it('keeps only the latest quote when answers arrive out of order', async () => {
    const resolvers: ((p: RequestPrice) => void)[] = [];
    const bridge = fakeBridge({
      'requests:price': () => new Promise<RequestPrice>((r) => resolvers.push(r)),
    });
    const { requests } = createStores(bridge);
    const first = requests.getState().quote(req(100));
    const second = requests.getState().quote(req(200));
    const price = (r: TextRequest): RequestPrice => ({
      kudos: milliFromHorde(requestKudos(r)),
      available: fromKudos(50),
      after: asMilli(fromKudos(50) - milliFromHorde(requestKudos(r))),
      needsUpfront: false,
      upfront: { freeMaxLength: 512, required: fromKudos(0), short: fromKudos(0) },
      warnings: [],
    });
    resolvers[1]!(price(req(200)));
    resolvers[0]!(price(req(100)));
    await Promise.all([first, second]);
    expect(requests.getState().price.price?.kudos).toBe(milliFromHorde(requestKudos(req(200))));
    expect(requests.getState().price.pricing).toBe(false);
  });

  it('follows a submitted request by the pushed updates until it is done, then reloads the history', async () => {
    const bridge = fakeBridge({
      'requests:status': ({ id }) => fx.textStatus({ id, queuePosition: 2 }),
    });
    const stores = createStores(bridge);
    const stop = startStores(stores);
    await stores.requests.getState().submitText(req(80));
    expect(stores.requests.getState().text.id).toBe('job-1');
    // One first look at submit shows the queue position at once.
    expect(stores.requests.getState().text.status?.queuePosition).toBe(2);
    const entry = {
      id: 'job-1',
      kind: 'text' as const,
      submittedAt: 1,
      summary: 'Once upon a time',
      models: ['tiny-gpt2'],
      kudos: fromKudos(7),
      state: 'done' as const,
    };
    const historyLoads = bridge.callsTo('requests:history').length;
    bridge.emit('request:updated', {
      entry,
      text: fx.textStatus({
        id: 'job-1',
        state: 'done',
        finished: 1,
        waiting: 0,
        generations: [
          { text: 'the end', model: 'tiny-gpt2', workerName: 'w', workerId: 'w1', state: 'ok', seed: 1 },
        ],
      }),
    });
    expect(stores.requests.getState().text.status?.state).toBe('done');
    expect(stores.requests.getState().text.status?.generations[0]?.text).toBe('the end');
    await until(() => bridge.callsTo('requests:history').length > historyLoads, 'history reload');
    // The window never asked again: the push is its one source of updates.
    await new Promise((r) => setTimeout(r, 30));
    expect(bridge.callsTo('requests:status')).toHaveLength(1);
    stop();
  });

  it('keeps a refused submit as the error to explain', async () => {
    const bridge = fakeBridge({
      'requests:submitText': () => Promise.reject({ rc: 'KudosUpfront', message: 'needs kudos' }),
    });
    const { requests } = createStores(bridge);
    await requests.getState().submitText(req(4000));
    expect(requests.getState().text).toMatchObject({
      id: null,
      submitting: false,
      error: { rc: 'KudosUpfront' },
    });
  });

  it('applies request:updated pushes to the tracked request and the history', async () => {
    const bridge = fakeBridge();
    const stores = createStores(bridge);
    const stop = startStores(stores);
    await stores.requests.getState().submitText(req(80));
    const entry = {
      id: 'job-1',
      kind: 'text' as const,
      submittedAt: 1,
      summary: 'Once upon a time',
      models: ['tiny-gpt2'],
      kudos: fromKudos(7),
      state: 'processing' as const,
    };
    bridge.emit('request:updated', {
      entry,
      text: fx.textStatus({ state: 'processing', processing: 1, waiting: 0 }),
    });
    expect(stores.requests.getState().text.status?.state).toBe('processing');
    await until(() => stores.requests.getState().history !== null, 'history');
    bridge.emit('request:updated', { entry: { ...entry, state: 'done' } });
    expect(stores.requests.getState().history?.find((h) => h.id === 'job-1')?.state).toBe('done');
    stop();
  });
});

const imageJob = (over: Partial<ImageJobView> = {}): ImageJobView => ({
  id: 'img-1',
  state: 'waiting',
  n: 1,
  finished: 0,
  waiting: 1,
  processing: 0,
  restarted: 0,
  queuePosition: 3,
  waitTime: 40,
  isPossible: true,
  kudos: fromKudos(0),
  images: [],
  settled: false,
  ...over,
});

const galleryImage = (over: Partial<GalleryImage> = {}): GalleryImage => ({
  id: 'gen-1',
  requestId: 'img-1',
  createdAt: 1,
  prompt: 'a lighthouse',
  negative: '',
  model: 'tiny-sd',
  seed: '42',
  width: 64,
  height: 64,
  steps: 4,
  sampler: 'k_euler',
  cfgScale: 7,
  karras: false,
  postProcessing: [],
  censored: false,
  workerName: 'w',
  horde: 'http://127.0.0.1:1/api',
  bytes: 100,
  ...over,
});

const imageReq: ImageRequest = {
  prompt: 'a lighthouse',
  model: 'tiny-sd',
  width: 64,
  height: 64,
  steps: 4,
  sampler: 'k_euler',
  cfgScale: 7,
  n: 1,
  karras: false,
};

describe('images store', () => {
  it('follows a submitted image request by the pushed updates until it is settled, then reloads the gallery', async () => {
    let gallery: GalleryImage[] = [];
    const bridge = fakeBridge({
      'images:submit': () => ({ id: 'img-1', kudos: fromKudos(3), warnings: [] }),
      'images:status': ({ id }) => imageJob({ id }),
      'images:gallery': () => gallery,
    });
    const stores = createStores(bridge);
    const stop = startStores(stores);
    await stores.images.getState().submit(imageReq);
    // One first look at submit shows the queue position at once.
    expect(stores.images.getState().job).toMatchObject({ id: 'img-1', queuePosition: 3 });

    bridge.emit(
      'image:updated',
      imageJob({ state: 'processing', processing: 1, waiting: 0, queuePosition: 0 }),
    );
    expect(stores.images.getState().job?.state).toBe('processing');
    // A push about another request leaves the shown one alone.
    bridge.emit('image:updated', imageJob({ id: 'someone-else', state: 'done', settled: true }));
    expect(stores.images.getState().job).toMatchObject({ id: 'img-1', state: 'processing' });

    const galleryLoads = bridge.callsTo('images:gallery').length;
    gallery = [galleryImage()];
    bridge.emit(
      'image:updated',
      imageJob({ state: 'done', finished: 1, processing: 0, waiting: 0, images: gallery, settled: true }),
    );
    expect(stores.images.getState().job).toMatchObject({ state: 'done', settled: true });
    await until(() => stores.images.getState().gallery.length === 1, 'gallery reload');
    expect(bridge.callsTo('images:gallery').length).toBe(galleryLoads + 1);
    // An older push delivered late does not turn the ended request back into a waiting one.
    bridge.emit('image:updated', imageJob({ state: 'processing', processing: 1 }));
    expect(stores.images.getState().job?.state).toBe('done');

    // The window never asked again: the push is its one source of updates.
    await new Promise((r) => setTimeout(r, 30));
    expect(bridge.callsTo('images:status')).toHaveLength(1);
    stop();
    expect(bridge.listenerCount('image:updated')).toBe(0);
  });

  it('shows a cancel at once from its answer and takes the final push after it', async () => {
    const bridge = fakeBridge({
      'images:submit': () => ({ id: 'img-1', kudos: fromKudos(3), warnings: [] }),
      'images:status': ({ id }) => imageJob({ id, state: 'processing', processing: 1, waiting: 0 }),
      'images:cancel': ({ id }) => imageJob({ id, state: 'cancelled', processing: 1, waiting: 0 }),
    });
    const stores = createStores(bridge);
    const stop = startStores(stores);
    await stores.images.getState().submit(imageReq);
    await stores.images.getState().cancel();
    expect(stores.images.getState().job).toMatchObject({ state: 'cancelled', settled: false });
    bridge.emit('image:updated', imageJob({ state: 'cancelled', finished: 0, processing: 0, settled: true }));
    expect(stores.images.getState().job).toMatchObject({ state: 'cancelled', settled: true });
    await new Promise((r) => setTimeout(r, 30));
    expect(bridge.callsTo('images:status')).toHaveLength(1);
    stop();
  });
});

describe('ledger store', () => {
  it('hands the account back after a transfer and reloads the entries', async () => {
    const after = fx.account({ kudos: fromKudos(90.5), available: fromKudos(80.5) });
    const bridge = fakeBridge({
      'account:transfer': (r) => ({ transferred: r.kudos, toUsername: r.toUsername, account: after }),
    });
    const stores = createStores(bridge);
    const result = await stores.ledger
      .getState()
      .transfer({ toUsername: 'friend#2', kudos: fromKudos(10), idempotencyKey: 'k1' });
    expect(result?.transferred).toBe(fromKudos(10));
    expect(stores.account.getState().account).toEqual(after);
    await until(() => bridge.callsTo('journal:entries').length > 0, 'ledger reload');
  });
});
