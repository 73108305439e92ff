/**
 * The models this app has: what the scan of the models folder finds (plain folders,
 * folders the user linked in, and the hub cache the downloader fills), with the names
 * each may go out under on the horde. A horde reference name is used only for a
 * catalog model (its weights are that model) or a folder the user confirmed; anything
 * else goes out under its own name. Deleting never touches files outside the models
 * folder: a linked folder is only unlinked.
 */
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { UPSCALE_FORMS } from '../../../shared/api/interrogate';
import { entryForRepo, type CatalogEntry } from '../../../shared/catalog/catalog';
import type { InstalledModel, RecheckResult } from '../../../shared/bridge/models';
import { hashFile, hashKindOf } from './download/hf-cache';
import { scanModels, type ModelInfo } from './scan';

export interface ModelLibraryOptions {
  modelsDir: () => string;
  /** Where the user's confirmations are kept (a JSON file in the data folder). */
  confirmationsFile: string;
  catalog: () => readonly CatalogEntry[];
}

/** What the user said a folder is: a model reference name (text) or the upscaler it is. */
export interface Confirmation {
  as: string;
}

export class ModelLibrary {
  private confirmations: Record<string, Confirmation> | null = null;

  constructor(private readonly o: ModelLibraryOptions) {}

  async scan(): Promise<ModelInfo[]> {
    return scanModels(this.o.modelsDir());
  }

  /** The catalog entry a scanned model came from (a hub-cache repo the catalog lists). */
  catalogEntry(model: Pick<ModelInfo, 'name' | 'source'>): CatalogEntry | undefined {
    return model.source === 'hf-cache' ? entryForRepo(this.o.catalog(), model.name) : undefined;
  }

  /**
   * The names `model` may go out under, and whether they are names the horde knows for
   * these weights. Text and image: the catalog's or the confirmed reference name, else its own name.
   * Alchemy: the forms named by what they do (caption, nsfw, …) for any model that does
   * it; an upscaler form (named after a model) only from the catalog or a confirmation.
   */
  async names(model: ModelInfo): Promise<{ names: string[]; honest: boolean }> {
    const entry = this.catalogEntry(model);
    const confirmed = (await this.loadConfirmations())[model.path];
    if (model.kind !== 'alchemy') {
      if (entry?.advertise.model) return { names: [entry.advertise.model], honest: true };
      if (confirmed) return { names: [confirmed.as], honest: true };
      return { names: [model.name], honest: false };
    }
    const generic = model.forms.filter((f) => f !== 'upscale');
    if (model.forms.includes('upscale')) {
      const named = entry
        ? entry.advertise.forms.filter((f) => isUpscaler(f))
        : confirmed && isUpscaler(confirmed.as)
          ? [confirmed.as]
          : [];
      return { names: [...generic, ...named], honest: named.length > 0 };
    }
    return { names: generic, honest: true };
  }

  async installed(inUse: ReadonlySet<string>): Promise<InstalledModel[]> {
    const out: InstalledModel[] = [];
    for (const m of await this.scan()) {
      const entry = this.catalogEntry(m);
      const { names, honest } = await this.names(m);
      const linked = m.source === 'folder' && (await isLink(this.topFolder(m)));
      out.push({
        name: m.name,
        path: m.path,
        kind: m.kind,
        forms: m.forms,
        sizeBytes: m.sizeBytes,
        source: entry ? 'catalog' : m.source === 'hf-cache' ? 'hub-cache' : linked ? 'linked' : 'folder',
        ...(entry ? { catalogId: entry.id } : {}),
        advertisedAs: names,
        honestName: honest,
        inUse: inUse.has(m.name),
      });
    }
    return out;
  }

  /** Removes a model: a hub-cache repo or a folder inside the models folder; a linked folder is only unlinked. */
  async remove(name: string): Promise<void> {
    const model = (await this.scan()).find((m) => m.name === name);
    if (!model) throw new Error(`There is no model "${name}" in the models folder.`);
    const root = path.resolve(this.o.modelsDir());
    if (model.source === 'hf-cache') {
      // <root>/models--org--name/snapshots/<sha>: remove the whole repo folder (blobs too).
      const repoDir = path.resolve(model.path, '..', '..');
      if (path.dirname(repoDir) !== root)
        throw new Error(`${name} is in another hub cache; the app leaves it alone.`);
      await rm(repoDir, { recursive: true, force: true });
    } else {
      const top = this.topFolder(model);
      if (await isLink(top)) await unlink(top);
      else await rm(top, { recursive: true, force: true });
    }
    const confirmations = await this.loadConfirmations();
    if (confirmations[model.path]) {
      delete confirmations[model.path];
      await this.saveConfirmations();
    }
  }

