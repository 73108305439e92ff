import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from './journal';
import { fromKudos } from '../../shared/ledger/money';

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
    await j.record({ id: 'earned:a', at: 1000, kind: 'job_earned', kudos: fromKudos(2.5), ref: 'a' });
    await j.record({ id: 'paid:b', at: 2000, kind: 'job_paid', kudos: fromKudos(-1.25), ref: 'b' });
    await j.record({
      id: 'transfer:k',
      at: 3000,
      kind: 'transfer_out',
      kudos: fromKudos(-1),
      counterparty: 'bob#2',
    });

    const again = new Journal(file);
    await again.load();
    const page = again.query();
    expect(page.entries.map((e) => e.id)).toEqual(['transfer:k', 'paid:b', 'earned:a']);
    expect(page.totals).toEqual({
      earned: fromKudos(2.5),
      spent: fromKudos(1.25),
      transferredIn: 0,
      transferredOut: fromKudos(1),
      awarded: 0,
      net: fromKudos(0.25),
    });
  });

  it('records an id once, however often it is reported', async () => {
    const j = new Journal(file);
    await j.load();
    expect(await j.record({ id: 'earned:a', at: 1, kind: 'job_earned', kudos: fromKudos(1) })).toBe(true);
    expect(await j.record({ id: 'earned:a', at: 2, kind: 'job_earned', kudos: fromKudos(1) })).toBe(false);
    expect(j.query().entries).toHaveLength(1);
  });

  it('filters by time and kind, totals over the filter, and limits the page', async () => {
    const j = new Journal(file);
    await j.load();
    for (let i = 1; i <= 5; i++)
      await j.record({ id: `e${i}`, at: i * 100, kind: 'job_earned', kudos: fromKudos(i) });
    await j.record({ id: 'p', at: 250, kind: 'job_paid', kudos: fromKudos(-7) });
    const page = j.query({ from: 200, to: 400, kinds: ['job_earned'], limit: 2 });
    expect(page.entries.map((e) => e.id)).toEqual(['e4', 'e3']);
    expect(page.totals.earned).toBe(fromKudos(9));
    expect(page.totals.spent).toBe(0);
  });

  it('survives a torn last line from a crash and keeps appending readable lines', async () => {
    const j = new Journal(file);
    await j.load();
    await j.record({ id: 'a', at: 1, kind: 'job_earned', kudos: fromKudos(1) });
    await appendFile(file, '{"id":"b","at":2,"ki');
    const after = new Journal(file);
    await after.load();
    await after.record({ id: 'c', at: 3, kind: 'job_earned', kudos: fromKudos(3) });
    const reread = new Journal(file);
    await reread.load();
    expect(reread.query().entries.map((e) => e.id)).toEqual(['c', 'a']);
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('keeps kudos in the file as it always did (floats), and hands them on as whole milli-kudos', async () => {
    // A line as every earlier version wrote it.
    await appendFile(file, `${JSON.stringify({ id: 'old', at: 1, kind: 'job_earned', kudos: 12.34 })}\n`);
    const j = new Journal(file);
    await j.load();
    await j.record({ id: 'new', at: 2, kind: 'job_earned', kudos: fromKudos(0.66) });
    expect(j.query().entries.map((e) => e.kudos)).toEqual([660, 12_340]);
    expect(j.query().totals.earned).toBe(13_000);
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ id: 'new', kudos: 0.66 });
    await expect(j.record({ id: 'bad', at: 3, kind: 'job_earned', kudos: 1.5 as never })).rejects.toThrow();
  });
});
