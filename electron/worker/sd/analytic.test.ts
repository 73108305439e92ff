/**
 * The analytic fixture pipeline on onnxruntime-node: its UNet and VAE compute closed forms
 * (test/fixtures/sd-graphs.ts ANALYTIC), so the expected latents and pixels for a seed, sampler,
 * CFG and strength are worked out here by hand and compared with what the pipeline produced.
 * That checks the latent scale, the timesteps fed to the UNet, the CFG arithmetic and batch order,
 * the img2img start step and the pixel conversion, not only that something ran.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../shared/diffusion/pipeline';
import { FIXTURE_MODELS_DIR } from '../../../test/fixtures/generate';
import {
  ANALYTIC_CASES,
  expectClose,
  expected,
  expectPixels,
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
