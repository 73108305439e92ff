/**
 * The analytic SD fixture's closed form (test/fixtures/sd-graphs.ts ANALYTIC): the latents and
 * pixels a correct pipeline must produce for a seed, sampler, CFG and strength, worked out by hand,
 * and the comparisons with float tolerance. Used by the Node test (electron/worker/sd/analytic.test.ts)
 * and the browser one (test/integration/sd-browser.test.ts), so both check against one statement.
 */
import { expect } from 'vitest';
import { createScheduler, SeededNormal } from '../../shared/diffusion/index';
import {
  batchSeeds,
  img2imgStart,
  type RgbaImage,
  type SdModel,
  type SdParams,
} from '../../shared/diffusion/pipeline';
import { ANALYTIC } from '../fixtures/sd-graphs';

const f = Math.fround;
const SCALE = 0.18215;

/** mean over tokens and dims of last_hidden_state = mean(ids) · tokenScale · mean((d+1)/hidden). */
function textMean(ids: Int32Array): number {
  const d = ANALYTIC.hidden;
  const perDim = ((d + 1) / 2 / d) * ANALYTIC.tokenScale;
  return (ids.reduce((a, b) => a + b, 0) / ids.length) * perDim;
}

export function gradient(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1) {
      const p = (y * width + x) * 4;
      data.set(
        [(x * 255) / (width - 1), (y * 255) / (height - 1), ((x + y) * 127) / (width + height), 255],
        p,
      );
    }
  return { width, height, data };
}

/** The VAE encoder's closed form: 8×8 means of 2·pixel/255 − 1, channel 3 their mean, × 0.18215. */
function encodeByHand(img: RgbaImage): Float32Array {
  const lw = img.width / 8;
  const lh = img.height / 8;
  const out = new Float32Array(4 * lh * lw);
  for (let y = 0; y < lh; y += 1)
    for (let x = 0; x < lw; x += 1) {
      const means = [0, 1, 2].map((c) => {
        let s = 0;
        for (let dy = 0; dy < 8; dy += 1)
          for (let dx = 0; dx < 8; dx += 1)
            s += (img.data[((y * 8 + dy) * img.width + x * 8 + dx) * 4 + c]! / 255) * 2 - 1;
        return s / 64;
      });
      means.push((means[0]! + means[1]! + means[2]!) / 3);
      means.forEach((m, c) => (out[(c * lh + y) * lw + x] = m * SCALE));
    }
  return out;
}

export async function expected(
  m: Pick<SdModel, 'tokenize' | 'schedulerConfig'>,
  p: SdParams,
): Promise<{ latents: Float32Array[]; pixels: Uint8Array[] }> {
  const [neg, pos] = await m.tokenize([p.negativePrompt, p.prompt]);
  const cfg = p.cfgScale > 1;
  const mu = textMean(neg!);
  const mc = textMean(pos!);
  const text = cfg ? mu + p.cfgScale * (mc - mu) : mc;
  const lh = p.height / 8;
  const lw = p.width / 8;
  const size = 4 * lh * lw;
  const latents: Float32Array[] = [];
  for (const seed of p.seeds) {
    const s = createScheduler(p.sampler, { ...m.schedulerConfig, use_karras_sigmas: p.karras });
    s.setTimesteps(p.steps);
    const rng = new SeededNormal(seed);
    const start = p.source ? img2imgStart(p.steps, p.source.denoisingStrength) * s.order : 0;
    const ts = s.timesteps.slice(start);
    let x: Float32Array;
    if (p.source) {
      s.setBeginIndex(start);
      x = s.addNoise(encodeByHand(p.source.image), rng.normal(size), ts[0]!);
    } else {
      x = rng.normal(size).map((v) => v * s.initNoiseSigma);
    }
    for (const t of ts) {
      const input = s.scaleModelInput(x, t);
      const eps = input.map(
        (v) => ANALYTIC.sampleGain * v + (ANALYTIC.timeGain * f(t)) / 1000 + ANALYTIC.textGain * text,
      );
      x = s.step(eps, t, x, rng).prevSample;
    }
    latents.push(x);
  }
  const pixels = latents.map((z) => {
    const px = new Uint8Array(p.width * p.height * 4);
    for (let y = 0; y < p.height; y += 1)
      for (let x = 0; x < p.width; x += 1) {
        for (let c = 0; c < 3; c += 1) {
          const v = (ANALYTIC.decodeGain * z[(c * lh + Math.floor(y / 8)) * lw + Math.floor(x / 8)]!) / SCALE;
          px[(y * p.width + x) * 4 + c] = Math.round(Math.min(1, Math.max(0, v / 2 + 0.5)) * 255);
        }
        px[(y * p.width + x) * 4 + 3] = 255;
      }
    return px;
  });
  return { latents, pixels };
}

