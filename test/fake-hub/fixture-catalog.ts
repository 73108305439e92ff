/**
 * The generated fixture models as hub repos (`horde-desktop-fixtures/<name>`) and as
 * catalog entries pinned to the fake hub's commits, so tests drive the real catalog
 * code and the real downloader against the fake hub.
 */
import path from 'node:path';
import type { CatalogEntry, WorkKind } from '../../shared/catalog/schema';
import { FIXTURE_MODELS_DIR } from '../fixtures/generate';
import { repoFromFolder, type FakeRepo } from './repos';

export const FIXTURE_ORG = 'horde-desktop-fixtures';

const KINDS: Record<string, { kind: WorkKind; forms: string[] }> = {
  'tiny-gpt2': { kind: 'text', forms: [] },
  'tiny-caption': { kind: 'caption', forms: ['caption'] },
  'tiny-clip': { kind: 'interrogation', forms: ['interrogation'] },
  'tiny-nsfw': { kind: 'nsfw', forms: ['nsfw'] },
  'tiny-matte': { kind: 'strip_background', forms: ['strip_background'] },
};

export const FIXTURE_NAMES = Object.keys(KINDS);

export async function fixtureRepos(names = FIXTURE_NAMES, dir = FIXTURE_MODELS_DIR): Promise<FakeRepo[]> {
  return Promise.all(names.map((n) => repoFromFolder(`${FIXTURE_ORG}/${n}`, path.join(dir, n))));
}

export function catalogEntryFor(repo: FakeRepo): CatalogEntry {
  const name = repo.id.split('/')[1]!;
  const k = KINDS[name] ?? { kind: 'caption' as const, forms: [] };
  return {
    id: `fixture-${name}`,
    kind: k.kind,
    title: `Fixture ${name}`,
    summary: `The generated ${name} test model, served by the fake hub.`,
    repo: repo.id,
    revision: repo.commit,
    revisionPinned: true,
    files: repo.files.map((f) => ({ path: f.path, approxMb: f.bytes.length / (1024 * 1024) })),
    licence: 'apache-2.0',
    advertise: { forms: k.forms },
    advertiseWhy:
      'A test model: alchemy forms are asked for by name; the text model goes out under its own name.',
    speed: 'fast',
    gpu: 'none',
    runnable: true,
    card: `https://huggingface.co/${repo.id}`,
    unchecked: [],
  };
}

export function fixtureCatalogDoc(repos: FakeRepo[]): { version: 1; entries: CatalogEntry[] } {
  return { version: 1, entries: repos.map(catalogEntryFor) };
}
