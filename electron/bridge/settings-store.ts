import type { Settings, SettingsPatch } from '../../shared/bridge/contract';
import { SettingsPatchSchema } from '../../shared/bridge/schemas';
import { SerialQueue } from './atomic-file';
import { parseJson, RecordFile, type LoadedRecord } from './record-file';

export interface SettingsChange {
  settings: Settings;
  previous: Settings;
  changed: (keyof Settings)[];
}

/**
 * The user's settings as JSON in the data folder. Reading is forgiving (a
 * field that fails validation falls back to its default, the rest is kept);
 * a file that is not JSON at all is restored from its last good copy, or the
 * load stops with DamagedRecordError. Writing is atomic and keeps that copy.
 */
export class SettingsStore {
  private current: Settings;
  private readonly queue = new SerialQueue();
  private readonly listeners = new Set<(change: SettingsChange) => void>();
  private pendingRestart = false;
  private readonly record: RecordFile<unknown>;
  /** Set by `load` when the file was damaged and its last good copy was put back. */
  restored: LoadedRecord<unknown>['restored'];

  constructor(
    readonly file: string,
    private readonly defaults: Settings,
  ) {
    this.current = structuredClone(defaults);
    this.record = new RecordFile<unknown>(file, {
      what: 'your settings',
      parse: parseJson,
      serialize: (value) => `${JSON.stringify(value, null, 2)}\n`,
      mode: 0o644,
    });
  }

  async load(): Promise<Settings> {
    const loaded = await this.record.load();
    this.restored = loaded.restored;
    if (loaded.value !== null) this.current = merge(this.defaults, validFields(loaded.value));
    return this.get();
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  /**
   * True once something read only at start changed in this run. No setting is such now: the
   * horde, LAN sharing and its port, the key, the models folder and the worker name all apply
   * live (electron/compose.ts); the flag stays for what may need it again.
   */
  get restartRequired(): boolean {
    return this.pendingRestart;
  }

  /** Something read at start changed outside the settings file (e.g. the API key the worker uses). */
  markRestartRequired(): void {
    this.pendingRestart = true;
  }

  /** Apply a validated patch and save. */
  update(patch: SettingsPatch): Promise<Settings> {
    return this.queue.run(async () => {
      const previous = this.current;
      const next = merge(previous, patch);
      await this.record.save(next);
      this.current = next;
      const changed = (Object.keys(next) as (keyof Settings)[]).filter(
        (k) => JSON.stringify(next[k]) !== JSON.stringify(previous[k]),
      );
      const change = { settings: structuredClone(next), previous: structuredClone(previous), changed };
      for (const l of this.listeners) l(change);
      return this.get();
    });
  }

  onChange(listener: (change: SettingsChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function merge(base: Settings, patch: SettingsPatch): Settings {
  const { idle, ...rest } = patch;
  const defined = Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== undefined),
  ) as Partial<Settings>;
  return structuredClone({ ...base, ...defined, idle: { ...base.idle, ...(idle ?? {}) } });
}

/** Each known field that validates on its own; the others are dropped (their defaults stay). */
function validFields(raw: unknown): SettingsPatch {
  if (typeof raw !== 'object' || raw === null) return {};
  const shape = SettingsPatchSchema.shape;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape) as (keyof typeof shape)[]) {
    const value = (raw as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const r = shape[key].safeParse(value);
    if (r.success) out[key] = r.data;
  }
  return out as SettingsPatch;
}
