import { describe, expect, it } from 'vitest';
import { explainError, NOT_POSSIBLE } from './errors';
import { APP_UNREACHABLE_RC } from './bridge/httpBridge';
import { RC_STATUS } from '../../shared/api/common';
import { AI_HORDE_RCS } from '../../shared/api/known-rc';
import { APP_RCS, hasDeveloperWords } from '../../shared/bridge/rc-messages';

describe('explainError', () => {
  it('says what KudosUpfront means and what to do', () => {
    const e = explainError({
      rc: 'KudosUpfront',
      message: 'Due to heavy demand, for requests over 512 tokens…',
    });
    expect(e.title).toBe(
      'This request costs more kudos than you have available and is too big to run for free.',
    );
    expect(e.next).toMatch(/Lower max length so it runs free, or earn the kudos it needs up front/);
    expect(e.next).not.toMatch(/context/);
  });

  it('points an invalid key at Settings', () => {
    expect(explainError({ rc: 'InvalidAPIKey', message: 'x' }).next).toMatch(/Settings/);
  });

  it('explains requests no worker can serve', () => {
    expect(explainError({ rc: 'NoValidWorkers', message: 'x' }).title).toMatch(/No worker can serve/);
    expect(NOT_POSSIBLE.title).toBe('No worker can serve this right now.');
  });

  it('explains too many prompts and unreachable hordes', () => {
    expect(explainError({ rc: 'TooManyPrompts', message: 'x' }).next).toMatch(/cancel one/);
    expect(explainError({ rc: 'HordeUnreachable', message: 'fetch failed' }).title).toMatch(
      /could not be reached/,
    );
    expect(explainError({ rc: APP_UNREACHABLE_RC, message: 'fetch failed' }).next).toMatch(/running/);
  });

  it("uses the bridge's hint only for codes the window has no words for", () => {
    expect(explainError({ rc: 'KudosUpfront', message: 'm', hint: 'Other words.' }).next).toMatch(
      /Lower max length/,
    );
    expect(explainError({ rc: 'SomethingNew', message: 'm', hint: 'Do this.' }).next).toBe('Do this.');
  });

  it('keeps an unknown rc readable, as a sentence', () => {
    const e = explainError({ rc: 'SomethingNew', message: 'the horde is grumpy' });
    expect(e.title).toBe('the horde is grumpy.');
    expect(e.next).not.toBe('');
  });

  it('handles thrown Errors and junk', () => {
    expect(explainError(new Error('boom')).title).toBe('boom.');
    expect(explainError(42).title).toBe('Something went wrong.');
  });
});

describe('every rc the window can receive reads as a sentence for a person', () => {
  const every = [...new Set<string>([...AI_HORDE_RCS, ...Object.keys(RC_STATUS), ...APP_RCS])];

  it.each(every)('%s has words with no API path, command or stack trace', (rc) => {
    // The raw message the horde or the app might send with it, full of developer words: none of it
    // may reach the headline or the next step.
    const raw = `/v2/generate/text/pop: failed (npm run horde -- user add NAME)\n    at pop (worker.ts:12:3)`;
    const e = explainError({ rc, message: raw });
    expect(e.title.length).toBeGreaterThan(10);
    expect(e.next.length).toBeGreaterThan(5);
    expect(hasDeveloperWords(e.title), e.title).toBe(false);
    expect(hasDeveloperWords(e.next), e.next).toBe(false);
    expect(e.title).toMatch(/[.!?]$/);
    // …and it is one click away.
    expect(e.detail).toContain(raw);
  });

  it('keeps the horde’s raw message of an unknown rc behind Details when it has developer words', () => {
    const e = explainError({ rc: 'SomethingNewer', message: 'POST /v2/generate/async exploded' });
    expect(e.title).toBe('The horde refused this.');
    expect(e.detail).toMatch(/\/v2\/generate\/async/);
  });

  it('recognises the developer words it guards against', () => {
    for (const bad of [
      'Error — /v2/generate/text/pop: No user matching sent API Key',
      'Ask the horde admin for a key (npm run horde -- user add NAME)',
      'Check that `npm run serve` is still running',
      'TypeError: x is undefined\n    at foo (bar.ts:1:2)',
    ]) {
      expect(hasDeveloperWords(bad), bad).toBe(true);
    }
    expect(hasDeveloperWords('The horde could not be reached.')).toBe(false);
  });
});
