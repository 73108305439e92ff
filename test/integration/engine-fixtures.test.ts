import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SEED, generateFixtures } from '../fixtures/generate';
import { fixtureModels } from '../fixtures/models';
import { scanModels } from '../../electron/worker/models/scan';

let a: string;
let b: string;

beforeEach(async () => {
  a = await mkdtemp(path.join(os.tmpdir(), 'fixtures-a-'));
  b = await mkdtemp(path.join(os.tmpdir(), 'fixtures-b-'));
});

afterEach(async () => {
  await rm(a, { recursive: true, force: true });
  await rm(b, { recursive: true, force: true });
});

describe('fixture generator', () => {
  it('writes byte-identical models from the same seed and different ones from another', async () => {
    await generateFixtures(a, { only: ['tiny-gpt2'] });
    await generateFixtures(b, { only: ['tiny-gpt2'] });
    const model = (dir: string): Promise<Buffer> =>
      readFile(path.join(dir, 'tiny-gpt2', 'onnx', 'model.onnx'));
    expect((await model(a)).equals(await model(b))).toBe(true);
    expect(await readFile(path.join(a, 'tiny-gpt2', 'tokenizer.json'), 'utf8')).toBe(
      await readFile(path.join(b, 'tiny-gpt2', 'tokenizer.json'), 'utf8'),
    );
    await generateFixtures(b, { only: ['tiny-gpt2'], seed: 99 });
    expect((await model(a)).equals(await model(b))).toBe(false);
  });

  it('skips models that are up to date and rewrites a damaged one', async () => {
    const all = fixtureModels(DEFAULT_SEED).map((m) => m.name);
    expect(all).toEqual(expect.arrayContaining(['tiny-gpt2', 'tiny-caption', 'tiny-nsfw', 'tiny-clip']));
    expect(await generateFixtures(a)).toEqual({ generated: all, skipped: [] });
    expect(await generateFixtures(a)).toEqual({ generated: [], skipped: all });
    await writeFile(path.join(a, 'tiny-nsfw', 'config.json'), '{}');
    expect((await generateFixtures(a)).generated).toEqual(['tiny-nsfw']);
    expect(JSON.parse(await readFile(path.join(a, 'tiny-nsfw', 'config.json'), 'utf8'))).toMatchObject({
      id2label: { 1: 'nsfw' },
    });
  });

  it('writes models the scanner recognizes with the forms they serve', async () => {
    await generateFixtures(a);
    const found = await scanModels(a);
    expect(found.map((m) => [m.name, m.kind, m.forms])).toEqual([
      ['analytic-sd', 'image', []],
      ['tiny-caption', 'alchemy', ['caption']],
      ['tiny-clip', 'alchemy', ['interrogation']],
      ['tiny-gpt2', 'text', []],
      ['tiny-matte', 'alchemy', ['strip_background']],
      ['tiny-nsfw', 'alchemy', ['nsfw']],
      ['tiny-sd', 'image', []],
      ['tiny-upscale-x2', 'alchemy', ['upscale']],
    ]);
    expect(found.every((m) => m.sizeBytes > 0)).toBe(true);
  });
});
