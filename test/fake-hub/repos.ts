/**
 * Repos for the fake hub, built from folders on disk (the generated fixture models):
 * each file with its git blob id, LFS SHA-256 for binary files, and a commit id
 * derived from the whole tree, so the same fixtures always give the same commit.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface RepoFile {
  path: string;
  bytes: Buffer;
  /** git blob SHA-1 of the file (for an LFS file: of its pointer, as on the hub). */
  oid: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

export interface FakeRepo {
  id: string;
  commit: string;
  files: RepoFile[];
  /** Needs a token (gated/private): 401 without one. */
  gated?: boolean;
}

const gitSha1 = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

/** Files the hub keeps in LFS: the weights (as .gitattributes does for *.onnx, *.bin, …). */
const isLfs = (p: string): boolean => /\.(onnx|onnx_data|bin|pb|safetensors)$/.test(p);

export function repoFile(p: string, bytes: Buffer): RepoFile {
  if (!isLfs(p)) return { path: p, bytes, oid: gitSha1(bytes) };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const pointer = Buffer.from(
    `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${bytes.length}\n`,
  );
  return {
    path: p,
    bytes,
    oid: gitSha1(pointer),
    lfs: { oid: sha256, size: bytes.length, pointerSize: pointer.length },
  };
}

export function makeRepo(id: string, files: RepoFile[], gated = false): FakeRepo {
  const sorted = [...files].sort((a, b) => a.path.localeCompare(b.path));
  const tree = createHash('sha1');
  for (const f of sorted) tree.update(`${f.path}\0${f.oid}\n`);
  return { id, commit: tree.digest('hex'), files: sorted, ...(gated ? { gated } : {}) };
}

/** A repo holding every file under `folder` (dot-files left out). */
export async function repoFromFolder(id: string, folder: string): Promise<FakeRepo> {
  const files: RepoFile[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(dir, e.name), rel);
      else files.push(repoFile(rel, await readFile(path.join(dir, e.name))));
    }
  };
  await walk(folder, '');
  return makeRepo(id, files);
}
