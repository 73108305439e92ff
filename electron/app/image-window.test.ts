import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NamedImageModel } from '../bridge/worker-launcher';
import type { HordeSdEnginePage, SdPageLoadResult } from '../worker/engines/browser/sd-protocol';
import type { ModelInfo } from '../worker/models/scan';
import { sdPageModels, webgpuImageLoader, windowVerdict } from './image-window';
import type { InferenceHost } from './services';

const model = (name: string, dir: string): NamedImageModel => ({
  name,
  info: { name, path: dir, kind: 'image', forms: [], source: 'folder' } as unknown as ModelInfo,
});

describe('which image engine the desktop worker uses', () => {
  it('uses the window only on a real WebGPU adapter', () => {
    expect(windowVerdict({ backend: 'webgpu', adapter: 'nvidia ampere' })).toEqual({
      use: true,
      why: 'nvidia ampere',
    });
    expect(windowVerdict({ backend: 'wasm', fallbackReason: 'no adapter' })).toEqual({
      use: false,
      why: 'no adapter',
    });
    expect(
      windowVerdict({ backend: 'webgpu', adapter: 'google swiftshader', adapterIsFallback: true }).use,
    ).toBe(false);
  });

  it('serves a folder in the models folder under its path there, and one elsewhere under its own name', () => {
    const root = path.join(tmpdir(), 'models');
    const { models, extraModels } = sdPageModels(
      [
        model('stable_diffusion', path.join(root, 'sd 1.5')),
        model('SDXL-Turbo', '/home/ada/.cache/huggingface/hub/models--x--turbo/snapshots/abc'),
      ],
      root,
    );
    expect(models).toEqual([
      { name: 'stable_diffusion', url: '/models/sd%201.5' },
      { name: 'SDXL-Turbo', url: '/models/~extra-0' },
    ]);
    expect(extraModels).toEqual([
      { name: '~extra-0', path: '/home/ada/.cache/huggingface/hub/models--x--turbo/snapshots/abc' },
    ]);
  });
});

describe('the SD window loader', () => {
  let dir: string;
  const logs: string[] = [];
  const calls: string[] = [];
  const scope = globalThis as unknown as { hordeEngineReady?: Promise<Partial<HordeSdEnginePage>> };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'image-window-'));
    await writeFile(path.join(dir, 'sd-page.js'), '');
    await writeFile(path.join(dir, 'engine-page.js'), '');
    logs.length = 0;
    calls.length = 0;
  });
  afterEach(async () => {
    delete scope.hordeEngineReady;
    await rm(dir, { recursive: true, force: true });
  });

  /** A window whose page reports `loaded`; evaluate runs the engine's call here, against a fake page. */
  function windowWith(loaded: Omit<SdPageLoadResult, 'millis' | 'unetTypes' | 'img2img'>): InferenceHost {
    scope.hordeEngineReady = Promise.resolve({
      load: async (request) => {
        calls.push(`load ${request.models.map((m) => m.url).join(',')} on ${request.device}`);
        return { ...loaded, millis: 1, img2img: true, unetTypes: {} };
      },
      dispose: async () => {
        calls.push('dispose');
      },
    });
    return {
      open: async (url) => {
        calls.push(`open ${new URL(url).pathname}`);
        // The page the window shows is the SD page of an asset server that is up.
        const res = await fetch(url);
        calls.push(`page ${res.status}`);
      },
      evaluate: async (fn, arg) => fn(arg),
      close: async () => {
        calls.push('close');
      },
    };
  }

  const loader = (host: InferenceHost) =>
    webgpuImageLoader({
      host,
      sdPageScript: path.join(dir, 'sd-page.js'),
      pageScript: path.join(dir, 'engine-page.js'),
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(`warn: ${m}`) },
    })({ modelsDir: dir });

  it('hands the worker the window’s engine when the page reports WebGPU', async () => {
    const host = windowWith({ backend: 'webgpu', adapter: 'nvidia ampere' });
    const got = await loader(host)([model('stable_diffusion', path.join(dir, 'sd15'))]);
    expect(got?.engine.backend).toBe('webgpu');
    expect(got?.engine.models).toEqual(['stable_diffusion']);
    expect(logs).toEqual(['image models stable_diffusion on WebGPU (nvidia ampere)']);
    expect(calls).toEqual(['open /engine/sd/', 'page 200', 'load /models/sd15 on auto']);
    await got?.close?.();
    expect(calls.slice(3)).toEqual(['close']);
  });

  it('serves the page both a models-folder model and one kept elsewhere', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'image-window-hf-'));
    try {
      await mkdir(path.join(dir, 'sd15'));
      await writeFile(path.join(dir, 'sd15', 'model_index.json'), '{"in":"models folder"}');
      await writeFile(path.join(elsewhere, 'model_index.json'), '{"in":"cache"}');
      let origin = '';
      const read: string[] = [];
      const host = windowWith({ backend: 'webgpu', adapter: 'nvidia ampere' });
      const open = host.open.bind(host);
      host.open = async (url) => {
        origin = new URL(url).origin;
        await open(url);
      };
      const page = await scope.hordeEngineReady!;
      const load = page.load!;
      page.load = async (request) => {
        for (const m of request.models)
          read.push(await (await fetch(`${origin}${m.url}/model_index.json`)).text());
        return load(request);
      };
      const got = await loader(host)([
        model('stable_diffusion', path.join(dir, 'sd15')),
        model('SDXL-Turbo', elsewhere),
      ]);
      expect(read).toEqual(['{"in":"models folder"}', '{"in":"cache"}']);
      await got?.close?.();
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('answers null (ONNX Runtime in Node) and closes the window when the page fell back to WASM', async () => {
    const host = windowWith({ backend: 'wasm', fallbackReason: 'no WebGPU adapter' });
    const got = await loader(host)([model('stable_diffusion', path.join(dir, 'sd15'))]);
    expect(got).toBeNull();
    expect(logs).toEqual(['no WebGPU for images (no WebGPU adapter): using ONNX Runtime in Node']);
    expect(calls).toEqual(['open /engine/sd/', 'page 200', 'load /models/sd15 on auto', 'dispose', 'close']);
  });

  it('answers null when the window cannot run the page at all', async () => {
    const host: InferenceHost = {
      open: async () => {},
      evaluate: () => Promise.reject(new Error('the image inference window is closed')),
      close: async () => {
        calls.push('close');
      },
    };
    await expect(loader(host)([model('stable_diffusion', path.join(dir, 'sd15'))])).resolves.toBeNull();
    expect(logs).toEqual(['warn: WebGPU image engine unavailable, using ONNX Runtime in Node']);
    expect(calls).toEqual(['close']);
  });
});