/**
 * Latents agree to float tolerance: the largest difference relative to max(1, |want|). 2e-5 on
 * ONNX Runtime's CPU kernels; a runtime whose kernels sum in another order or fuse multiply-adds
 * (onnxruntime-web's WASM SIMD) passes a looser bound, still far below any wrong scale, timestep or
 * CFG term (those are off by 1e-2 and more).
 */
export function expectClose(actual: Float32Array, want: Float32Array, tolerance = 2e-5, label = ''): void {
  expect(actual.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i += 1) {
    worst = Math.max(worst, Math.abs(actual[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  }
  expect(worst, label).toBeLessThan(tolerance);
}

/**
 * The fp16 export against the float32 closed form: half precision keeps 11 significant bits
 * (2⁻¹¹ ≈ 4.9e-4 per rounding), and with guidance 7.5 the UNet's two rounded halves enter the
 * guided noise 7.5× and 6.5×, over a σ range of 14.6: measured on onnxruntime-node, 8.6e-2 at worst
 * (k_dpm_2_a, CFG 7.5), 2e-3 to 1e-2 without guidance. So this bound catches a wrong conversion or
 * a wrong-dtype feed (garbage or off by orders), not a small error in the schedule; the float32
 * fixture is the one that checks those.
 */
export const FP16_LATENT_TOLERANCE = 0.15;
/** Pixels of the fp16 export: within this many levels of the closed form (measured: 3). */
export const FP16_PIXEL_LEVELS = 6;

export function expectPixelsNear(actual: Uint8Array, want: Uint8Array, levels: number, label = ''): void {
  expect(actual.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i += 1) worst = Math.max(worst, Math.abs(actual[i]! - want[i]!));
  expect(worst, label).toBeLessThanOrEqual(levels);
  expect(new Set(want.filter((_, i) => i % 4 !== 3)).size).toBeGreaterThan(1);
}

export function expectPixels(actual: Uint8Array, want: Uint8Array): void {
  expect(actual.length).toBe(want.length);
  let off = 0;
  for (let i = 0; i < want.length; i += 1) {
    const d = Math.abs(actual[i]! - want[i]!);
    expect(d).toBeLessThanOrEqual(1); // a value on a rounding boundary may land either side
    if (d) off += 1;
  }
  expect(off / want.length).toBeLessThan(0.01);
  // Not a blank image: the closed form leaves more than one colour value.
  expect(new Set(want.filter((_, i) => i % 4 !== 3)).size).toBeGreaterThan(1);
}

const base: SdParams = {
  prompt: 'a lighthouse on a cliff at dusk',
  negativePrompt: 'blurry',
  width: 64,
  height: 48,
  steps: 6,
  cfgScale: 7.5,
  sampler: 'k_euler',
  karras: false,
  seeds: [1234],
};

/** Catalog overrides of the scheduler config a case runs with (as SdModelEntry.schedulerOverrides). */
export type AnalyticVariant = 'sd1' | 'v-prediction' | 'trailing';
export const VARIANT_OVERRIDES: Record<AnalyticVariant, Record<string, unknown>> = {
  sd1: {},
  'v-prediction': { prediction_type: 'v_prediction' },
  trailing: { timestep_spacing: 'trailing' },
};

/** Each sampler family, CFG on and off, batches by seed_variation, img2img, SD 2.x and SD-Turbo. */
export const ANALYTIC_CASES: { name: string; variant: AnalyticVariant; p: SdParams }[] = [
  {
    name: 'k_euler, CFG 7.5, two images by seed_variation',
    variant: 'sd1',
    p: { ...base, seeds: batchSeeds(1234, 2, 7) },
  },
  {
    name: 'k_dpmpp_2m with Karras sigmas, no CFG',
    variant: 'sd1',
    p: { ...base, sampler: 'k_dpmpp_2m', karras: true, cfgScale: 1 },
  },
  {
    name: 'k_heun img2img at strength 0.6',
    variant: 'sd1',
    p: { ...base, sampler: 'k_heun', source: { image: gradient(64, 48), denoisingStrength: 0.6 } },
  },
  {
    name: 'k_lms img2img at strength 0.35, CFG 3',
    variant: 'sd1',
    p: {
      ...base,
      sampler: 'k_lms',
      steps: 10,
      cfgScale: 3,
      source: { image: gradient(64, 48), denoisingStrength: 0.35 },
    },
  },
  {
    name: 'DDIM on a v-prediction (SD 2.x) schedule',
    variant: 'v-prediction',
    p: { ...base, sampler: 'DDIM', cfgScale: 5 },
  },
  {
    name: 'k_dpm_2_a, seeded noise every step',
    variant: 'sd1',
    p: { ...base, sampler: 'k_dpm_2_a', seeds: [7, 8] },
  },
  {
    name: 'SD-Turbo style: k_euler_a, trailing, one step, no guidance',
    variant: 'trailing',
    p: { ...base, sampler: 'k_euler_a', steps: 1, cfgScale: 0 },
  },
];
