import type { ModelInfo } from './scan';

/**
 * ONNX Runtime holds a model's weights in memory plus working buffers and the KV
 * cache. `npm run bench` measured a peak RSS of about 990 MiB for a bare ONNX Runtime
 * loop on the GPT-2-small shape (a 475 MiB file), about twice the file: so twice the
 * size on disk is what loading a model is estimated to add.
 */
export const MEMORY_PER_BYTE_ON_DISK = 2;

export interface MemoryPlan {
  load: ModelInfo[];
  skipped: { model: ModelInfo; reason: string }[];
}

export function estimatedMemoryMb(model: Pick<ModelInfo, 'sizeBytes'>): number {
  return Math.ceil((model.sizeBytes * MEMORY_PER_BYTE_ON_DISK) / (1024 * 1024));
}

/**
 * Which models fit the user's memory cap (Settings → memory cap; 0 = no cap). The text
 * model is chosen first (it earns the most), then alchemy models in the order given,
 * each while the estimate still fits; the others are reported with a reason the Earn
 * screen shows.
 */
export function planModelLoads(models: readonly ModelInfo[], capMb: number): MemoryPlan {
  if (!(capMb > 0)) return { load: [...models], skipped: [] };
  const ordered = [...models.filter((m) => m.kind === 'text'), ...models.filter((m) => m.kind !== 'text')];
  const plan: MemoryPlan = { load: [], skipped: [] };
  let used = 0;
  for (const model of ordered) {
    const need = estimatedMemoryMb(model);
    if (used + need <= capMb) {
      plan.load.push(model);
      used += need;
    } else {
      plan.skipped.push({
        model,
        reason: `Needs about ${need} MB; that is over the memory cap of ${capMb} MB set in Settings (${used} MB already used by other models).`,
      });
    }
  }
  return plan;
}
