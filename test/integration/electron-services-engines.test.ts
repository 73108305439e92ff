import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServices, type AppServices, type InferenceHost } from '../../electron/app/services';
import { MemorySecretStore } from '../../electron/bridge/secret-store';

// With models present and hidden windows that offer no WebGPU (as on a machine without a
// usable GPU), the desktop services fall back to ONNX Runtime in Node and earn with it: the text
// model from the text window, the SD models from the image window.
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'models');

describe('desktop services with models, without WebGPU', () => {
  let dataDir: string;
  let services: AppServices;
  const logs: string[] = [];
  const opened: string[] = [];
  const imageOpened: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'horde-desktop-engines-'));
    await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ modelsDir: fixtures }));
    // The page never runs here: the stand-in window fails every evaluate, as a GPU-less one would.
    await writeFile(join(dataDir, 'engine-page.js'), '');
    await writeFile(join(dataDir, 'sd-page.js'), '');
    const noGpu: InferenceHost = {
      open: async (url) => {
        opened.push(url);
      },
      evaluate: () => Promise.reject(new Error('WebGPU adapter request failed')),
      close: async () => {},
    };
    const noGpuForImages: InferenceHost = {
      open: async (url) => {
        imageOpened.push(url);
      },
      evaluate: () => Promise.reject(new Error('WebGPU adapter request failed')),
      close: async () => {},
    };
    services = await startAppServices({
      dataDir,
      version: '0.1.0-test',
      secrets: new MemorySecretStore(),
      inferenceHost: noGpu,
      enginePageScript: join(dataDir, 'engine-page.js'),
      imageHost: noGpuForImages,
      sdPageScript: join(dataDir, 'sd-page.js'),
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(`warn: ${m}`) },
    });
  });

  afterAll(async () => {
    await services?.shutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers the window at once, while the models still load', async () => {
    const stats = await services.handlers['worker:stats']();
    expect(stats?.stateReason).toBe('Loading models…');
  });

  it('tries the WebGPU window, then loads the text model on ONNX Runtime in Node', async () => {
    // Loading runs in the background; wait for the catalog to say how it ended.
    const done = (state: string | undefined) => state === 'ready' || state === 'error';
    let state: string | undefined;
    for (let i = 0; i < 1200 && !done(state); i++) {
      state = (await services.handlers['models:local']()).find((m) => m.name === 'tiny-gpt2')?.load.state;
      if (!done(state)) await new Promise((r) => setTimeout(r, 50));
    }
    expect(opened).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/engine\/$/)]);
    expect(logs.some((l) => l.startsWith('warn: WebGPU engine unavailable'))).toBe(true);
    const models = await services.handlers['models:local']();
    expect(models.find((m) => m.name === 'tiny-gpt2')?.load.state).toBe('ready');
  });

  it('tries the SD page in the image window, then loads the image models on ONNX Runtime in Node', async () => {
    const settled = (state: string | undefined) => state === 'ready' || state === 'error';
    let state: string | undefined;
    for (let i = 0; i < 1200 && !settled(state); i++) {
      state = (await services.handlers['models:local']()).find((m) => m.name === 'tiny-sd')?.load.state;
      if (!settled(state)) await new Promise((r) => setTimeout(r, 50));
    }
    expect(imageOpened).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/engine\/sd\/$/)]);
    expect(logs.some((l) => l.startsWith('warn: WebGPU image engine unavailable'))).toBe(true);
    expect(state).toBe('ready');
  });

  it('runs the worker with the model instead of reporting no model', async () => {
    let stats = await services.handlers['worker:stats']();
    for (let i = 0; i < 600 && stats?.stateReason === 'Loading models…'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stats = await services.handlers['worker:stats']();
    }
    expect(stats?.state).not.toBe('no_model');
  });
});
