import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalog } from '../../electron/bridge/model-catalog';
import { MemorySecretStore } from '../../electron/bridge/secret-store';
import { IMAGE_NEEDS_NSFW, loadEngines, scanForCatalog } from '../../electron/bridge/worker-launcher';
import { composeServices, type ComposedServices } from '../../electron/compose';
import type { ImageJobView, ImageRequest } from '../../shared/bridge/images';
import { FIXTURE_MODELS_DIR, generateFixtures } from '../fixtures/generate';

/**
 * The app as composed (electron/compose.ts, as `npm run serve` composes it) with only the tiny SD
 * fixture in its models folder: the scanner finds the SD folder, the worker loads the image
 * engine and advertises it, and an image request made through the window's bridge handlers is
 * popped, generated, uploaded, submitted and paid once; a pause mid-generation stops the job
 * within a second and hands it back to the horde.
 */
let dataDir: string;
let modelsDir: string;
let app: ComposedServices;
const notes: string[] = [];

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end)
      throw new Error(
        `${what} not seen within ${ms / 1000} s; worker: ${JSON.stringify(await app.handlers['worker:stats']())}\n${notes.join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

const request = (o: Partial<ImageRequest>): ImageRequest => ({
  prompt: 'a red fox in the snow',
  negative: 'blurry',
  model: 'tiny-sd',
  width: 128,
  height: 64,
  steps: 4,
  sampler: 'k_euler',
  cfgScale: 7,
  seed: '4242',
  n: 1,
  karras: false,
  ...o,
});

const settled = (id: string): Promise<ImageJobView> =>
  until(`request ${id} settled`, async () => {
    const view = await app.handlers['images:status']({ id });
    return view.settled ? view : undefined;
  });

beforeAll(async () => {
  await generateFixtures(FIXTURE_MODELS_DIR, { only: ['tiny-sd', 'tiny-nsfw'] });
  dataDir = await mkdtemp(path.join(tmpdir(), 'app-image-data-'));
  modelsDir = await mkdtemp(path.join(tmpdir(), 'app-image-models-'));
  // A folder the user added: linked into the models folder, as Models → Add a folder does.
  await symlink(path.join(FIXTURE_MODELS_DIR, 'tiny-sd'), path.join(modelsDir, 'tiny-sd'), 'dir');
  // The window's requests forbid NSFW: the worker censors with the nsfw model (the tiny one flags
  // "redder than blue"; the censored path has its own test in worker-image.test.ts).
  await symlink(path.join(FIXTURE_MODELS_DIR, 'tiny-nsfw'), path.join(modelsDir, 'tiny-nsfw'), 'dir');
  app = await composeServices({
    shell: 'serve',
    dataDir,
    version: '0.1.0-test',
    secrets: new MemorySecretStore(),
    log: { info: (m) => notes.push(m), warn: (m, e) => notes.push(`warn: ${m} ${String(e ?? '')}`) },
    idleSignals: false,
    overrides: { modelsDir, workerName: 'app-image-worker' },
  });
}, 120_000);

afterAll(async () => {
  await app?.shutdown();
  await Promise.all([dataDir, modelsDir].map((d) => d && rm(d, { recursive: true, force: true })));
});

describe('the app serves image requests on a Stable Diffusion folder', () => {
  it('lists the SD folder as an image model, loads it and advertises it to the horde', async () => {
    const local = await app.handlers['models:local']();
    expect(local.map((m) => [m.name, m.kind])).toEqual([
      ['tiny-nsfw', 'alchemy'],
      ['tiny-sd', 'image'],
    ]);
    const model = await until('the horde listing tiny-sd with a worker', async () => {
      const models = await app.handlers['images:models']();
      return models.find((m) => m.name === 'tiny-sd' && m.count >= 1);
    });
    expect(model).toMatchObject({ name: 'tiny-sd', count: 1 });
    const loaded = (await app.handlers['models:local']()).find((m) => m.name === 'tiny-sd');
    expect(loaded?.load.state).toBe('ready');
    // The Earn screen's "Paints images with …" line, apart from the text models' token limits.
    expect((await app.handlers['worker:stats']())?.advertised).toMatchObject({
      models: [],
      imageModels: ['tiny-sd'],
    });
  });

  it('generates a request from the window, delivers a WebP of the asked size, and pays the job once', async () => {
    const before = await app.handlers['journal:entries']({ kinds: ['job_earned'] });
    const pushed: ImageJobView[] = [];
    const off = app.subscribe((m) => {
      if (m.event === 'image:updated') pushed.push(m.payload as ImageJobView);
    });
    const submitted = await app.handlers['images:submit'](request({}));
    const view = await settled(submitted.id);
    off();
    expect(view).toMatchObject({ state: 'done', finished: 1 });
    // The window's one source after its first look: the tracker pushed the settled view itself.
    expect(pushed.filter((v) => v.id === submitted.id).at(-1)).toEqual(view);
    const [image] = view.images;
    expect(image).toMatchObject({
      width: 128,
      height: 64,
      seed: '4242',
      model: 'tiny-sd',
      workerName: 'app-image-worker (images)',
    });
    const file = await app.handlers['images:file']({ id: image!.id, format: 'webp' });
    const bytes = Buffer.from(file.dataUrl.replace(/^data:image\/webp;base64,/, ''), 'base64');
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 128, 64]);
    const stats = await app.handlers['worker:stats']();
    expect(stats).toMatchObject({ jobsDone: 1, jobsFaulted: 0 });

    const earned = await until('the earned job in the journal', async () => {
      const page = await app.handlers['journal:entries']({ kinds: ['job_earned'] });
      const fresh = page.entries.filter((e) => !before.entries.some((b) => b.id === e.id));
      return fresh.length > 0 ? fresh : undefined;
    });
    // One job, paid once: a second entry would be a doubled payment.
    await new Promise((r) => setTimeout(r, 500));
    const after = await app.handlers['journal:entries']({ kinds: ['job_earned'] });
    expect(after.entries.length - before.entries.length).toBe(1);
    expect(earned[0]!.kudos).toBeGreaterThan(0);
  });

  it('stops within a second of a pause mid-generation and hands the job back to the horde', async () => {
    // Stop at once on pause (the user's choice in Settings), not "finish when it ends within 5 s".
    await app.handlers['settings:set']({ idle: { finishJobBeforePause: false } });
    // As many steps as a request with the owner's 25 starting kudos may ask for without paying up front.
    const submitted = await app.handlers['images:submit'](
      request({ width: 512, height: 512, steps: 40, seed: '7', prompt: 'a long generation' }),
    );
    await until('the image job past its second step', async () => {
      const job = (await app.handlers['worker:stats']())?.currentJob;
      return job?.kind === 'image' && job.tokens >= 2 ? job : undefined;
    });
    const pausedAt = Date.now();
    await app.handlers['worker:control']({ action: 'pause_1h' });
    await until('the job stopped', async () =>
      (await app.handlers['worker:stats']())?.currentJob ? undefined : true,
    );
    expect(Date.now() - pausedAt).toBeLessThan(1_000);
    const stats = await app.handlers['worker:stats']();
    expect(stats).toMatchObject({ jobsFaulted: 1, mode: 'pause_1h' });
    // Reported, not dropped: the horde has the image back in its queue, none of it finished.
    const view = await until('the horde taking the job back', async () => {
      const v = await app.handlers['images:status']({ id: submitted.id });
      return v.processing === 0 ? v : undefined;
    });
    expect(view).toMatchObject({ finished: 0, waiting: 1 });
    await app.handlers['images:cancel']({ id: submitted.id });
  });
});

describe('an SD folder without an nsfw model beside it', () => {
  it('is not served, and the Earn screen says what to add', async () => {
    const alone = await mkdtemp(path.join(tmpdir(), 'app-image-alone-'));
    try {
      await symlink(path.join(FIXTURE_MODELS_DIR, 'tiny-sd'), path.join(alone, 'tiny-sd'), 'dir');
      const catalog = new ModelCatalog(() => scanForCatalog(alone));
      const engines = await loadEngines({
        modelsDir: alone,
        threads: 1,
        catalog,
        log: { warn: () => {} },
      });
      expect(engines.image).toBeUndefined();
      expect(await catalog.list()).toMatchObject([
        { name: 'tiny-sd', kind: 'image', load: { state: 'error', error: IMAGE_NEEDS_NSFW } },
      ]);
      await engines.dispose();
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  });
});
