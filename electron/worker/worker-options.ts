import type { UpscalerName } from '../../shared/api/interrogate';
/** What a HordeWorker is built from and what it reports per job. */
import type { ImageCodec } from './alchemy-run';
import type { AlchemyEngine, TextEngine } from './engines/types';
import type { ImageEngine } from './sd/image-engine';
import type { FetchLike } from '../client/http';
import type { IdlePolicySettings, SignalsSupport } from '../../shared/worker/stats';

/** Resolves after `ms`, or early (never rejecting) when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface HordeWorkerOptions {
  /** e.g. http://127.0.0.1:7001/api */
  hordeUrl: string;
  apiKey: string;
  /** The text worker's name; the alchemy worker's is `alchemyName` (the horde wants one name per kind). */
  name: string;
  alchemyName?: string;
  textEngine?: TextEngine;
  alchemyEngine?: AlchemyEngine;
  /** Stable Diffusion models this worker serves (electron/worker/sd). */
  imageEngine?: ImageEngine;
  /** The image worker's name (one name per kind); `${name} (images)` by default. */
  imageName?: string;
  /** Skip the image calibration run and advertise this max_pixels (tests). */
  imageMaxPixels?: number;
  /** Default: serve's (earn always). */
  policy?: IdlePolicySettings;
  fetch?: FetchLike;
  /** Epoch milliseconds. */
  now?: () => number;
  sleep?: Sleep;
  random?: () => number;
  /** "name:version:url"; the app's own by default. */
  bridgeAgent?: string;
  /** Skip the calibration run and advertise these (tests, or a measurement kept from before). */
  limits?: { maxLength: number; maxContextLength: number };
  /** The text model's context window (n_positions), so the advertised context never exceeds it. */
  modelContextLimit?: number;
  /** Horde names for the engine's 'upscale' form (RealESRGAN_x2plus, ...): the scale is the model's. */
  upscalerNames?: UpscalerName[];
  nsfw?: boolean;
  /** Per request; default 20 s. */
  requestTimeoutMs?: number;
  /** Image decoding/encoding for alchemy; engines/images by default. */
  images?: ImageCodec;
  /** Which measured signals (full-screen, programs, CPU) work here, for the Earn screen. */
  signals?: SignalsSupport;
  /** Lowers the inference's OS priority while a job finishes after the user returned (priority.ts). */
  priority?: JobPriority;
}

/** The OS priority of the process's inference; both calls are best effort and never throw. */
export interface JobPriority {
  lower(): void;
  restore(): void;
}

/** One job handed back to the horde (the UI's ledger journal records these). */
export interface JobDone {
  id: string;
  kind: 'text' | 'alchemy' | 'image';
  state: 'ok' | 'faulted';
  reward: number;
  /** The text model, or the alchemy form. */
  model: string;
  tokens: number;
}

export const defaultSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The AI Horde refuses one name for two kinds of worker (PolymorphicNameConflict). */
export function defaultAlchemyName(name: string): string {
  return `${name.slice(0, 88)} (alchemy)`;
}
