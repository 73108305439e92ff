/**
 * The Hugging Face hub cache layout, as huggingface_hub and transformers.js read it:
 * `models--org--name/{blobs/<etag>, snapshots/<commit>/<path> → ../../blobs/<etag>, refs/<branch>}`.
 * A blob is named by its hash (SHA-256 for LFS files, the git blob SHA-1 otherwise),
 * so every file can be checked again later without the network.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { getRepoFolderName } from '@huggingface/hub';

export function repoDir(cacheDir: string, repo: string): string {
  return path.join(cacheDir, getRepoFolderName({ type: 'model', name: repo }));
}

export function blobPath(cacheDir: string, repo: string, etag: string): string {
  return path.join(repoDir(cacheDir, repo), 'blobs', etag);
}

export function snapshotDir(cacheDir: string, repo: string, commit: string): string {
  return path.join(repoDir(cacheDir, repo), 'snapshots', commit);
}

export async function readRef(cacheDir: string, repo: string, ref: string): Promise<string | null> {
  return readFile(path.join(repoDir(cacheDir, repo), 'refs', ref), 'utf8').then(
    (s) => s.trim() || null,
    () => null,
  );
}

/** A relative symlink from the snapshot to the blob, as the hub tools make; a copy where links fail. */
export async function linkBlob(blob: string, pointer: string): Promise<void> {
  await mkdir(path.dirname(pointer), { recursive: true });
  await rm(pointer, { force: true });
  try {
    await symlink(path.relative(path.dirname(pointer), blob), pointer);
  } catch {
    await copyFile(blob, pointer);
  }
}

export async function fileSize(file: string): Promise<number | null> {
  return stat(file).then(
    (s) => s.size,
    () => null,
  );
}

/** The hash a blob is named by: SHA-256 of the bytes (LFS), or git's SHA-1 of "blob <size>\0" + bytes. */
export async function hashFile(file: string, kind: 'sha256' | 'git-sha1'): Promise<string> {
  const hash = blobHash(kind, (await stat(file)).size);
  await hashPrefix(hash, file);
  return hash.digest('hex');
}

/** A hash for a blob of `size` bytes, to be fed its bytes in order (git's SHA-1 starts with its header). */
export function blobHash(kind: 'sha256' | 'git-sha1', size: number): Hash {
  const hash = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') hash.update(`blob ${size}\0`);
  return hash;
}

/** Feeds `hash` the bytes `file` has so far: the part of a blob fetched before a download resumed. */
export async function hashPrefix(hash: Hash, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

/** Which hash names a blob: a 64-hex name is an LFS SHA-256, a 40-hex one a git SHA-1. */
export function hashKindOf(etag: string): 'sha256' | 'git-sha1' | null {
  if (/^[0-9a-f]{64}$/.test(etag)) return 'sha256';
  if (/^[0-9a-f]{40}$/.test(etag)) return 'git-sha1';
  return null;
}
