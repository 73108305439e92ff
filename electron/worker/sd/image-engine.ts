/**
 * The image engine interface the worker uses, and its Node implementation: Stable Diffusion
 * folders loaded on onnxruntime-node, served under their horde model names.
 */
import { measureStepSeconds } from '../../../shared/diffusion/calibrate';
import { generate, type SdHooks, type SdParams, type SdResult } from '../../../shared/diffusion/pipeline';
import type { Backend } from '../engines/types';
import { loadNodeSdModel, type LoadedSdModel } from './node-model';

export interface ImageEngine {
  readonly backend: Backend;
  /** Horde model names served (catalog names). */
  readonly models: readonly string[];
  /** Whether img2img is possible (every model has a VAE encoder). */
  readonly img2img: boolean;
  generate(model: string, params: SdParams, hooks?: SdHooks): Promise<SdResult>;
  /** Seconds one UNet call (CFG batch of 2) takes per megapixel of image, measured on the first model. */
  measureStepSeconds(): Promise<number>;
  dispose(): Promise<void>;
}

export interface SdModelEntry {
  /** The name advertised to the horde. */
  name: string;
  dir: string;
  /** Catalog overrides of the scheduler config (SD-Turbo: trailing spacing; SD 2.x: v_prediction). */
  schedulerOverrides?: Record<string, unknown>;
}

export class NodeImageEngine implements ImageEngine {
  readonly backend = 'cpu' as const;
  readonly models: readonly string[];
  readonly img2img: boolean;
  private measured: number | undefined;

  constructor(private readonly loaded: ReadonlyMap<string, LoadedSdModel>) {
    this.models = [...loaded.keys()];
    this.img2img = [...loaded.values()].every((m) => m.vaeEncoder !== undefined);
  }

  generate(model: string, params: SdParams, hooks: SdHooks = {}): Promise<SdResult> {
    const m = this.loaded.get(model);
    if (!m) return Promise.reject(new Error(`this worker does not serve the model "${model}"`));
    return generate(m, params, hooks);
  }

  async measureStepSeconds(): Promise<number> {
    if (this.measured !== undefined) return this.measured;
    const first = this.models[0];
    if (first === undefined) throw new Error('no image model loaded');
    this.measured = await measureStepSeconds((p, hooks) => this.generate(first, p, hooks));
    return this.measured;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.loaded.values()].map((m) => m.dispose()));
  }
}

export async function loadNodeImageEngine(
  entries: readonly SdModelEntry[],
  options: { threads?: number } = {},
): Promise<NodeImageEngine> {
  const loaded = new Map<string, LoadedSdModel>();
  for (const e of entries) {
    loaded.set(
      e.name,
      await loadNodeSdModel(e.dir, {
        ...(options.threads ? { threads: options.threads } : {}),
        ...(e.schedulerOverrides ? { schedulerOverrides: e.schedulerOverrides } : {}),
      }),
    );
  }
  return new NodeImageEngine(loaded);
}
