import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HordeClient } from '../client/horde-client';
import { Journal } from './journal';
import { UptimeWatcher } from './uptime-watcher';
import { fromKudos } from '../../shared/ledger/money';

describe('UptimeWatcher', () => {
  let dir: string;
  let uptime: number;
  const fetch = async (url: string) => {
    if (url.endsWith('/v2/find_user'))
      return Response.json({ username: 'a#1', id: 1, kudos: 0, worker_ids: ['w1'] });
    return Response.json({ id: 'w1', name: 'w', kudos_details: { generated: 0, uptime } });
  };
  const client = new HordeClient({
    baseUrl: 'http://h/api',
    apiKey: () => 'k',
    clientAgent: 'a',
    fetch,
    retries: 0,
  });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'uptime-'));
    uptime = 100;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('journals each increase once, across a restart, and not the uptime from before', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const journal = new Journal(file);
    await journal.load();
    let pushed = 0;
    const watcher = new UptimeWatcher({ client: () => client, journal, onRecorded: () => pushed++ });
    await watcher.checkOnce();
    expect(journal.query().entries).toEqual([]);
    uptime = 125.5;
    await watcher.checkOnce();
    await watcher.checkOnce();
    expect(journal.query().entries.map((e) => [e.kind, e.kudos])).toEqual([['uptime', fromKudos(25.5)]]);
    expect(pushed).toBe(1);

    const reopened = new Journal(file);
    await reopened.load();
    uptime = 150.5;
    await new UptimeWatcher({
      client: () => client,
      journal: reopened,
      onRecorded: () => undefined,
    }).checkOnce();
    expect(reopened.query().entries.map((e) => e.kudos)).toEqual([fromKudos(25), fromKudos(25.5)]);
  });
});
