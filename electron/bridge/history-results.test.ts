import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newHistoryEntry } from './views';
import { INLINE_RESULT_BYTES, MAX_RESULT_BYTES, RequestHistory } from './history';
import { fromKudos } from '../../shared/ledger/money';

/**
 * Issue 15: a worker on a shared horde can send a huge result; the history keeps long results as
 * files beside requests.json (which stays small and is not rewritten with them on every save),
 * bounded by what any request can ask for.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function history(): { h: RequestHistory; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'history-results-'));
  dirs.push(dir);
  const file = path.join(dir, 'requests.json');
  return { h: new RequestHistory(file), file };
}

const done = (id: string, result: string) => ({
  ...newHistoryEntry('text', id, `prompt ${id}`, ['m'], fromKudos(1), 1_000),
  state: 'done' as const,
  result,
});

describe('long results in the request history', () => {
  it('stores them as files, keeps requests.json small, and reads them back whole after a restart', async () => {
    const { h, file } = history();
    await h.load();
    const big = (seed: string, bytes: number) => seed.repeat(Math.ceil(bytes / seed.length)).slice(0, bytes);
    const results = [big('alpha ', 900_000), big('beta ', 700_000), big('gamma ', 500_000)];
    for (const [i, r] of results.entries()) await h.put(done(`req-${i}`, r));
    // A short result stays inline.
    await h.put(done('short', 'a short answer'));
    // Polling again with the same text (as the tracker does) does not grow anything.
    await h.put(done('req-0', results[0]!));

    const size = statSync(file).size;
    console.log(
      `requests.json: ${size} bytes for ${results.reduce((n, r) => n + r.length, 0)} bytes of results`,
    );
    expect(size).toBeLessThan(20_000);
    expect(readFileSync(file, 'utf8')).not.toContain(results[0]!.slice(0, INLINE_RESULT_BYTES + 1));
    expect(readdirSync(h.resultsDir)).toHaveLength(3);
    // The window gets a preview (History shows 120 characters); the whole text is in the file.
    expect(h.get('req-1')?.result?.length).toBeLessThan(1100);
    expect(await h.fullResult('req-1')).toBe(results[1]);
    expect(h.get('short')?.result).toBe('a short answer');

    const again = new RequestHistory(file);
    await again.load();
    expect(await again.fullResult('req-0')).toBe(results[0]);
    expect(again.get('req-2')?.result).toBe(h.get('req-2')?.result);
    expect(again.list()).toHaveLength(4);
  });

  it('bounds a result by what any request can ask for, and removes a file no entry names', async () => {
    const { h } = history();
    await h.load();
    const huge = 'x'.repeat(MAX_RESULT_BYTES * 5);
    await h.put(done('huge', huge));
    const stored = (await h.fullResult('huge'))!;
    expect(stored.length).toBeLessThan(MAX_RESULT_BYTES + 100);
    expect(stored.endsWith('[… cut: longer than any request can ask for]')).toBe(true);
    // The result replaced by a short one (a corrected status): its file goes.
    await h.put(done('huge', 'short now'));
    expect(readdirSync(h.resultsDir)).toEqual([]);
  });
});
