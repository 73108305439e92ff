import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultHfCacheDir, findModel, scanModels } from './scan';

const gpt2 = { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] };
const nsfw = {
  model_type: 'vit',
  architectures: ['ViTForImageClassification'],
  id2label: { 0: 'normal', 1: 'nsfw' },
};
const caption = { model_type: 'vision-encoder-decoder', architectures: ['VisionEncoderDecoderModel'] };

let root: string;

async function model(
  folder: string,
  config: object,
  onnx: Record<string, number> = { 'model.onnx': 100 },
): Promise<void> {
  await mkdir(path.join(folder, 'onnx'), { recursive: true });
  await writeFile(path.join(folder, 'config.json'), JSON.stringify(config));
  for (const [name, size] of Object.entries(onnx))
    await writeFile(path.join(folder, 'onnx', name), new Uint8Array(size));
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'scan-models-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('scanModels', () => {
  it('lists text and alchemy models with their forms and size on disk', async () => {
    await model(path.join(root, 'tiny-gpt2'), gpt2, { 'model.onnx': 1000 });
    await model(path.join(root, 'tiny-nsfw'), nsfw);
    await model(path.join(root, 'tiny-caption'), caption, {
      'encoder_model.onnx': 10,
      'decoder_model_merged.onnx': 20,
    });
    const models = await scanModels(root);
    expect(models.map((m) => [m.name, m.kind, m.forms])).toEqual([
      ['tiny-caption', 'alchemy', ['caption']],
      ['tiny-gpt2', 'text', []],
      ['tiny-nsfw', 'alchemy', ['nsfw']],
    ]);
    const text = models.find((m) => m.name === 'tiny-gpt2');
    expect(text?.sizeBytes).toBe(1000 + JSON.stringify(gpt2).length);
    expect(text?.path).toBe(path.join(root, 'tiny-gpt2'));
    expect(text?.source).toBe('folder');
  });

  it('lists the precisions a text model ships, from the hub file names', async () => {
    await model(path.join(root, 'gpt2'), gpt2, {
      'model.onnx': 10,
      'model_quantized.onnx': 10,
      'model_q4.onnx': 10,
    });
    await model(path.join(root, 'q4-only'), gpt2, { 'model_q4.onnx': 10 });
    expect((await scanModels(root)).map((m) => [m.name, m.dtypes])).toEqual([
      ['gpt2', ['fp32', 'q8', 'q4']],
      ['q4-only', ['q4']],
    ]);
  });

  it('finds org/name folders one level down', async () => {
    await model(path.join(root, 'Xenova', 'gpt2'), gpt2);
    expect((await scanModels(root)).map((m) => m.name)).toEqual(['Xenova/gpt2']);
  });

  it('skips folders without onnx weights, without config, or of unknown kind', async () => {
    await mkdir(path.join(root, 'no-onnx'), { recursive: true });
    await writeFile(path.join(root, 'no-onnx', 'config.json'), JSON.stringify(gpt2));
    await model(path.join(root, 'bert'), { model_type: 'bert', architectures: ['BertModel'] });
    await model(path.join(root, 'cats'), { ...nsfw, id2label: { 0: 'cat', 1: 'dog' } });
    await mkdir(path.join(root, 'empty'));
    expect(await scanModels(root)).toEqual([]);
  });

  it('reads the Hugging Face cache layout at the revision refs/main names', async () => {
    const cache = path.join(root, 'hub');
    const repo = path.join(cache, 'models--onnx-community--tiny-gpt2');
    await mkdir(path.join(repo, 'blobs'), { recursive: true });
    await writeFile(path.join(repo, 'blobs', 'abc'), new Uint8Array(500));
    for (const rev of ['old', 'cafe']) {
      await model(path.join(repo, 'snapshots', rev), gpt2, {});
      await symlink(path.join(repo, 'blobs', 'abc'), path.join(repo, 'snapshots', rev, 'onnx', 'model.onnx'));
    }
    await mkdir(path.join(repo, 'refs'));
    await writeFile(path.join(repo, 'refs', 'main'), 'cafe\n');
    const models = await scanModels(path.join(root, 'empty-models'), { hfCacheDir: cache });
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({
      name: 'onnx-community/tiny-gpt2',
      kind: 'text',
      source: 'hf-cache',
      path: path.join(repo, 'snapshots', 'cafe'),
      sizeBytes: 500 + JSON.stringify(gpt2).length,
    });
  });

  it('lists a Stable Diffusion ONNX export as an image model, and not one that lacks a part', async () => {
    const sd = async (
      folder: string,
      skip: string[] = [],
      tokenizer = ['tokenizer.json', 'tokenizer_config.json'],
    ) => {
      const files = [
        'model_index.json',
        'scheduler/scheduler_config.json',
        ...tokenizer.map((t) => `tokenizer/${t}`),
        'text_encoder/model.onnx',
        'unet/model.onnx',
        'vae_decoder/model.onnx',
      ].filter((f) => !skip.includes(f));
      for (const f of files) {
        await mkdir(path.dirname(path.join(folder, f)), { recursive: true });
        await writeFile(
          path.join(folder, f),
          f === 'model_index.json' ? '{"_class_name":"OnnxStableDiffusionPipeline"}' : 'x',
        );
      }
    };
    await sd(path.join(root, 'sd15'));
    await sd(path.join(root, 'diffusers-export'), [], ['vocab.json', 'merges.txt']);
    await sd(path.join(root, 'no-decoder'), ['vae_decoder/model.onnx']);
    await sd(path.join(root, 'no-tokenizer'), [], []);
    const models = await scanModels(root);
    expect(models.map((m) => [m.name, m.kind, m.task, m.modelType])).toEqual([
      ['diffusers-export', 'image', 'text-to-image', 'OnnxStableDiffusionPipeline'],
      ['sd15', 'image', 'text-to-image', 'OnnxStableDiffusionPipeline'],
    ]);
  });

  it('findModel finds each model scanModels lists, where scanModels finds it, and nothing else', async () => {
    const cache = path.join(root, 'hub');
    await model(path.join(root, 'tiny-gpt2'), gpt2);
    await model(path.join(root, 'Xenova', 'gpt2'), gpt2);
    // A model folder is not looked into: its own subfolder is no model of the list.
    await model(path.join(root, 'outer'), gpt2);
    await model(path.join(root, 'outer', 'inner'), gpt2);
    await model(path.join(root, '.hidden'), gpt2);
    await model(path.join(root, 'bert'), { model_type: 'bert', architectures: ['BertModel'] });
    await mkdir(path.join(root, 'linked-target'), { recursive: true });
    await model(path.join(root, 'linked-target', 'real'), nsfw);
    await symlink(path.join(root, 'linked-target', 'real'), path.join(root, 'linked'));
    const cached = async (dir: string, name: string) => {
      const repo = path.join(dir, `models--${name.split('/').join('--')}`);
      await model(path.join(repo, 'snapshots', 'cafe'), gpt2);
      await mkdir(path.join(repo, 'refs'), { recursive: true });
      await writeFile(path.join(repo, 'refs', 'main'), 'cafe');
    };
    // In the models folder's own cache layout, in another cache, and in both (the folder's wins).
    await cached(root, 'onnx-community/here');
    await cached(cache, 'onnx-community/there');
    await cached(root, 'onnx-community/both');
    await cached(cache, 'onnx-community/both');
    // The same name as a folder and in the cache: the folder wins.
    await cached(cache, 'Xenova/gpt2');

    const listed = await scanModels(root, { hfCacheDir: cache });
    expect(listed.map((m) => m.name)).toEqual([
      'linked',
      'linked-target/real',
      'onnx-community/both',
      'onnx-community/here',
      'onnx-community/there',
      'outer',
      'tiny-gpt2',
      'Xenova/gpt2',
    ]);
    for (const m of listed) expect(await findModel(root, m.name, { hfCacheDir: cache })).toEqual(m);
    for (const missing of ['outer/inner', '.hidden', 'bert', 'hub', 'Xenova', '../tiny-gpt2', 'a/b/c', '']) {
      await expect(findModel(root, missing, { hfCacheDir: cache })).rejects.toThrow(/not found/);
    }
  });

  it('findModel names the missing model', async () => {
    await expect(findModel(root, 'nope')).rejects.toThrow(/"nope" not found/);
  });
});

describe('defaultHfCacheDir', () => {
  it('follows HF_HUB_CACHE, then HF_HOME', () => {
    expect(defaultHfCacheDir({ HF_HUB_CACHE: '/x/hub' })).toBe('/x/hub');
    expect(defaultHfCacheDir({ HF_HOME: '/y' })).toBe(path.join('/y', 'hub'));
  });
});