  /**
   * Adds a model folder from elsewhere by linking it into the models folder (the files
   * stay where they are). Refuses a folder that is not a model the app can serve.
   */
  async addFolder(folder: string): Promise<ModelInfo> {
    const source = path.resolve(folder);
    const info = await lstat(source).catch(() => null);
    if (!info?.isDirectory()) throw new Error(`${source} is not a folder.`);
    const probeRoot = path.dirname(source);
    const found = (await scanModels(probeRoot)).find((m) => path.resolve(m.path) === source);
    if (!found)
      throw new Error(
        `${source} holds no model the app can serve: it needs config.json and onnx/*.onnx (the transformers.js layout), or text_encoder/, unet/ and vae_decoder/ model.onnx with tokenizer/ and scheduler/scheduler_config.json (a Stable Diffusion ONNX export).`,
      );
    const root = this.o.modelsDir();
    await mkdir(root, { recursive: true });
    const link = path.join(root, path.basename(source));
    if (await lstat(link).catch(() => null))
      throw new Error(`The models folder already has something named ${path.basename(source)}.`);
    await symlink(source, link, process.platform === 'win32' ? 'junction' : 'dir');
    const added = (await this.scan()).find((m) => m.name === path.basename(source));
    if (!added) throw new Error(`${source} was linked but the scan does not find it.`);
    return added;
  }

  /** The user says the folder model `name` is the model `as` (a reference or upscaler name). */
  async confirm(name: string, as: string | null): Promise<void> {
    const model = (await this.scan()).find((m) => m.name === name);
    if (!model) throw new Error(`There is no model "${name}" in the models folder.`);
    if (this.catalogEntry(model))
      throw new Error(`${name} comes from the catalog; its name is already known.`);
    if (model.kind === 'alchemy' && as !== null && !isUpscaler(as))
      throw new Error(`Only upscalers are named after a model; ${as} is not one the horde knows.`);
    const confirmations = await this.loadConfirmations();
    if (as === null) delete confirmations[model.path];
    else confirmations[model.path] = { as };
    await this.saveConfirmations();
  }

  /** Hashes every file of a hub-cache model against the hash its blob is named by; removes damaged ones. */
  async recheck(name: string): Promise<RecheckResult> {
    const model = (await this.scan()).find((m) => m.name === name);
    if (!model) throw new Error(`There is no model "${name}" in the models folder.`);
    if (model.source !== 'hf-cache')
      return { name, filesChecked: 0, damaged: [], note: 'A folder model has no hashes to check against.' };
    const blobs = path.resolve(model.path, '..', '..', 'blobs');
    const damaged: string[] = [];
    let checked = 0;
    for (const file of await listFiles(model.path)) {
      const target = await realpath(file).catch(() => null);
      const etag = target && path.dirname(target) === blobs ? path.basename(target) : null;
      const kind = etag ? hashKindOf(etag) : null;
      if (!target || !etag || !kind) continue;
      checked++;
      if ((await hashFile(target, kind)) !== etag) {
        damaged.push(path.relative(model.path, file));
        await rm(target, { force: true });
        await rm(file, { force: true });
      }
    }
    return { name, filesChecked: checked, damaged };
  }

  private topFolder(model: ModelInfo): string {
    const first = model.name.split('/')[0]!;
    return path.join(this.o.modelsDir(), first);
  }

  private async loadConfirmations(): Promise<Record<string, Confirmation>> {
    if (this.confirmations) return this.confirmations;
    try {
      this.confirmations = JSON.parse(await readFile(this.o.confirmationsFile, 'utf8')) as Record<
        string,
        Confirmation
      >;
    } catch {
      this.confirmations = {};
    }
    return this.confirmations;
  }

  private async saveConfirmations(): Promise<void> {
    const tmp = `${this.o.confirmationsFile}.tmp`;
    await writeFile(tmp, JSON.stringify(this.confirmations ?? {}, null, 2));
    await rename(tmp, this.o.confirmationsFile);
  }
}

function isUpscaler(form: string): boolean {
  return (UPSCALE_FORMS as readonly string[]).includes(form);
}

async function isLink(p: string): Promise<boolean> {
  return (await lstat(p).catch(() => null))?.isSymbolicLink() ?? false;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}
