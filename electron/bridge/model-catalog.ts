import type { LocalModel, ModelLoadState } from '../../shared/bridge/contract';
import type { OnnxDtype } from '../../shared/worker/dtype';
import type { LocalModelsPort } from './ports';

/** What a scan of the models folder yields (electron/worker/models scanModels gives more; this is what is shown). */
export interface FoundModel {
  name: string;
  kind: 'text' | 'alchemy' | 'image';
  path: string;
  sizeBytes: number;
  /** Text models: the precisions the folder ships. */
  dtypes?: OnnxDtype[];
}

/**
 * The models folder as the Earn screen shows it: what a scan finds, with the
 * load progress the engines report. Scans on each read (the user may drop a
 * model in while the app runs); load states are remembered by name.
 */
export class ModelCatalog implements LocalModelsPort {
  private readonly states = new Map<string, LocalModel['load']>();

  constructor(private readonly scan: () => Promise<FoundModel[]>) {}

  async list(): Promise<LocalModel[]> {
    let found: FoundModel[];
    try {
      found = await this.scan();
    } catch {
      found = [];
    }
    return found.map((m) => ({
      name: m.name,
      kind: m.kind,
      path: m.path,
      sizeBytes: m.sizeBytes,
      ...(m.dtypes ? { dtypes: m.dtypes } : {}),
      load: { ...(this.states.get(m.name) ?? { state: 'found' as ModelLoadState, fraction: 0 }) },
    }));
  }

  /** Names of the models loaded now (what the worker serves). */
  inUse(): Set<string> {
    return new Set([...this.states].filter(([, s]) => s.state === 'ready').map(([name]) => name));
  }

  /** Forgets load states (the worker is about to reload what the folder holds). */
  reset(): void {
    this.states.clear();
  }

  loading(name: string, fraction: number, bytes?: { loaded?: number; total?: number }): void {
    const known = bytes?.loaded !== undefined && bytes.total !== undefined && bytes.total > 0;
    this.states.set(name, {
      state: 'loading',
      fraction: Math.max(0, Math.min(1, fraction)),
      ...(known ? { bytesLoaded: bytes.loaded, bytesTotal: bytes.total } : {}),
    });
  }

  ready(name: string, seconds?: number): void {
    this.states.set(name, { state: 'ready', fraction: 1, ...(seconds !== undefined ? { seconds } : {}) });
  }

  failed(name: string, error: string): void {
    this.states.set(name, { state: 'error', fraction: 0, error });
  }
}
