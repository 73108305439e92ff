/**
 * The analytic fixture pipeline on onnxruntime-node: its UNet and VAE compute closed forms
 * (test/fixtures/sd-graphs.ts ANALYTIC), so the expected latents and pixels for a seed, sampler,
 * CFG and strength are worked out here by hand and compared with what the pipeline produced.
 * That checks the latent scale, the timesteps fed to the UNet, the CFG arithmetic and batch order,
 * the img2img start step and the pixel conversion, not only that something ran.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../shared/diffusion/pipeline';
import { FIXTURE_MODELS_DIR, generateSdFp16 } from '../../../test/fixtures/generate';
import {
  ANALYTIC_CASES,
  expectClose,
  expected,
  expectPixels,
  expectPixelsNear,
  FP16_LATENT_TOLERANCE,
  FP16_PIXEL_LEVELS,
  VARIANT_OVERRIDES,
} from '../../../test/harness/sd-analytic';
import { loadNodeSdModel, type LoadedSdModel } from './node-model';

const dir = path.join(FIXTURE_MODELS_DIR, 'analytic-sd');

let model: LoadedSdModel;
let vModel: LoadedSdModel;
let turbo: LoadedSdModel;
beforeAll(async () => {
  const load = (v: keyof typeof VARIANT_OVERRIDES) =>
    loadNodeSdModel(dir, { threads: 1, schedulerOverrides: VARIANT_OVERRIDES[v] });
  [model, vModel, turbo] = await Promise.all([load('sd1'), load('v-prediction'), load('trailing')]);
});
afterAll(async () => {
  await Promise.all([model?.dispose(), vModel?.dispose(), turbo?.dispose()]);
});

describe('analytic SD pipeline on onnxruntime-node equals the closed form', () => {
  for (const c of ANALYTIC_CASES) {
    it(c.name, async () => {
      const m = { sd1: model, 'v-prediction': vModel, trailing: turbo }[c.variant];
      const got = await generate(m, c.p);
      const want = await expected(m, c.p);
      expect(got.images).toHaveLength(c.p.seeds.length);
      got.latents.forEach((lat, i) => expectClose(lat, want.latents[i]!));
      got.images.forEach((img, i) => {
        expect([img.width, img.height]).toEqual([c.p.width, c.p.height]);
        expectPixels(img.data, want.pixels[i]!);
      });
    });
  }

  it('feeds the tokenizer 77 ids: BOS, tokens, EOS, padding; a long prompt keeps its EOS', async () => {
    const [short, long] = await model.tokenize(['a fox', 'word '.repeat(300)]);
    expect(short).toHaveLength(77);
    expect(long).toHaveLength(77);
    const eos = short![76]!; // padding is the EOS token, as CLIP-L's
    expect(long![0]).toBe(short![0]);
    expect(short!.indexOf(eos)).toBeGreaterThan(1);
    expect(long![76]).toBe(eos);
    expect(long![75]).not.toBe(eos);
  });
});

describe('the analytic fixture exported in half precision (fp16) on onnxruntime-node', () => {
  let tmp: string;
  let half: Record<keyof typeof VARIANT_OVERRIDES, LoadedSdModel>;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'analytic-fp16-'));
    const { analytic } = await generateSdFp16(tmp);
    const load = (v: keyof typeof VARIANT_OVERRIDES) =>
      loadNodeSdModel(analytic, { threads: 1, schedulerOverrides: VARIANT_OVERRIDES[v] });
    const [sd1, v, trailing] = await Promise.all([load('sd1'), load('v-prediction'), load('trailing')]);
    half = { sd1, 'v-prediction': v, trailing };
  });
  afterAll(async () => {
    if (half) await Promise.all(Object.values(half).map((m) => m.dispose()));
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  for (const c of ANALYTIC_CASES) {
    it(`${c.name}: the closed form at fp16 tolerance`, async () => {
      const m = half[c.variant];
      expect(m.unet.inputs.map((i) => i.type)).toEqual(['float16', 'float16', 'float16']);
      const got = await generate(m, c.p);
      const want = await expected(m, c.p);
      got.latents.forEach((lat, i) => expectClose(lat, want.latents[i]!, FP16_LATENT_TOLERANCE, c.name));
      got.images.forEach((img, i) => expectPixelsNear(img.data, want.pixels[i]!, FP16_PIXEL_LEVELS, c.name));
    });
  }
});
