import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from './journal';

describe('Journal', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'journal-'));
    file = path.join(dir, 'journal.jsonl');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps entries across a restart, newest first, with totals', async () => {
    const j = new Journal(file);
    await j.load();
    await j.record({ id: 'earned:a', at: 1000, kind: 'job_earned', kudos: 2.5, ref: 'a' });
    await j.record({ id: 'paid:b', at: 2000, kind: 'job_paid', kudos: -1.25, ref: 'b' });
    await j.record({ id: 'transfer:k', at: 3000, kind: 'transfer_out', kudos: -1, counterparty: 'bob#2' });

    const again = new Journal(file);
    await again.load();
    const page = again.query();
    expect(page.entries.map((e) => e.id)).toEqual(['transfer:k', 'paid:b', 'earned:a']);
    expect(page.totals).toEqual({
      earned: 2.5,
      spent: 1.25,
      transferredIn: 0,
      transferredOut: 1,
      awarded: 0,
      net: 0.25,
    });
  });

  it('records an id once, however often it is reported', async () => {
    const j = new Journal(file);
    await j.load();
    expect(await j.record({ id: 'earned:a', at: 1, kind: 'job_earned', kudos: 1 })).toBe(true);
    expect(await j.record({ id: 'earned:a', at: 2, kind: 'job_earned', kudos: 1 })).toBe(false);
    expect(j.query().entries).toHaveLength(1);
  });

  it('filters by time and kind, totals over the filter, and limits the page', async () => {
    const j = new Journal(file);
    await j.load();
    for (let i = 1; i <= 5; i++) await j.record({ id: `e${i}`, at: i * 100, kind: 'job_earned', kudos: i });
    await j.record({ id: 'p', at: 250, kind: 'job_paid', kudos: -7 });
    const page = j.query({ from: 200, to: 400, kinds: ['job_earned'], limit: 2 });
    expect(page.entries.map((e) => e.id)).toEqual(['e4', 'e3']);
    expect(page.totals.earned).toBe(9);
    expect(page.totals.spent).toBe(0);
  });

  it('survives a torn last line from a crash and keeps appending readable lines', async () => {
    const j = new Journal(file);
    await j.load();
    await j.record({ id: 'a', at: 1, kind: 'job_earned', kudos: 1 });
    await appendFile(file, '{"id":"b","at":2,"ki');
    const after = new Journal(file);
    await after.load();
    await after.record({ id: 'c', at: 3, kind: 'job_earned', kudos: 3 });
    const reread = new Journal(file);
    await reread.load();
    expect(reread.query().entries.map((e) => e.id)).toEqual(['c', 'a']);
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(3);
  });
});
