import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_CATALOG,
  downloadMb,
  fitsMachine,
  memoryNeedMb,
  mergeCatalogs,
  parseCatalog,
} from './catalog';
import { earningOn, PUBLIC_ALCHEMY_UPTIME_KUDOS } from './earnings';

const roomy = { memoryMb: 16_384, diskFreeMb: 100_000, gpu: false };

describe('the built-in catalog', () => {
  it('has a runnable model for each alchemy form the app serves and for text', () => {
    const kinds = new Set(BUILT_IN_CATALOG.filter((e) => e.runnable).map((e) => e.kind));
    for (const k of ['text', 'caption', 'interrogation', 'nsfw', 'strip_background'] as const)
      expect(kinds.has(k), k).toBe(true);
  });

  it('advertises alchemy forms only for alchemy entries, and a model name only for text and image entries', () => {
    for (const e of BUILT_IN_CATALOG) {
      if (e.kind === 'text' || e.kind === 'image') expect(e.advertise.forms, e.id).toEqual([]);
      else {
        expect(e.advertise.model, e.id).toBeUndefined();
        expect(e.advertise.forms, e.id).toEqual([e.kind]);
      }
    }
  });

  it('says what it could not check for every entry whose revision is not pinned', () => {
    for (const e of BUILT_IN_CATALOG.filter((x) => !x.revisionPinned))
      expect(
        e.unchecked.some((u) => /revision/.test(u)),
        e.id,
      ).toBe(true);
  });

  it('rejects a malformed entry with the field named', () => {
    const doc = { version: 1, entries: [{ ...BUILT_IN_CATALOG[0], repo: 'no-slash' }] };
    expect(() => parseCatalog(doc)).toThrow(/repo/);
    const pinned = { version: 1, entries: [{ ...BUILT_IN_CATALOG[0], revisionPinned: true }] };
    expect(() => parseCatalog(pinned)).toThrow(/40-hex/);
  });

  it('lets an extra catalog replace an entry by id and add others', () => {
    const first = BUILT_IN_CATALOG[0]!;
    const merged = mergeCatalogs(BUILT_IN_CATALOG, [
      { ...first, title: 'Replaced' },
      { ...first, id: 'another-one' },
    ]);
    expect(merged).toHaveLength(BUILT_IN_CATALOG.length + 1);
    expect(merged.find((e) => e.id === first.id)?.title).toBe('Replaced');
  });
});

describe('which entries fit a machine', () => {
  const text = BUILT_IN_CATALOG.find((e) => e.kind === 'text' && e.runnable)!;
  const image = BUILT_IN_CATALOG.find((e) => e.kind === 'image')!;

  it('fits on a roomy machine, with memory twice the files unless the card says', () => {
    expect(fitsMachine(text, roomy)).toEqual({ ok: true });
    expect(memoryNeedMb(text)).toBe(Math.ceil(downloadMb(text) * 2));
  });

  it('says why it does not fit: memory, disk, GPU, or no runner yet', () => {
    const small = { ...roomy, memoryMb: Math.floor(memoryNeedMb(text) / 2) };
    expect(fitsMachine(text, small)).toMatchObject({ ok: false, reason: expect.stringMatching(/memory/) });
    const full = { ...roomy, diskFreeMb: 1 };
    expect(fitsMachine(text, full)).toMatchObject({ ok: false, reason: expect.stringMatching(/disk/) });
    expect(fitsMachine(image, roomy)).toEqual({ ok: true });
    expect(fitsMachine({ ...image, runnable: false }, roomy)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/cannot run/),
    });
    expect(fitsMachine({ ...image, gpu: 'required' }, roomy)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/GPU/),
    });
  });
});

describe('what earns where', () => {
  it('on the public AI Horde: alchemy fully (with the uptime figure), text and images only in part', () => {
    expect(earningOn('public', 'caption')).toMatchObject({ level: 'full' });
    expect(earningOn('public', 'caption').why).toContain(`${PUBLIC_ALCHEMY_UPTIME_KUDOS} kudos`);
    expect(earningOn('public', 'text')).toMatchObject({
      level: 'limited',
      why: expect.stringMatching(/validated/),
    });
    expect(earningOn('public', 'image')).toMatchObject({
      level: 'limited',
      why: expect.stringMatching(/r2/),
    });
  });

  it('on the embedded horde everything earns, and it says the kudos stay there', () => {
    expect(earningOn('embedded', 'text')).toMatchObject({
      level: 'full',
      why: expect.stringMatching(/stay/),
    });
  });
});
