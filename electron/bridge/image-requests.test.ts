import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageCheck, ImageStatus } from '../../shared/api/image';
import type { ImageJobView, ImageRequest } from '../../shared/bridge/images';
import type { HordeClient } from '../client/horde-client';
import { BridgeEventBus } from './events';
import { Gallery } from './gallery';
import { ImageRequests } from './image-requests';
import { seededWebp } from '../../test/harness/stub-image-worker';
import { imageResultBound } from '../../shared/kudos/results';
import { fromKudos } from '../../shared/ledger/money';

const check = (over: Partial<ImageCheck> = {}): ImageCheck => ({
  finished: 0,
  processing: 0,
  restarted: 0,
  waiting: 1,
  done: false,
  faulted: false,
  wait_time: 30,
  queue_position: 2,
  kudos: 0,
  is_possible: true,
  ...over,
});

const request: ImageRequest = {
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

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
};

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A horde that answers the checks it is given in turn (the last one repeats). */
async function setup(checks: ImageCheck[], status: ImageStatus) {
  const dir = await mkdtemp(path.join(tmpdir(), 'image-requests-'));
  dirs.push(dir);
  const gallery = new Gallery(dir);
  await gallery.load();
  let checked = 0;
  const client = {
    imageAsync: async () => ({ id: 'img-1', kudos: 3 }),
    imageCheck: async () => checks[Math.min(checked++, checks.length - 1)]!,
    imageStatus: async () => status,
  } as unknown as HordeClient;
  const bus = new BridgeEventBus();
  const pushed: ImageJobView[] = [];
  bus.subscribe((m) => {
    if (m.event === 'image:updated') pushed.push(m.payload as ImageJobView);
  });
  const images = new ImageRequests({
    client: () => client,
    hordeUrl: 'http://127.0.0.1:1/api',
    gallery,
    bus,
    account: async () => {
      throw new Error('not asked in these tests');
    },
    pollMs: 1,
  });
  return { images, handlers: images.handlers(), pushed, checks: () => checked };
}

describe('image requests tracker', () => {
  it('pushes image:updated when what the window shows changes, once per change, and the settled view last', async () => {
    const webp = Buffer.from('RIFF....WEBPVP8 fake').toString('base64');
    const waiting = check();
    const processing = check({ processing: 1, waiting: 0, queue_position: 0 });
    const done = check({ finished: 1, processing: 0, waiting: 0, queue_position: 0, done: true, kudos: 3 });
    const t = await setup([waiting, waiting, waiting, processing, processing, done], {
      ...done,
      shared: false,
      generations: [
        {
          img: webp,
          seed: '42',
          id: 'gen-1',
          censored: false,
          gen_metadata: [],
          worker_id: 'w1',
          worker_name: 'w',
          model: 'tiny-sd',
          state: 'ok',
        },
      ],
    });
    const { id } = await t.handlers['images:submit'](request);
    await until(() => t.pushed.some((v) => v.settled), 'the settled push');
    await t.images.stop();

    // Three checks said "waiting" and two "processing": each pushed once.
    expect(t.pushed.map((v) => v.state)).toEqual(['waiting', 'processing', 'done']);
    const last = t.pushed.at(-1)!;
    expect(last).toMatchObject({ id, settled: true, finished: 1, kudos: fromKudos(3) });
    expect(last.images.map((g) => g.seed)).toEqual(['42']);
    // The first look the window takes reads the same view the last push carried.
    expect(await t.handlers['images:status']({ id })).toEqual(last);
    expect(t.checks()).toBe(6);
  });

  it('keeps no more than the request asked for: n images, none larger than the asked size can be', async () => {
    const done = check({ finished: 3, waiting: 0, queue_position: 0, done: true, kudos: 3 });
    const bound = imageResultBound({ width: request.width, height: request.height, upscaled: false });
    const gen = (id: string, img: string) => ({
      img,
      seed: id,
      id,
      censored: false,
      gen_metadata: [],
      worker_id: 'w1',
      worker_name: 'greedy',
      model: 'tiny-sd',
      state: 'ok' as const,
    });
    const fits = (await seededWebp(64, 64, 1)).toString('base64');
    const junk = Buffer.alloc(bound.bytes * 3, 7).toString('base64');
    const wider = (await seededWebp(128, 64, 2)).toString('base64');
    const extra = (await seededWebp(64, 64, 3)).toString('base64');
    const t = await setup([done], {
      ...done,
      shared: false,
      // Four images for three asked: one fits, one is bytes past any 64×64 image, one is wider than asked.
      generations: [gen('fits', fits), gen('junk', junk), gen('wider', wider), gen('extra', extra)],
    });
    const { id } = await t.handlers['images:submit']({ ...request, n: 3 });
    await until(() => t.pushed.some((v) => v.settled), 'the settled push');
    await t.images.stop();
    const last = await t.handlers['images:status']({ id });
    expect(last.images.map((g) => g.seed)).toEqual(['fits']);
    expect((await t.handlers['images:gallery']({})).map((g) => g.seed)).toEqual(['fits']);
  });
});
