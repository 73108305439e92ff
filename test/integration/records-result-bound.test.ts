import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isImageForm } from '../../shared/api/interrogate';
import type { HistoryEntry, TextRequestStatus } from '../../shared/bridge/contract';
import { maxStoredResultBytes, MAX_BYTES_PER_TOKEN, utf8Bytes } from '../../shared/kudos/results';
import { MAX_RESULT_BYTES } from '../../electron/bridge/history';
import { invoke, startTestBridge, type RunningBridge } from './bridge-helpers';

/**
 * Issue 15: a worker on a shared horde can send a result far larger than the request asked for.
 * Through the bridge, against a fake horde that does: the app keeps (and shows) no more of it than
 * the request's own max_length allows (max_length × 256 bytes), or for alchemy what its forms
 * allow — not the global bound of the largest request.
 */
const MAX_LENGTH = 32;
const HUGE = 6 * 1024 * 1024;
const hugeText = 'lorem ipsum '.repeat(Math.ceil(HUGE / 12));

const fakeHorde = async (input: string, init?: { method?: string }) => {
  const url = new URL(input);
  const method = init?.method ?? 'GET';
  const p = url.pathname;
  if (p === '/api/v2/find_user')
    return Response.json({ username: 'me#1', id: 1, kudos: 500, evaluating_kudos: 0, worker_ids: [] });
  if (p === '/api/v2/generate/text/async' && method === 'POST')
    return Response.json({ id: 'text-1', kudos: 2 }, { status: 202 });
  if (p === '/api/v2/generate/text/status/text-1')
    return Response.json({
      finished: 1,
      processing: 0,
      restarted: 0,
      waiting: 0,
      done: true,
      faulted: false,
      wait_time: 0,
      queue_position: 0,
      kudos: 2,
      is_possible: true,
      generations: [
        { worker_id: 'w', worker_name: 'greedy', model: 'm', state: 'ok', text: hugeText, seed: 1 },
      ],
    });
  if (p === '/api/v2/interrogate/async' && method === 'POST')
    return Response.json({ id: 'alch-1', kudos: 1 }, { status: 202 });
  if (p === '/api/v2/interrogate/status/alch-1')
    return Response.json({
      state: 'done',
      forms: [{ form: 'caption', state: 'done', result: { caption: hugeText } }],
    });
  return Response.json({ message: 'not here', rc: 'NotFound' }, { status: 404 });
};

let b: RunningBridge;
beforeAll(async () => {
  b = await startTestBridge({ hordeUrl: 'http://127.0.0.1:9/api', fetch: fakeHorde });
});
afterAll(async () => {
  await b.close();
});

const ok = async <T>(channel: string, arg: unknown): Promise<T> => {
  const r = await invoke(b, channel, arg);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return (r.body as { result: T }).result;
};

async function storedResult(id: string): Promise<string> {
  const dir = `${b.backend.history.file}.results`;
  expect((await readdir(dir).catch(() => [])).length).toBeGreaterThan(0);
  return (await b.backend.history.fullResult(id)) ?? '';
}

describe('a result larger than the request asked for', () => {
  it('is cut to the text request’s own max_length bound, in the history and in what the window gets', async () => {
    const submitted = await ok<{ id: string }>('requests:submitText', {
      prompt: 'say a little',
      models: [],
      params: { max_length: MAX_LENGTH, max_context_length: 1024 },
    });
    const status = await ok<TextRequestStatus>('requests:status', { id: submitted.id });
    const bound = MAX_LENGTH * MAX_BYTES_PER_TOKEN;
    // Far below the global bound: the request's own, with a note saying why the text ends there.
    expect(bound).toBeLessThan(MAX_RESULT_BYTES / 10);
    const shown = status.generations[0]!.text;
    expect(utf8Bytes(shown)).toBeLessThan(bound + 100);
    expect(shown.endsWith('[… cut: longer than this request asked for]')).toBe(true);
    expect(hugeText.startsWith(shown.slice(0, bound - 20))).toBe(true);

    const [entry] = await ok<HistoryEntry[]>('requests:history', { kind: 'text' });
    expect(entry).toMatchObject({ id: 'text-1', state: 'done', asked: { maxLength: MAX_LENGTH } });
    const kept = await storedResult('text-1');
    expect(utf8Bytes(kept)).toBeLessThan(bound + 100);
    expect(kept).toBe(shown);
    const size = (await stat(b.backend.history.file)).size;
    console.log(
      `text: the horde sent ${utf8Bytes(hugeText)} bytes for max_length ${MAX_LENGTH}; kept ${utf8Bytes(kept)}; requests.json ${size} bytes`,
    );
    expect(size).toBeLessThan(10_000);
    // What was asked for is recorded before the horde is called (the write-ahead intent), so a
    // request recovered after a crash is bounded the same way.
    const intents = await readFile(path.join(path.dirname(b.backend.history.file), 'intents.jsonl'), 'utf8');
    expect(intents).toContain(`"asked":{"maxLength":${MAX_LENGTH}}`);
  });

  it('is cut to what the alchemy forms asked for allow', async () => {
    await ok('alchemy:submit', {
      sourceImage:
        'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
      forms: ['caption'],
    });
    await ok('alchemy:status', { id: 'alch-1' });
    const [entry] = await ok<HistoryEntry[]>('requests:history', { kind: 'alchemy' });
    expect(entry).toMatchObject({ id: 'alch-1', state: 'done', asked: { forms: ['caption'] } });
    const bound = maxStoredResultBytes({ forms: ['caption'] }, isImageForm);
    const kept = await storedResult('alch-1');
    expect(utf8Bytes(kept)).toBeLessThan(bound + 100);
    expect(kept.startsWith('caption: lorem ipsum')).toBe(true);
    expect(kept.endsWith('[… cut: longer than this request asked for]')).toBe(true);
  });
});
