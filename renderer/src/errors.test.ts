import { describe, expect, it } from 'vitest';
import { explainError, NOT_POSSIBLE } from './errors';
import { APP_UNREACHABLE_RC } from './bridge/httpBridge';

describe('explainError', () => {
  it('says what KudosUpfront means and what to do', () => {
    const e = explainError({
      rc: 'KudosUpfront',
      message: 'Due to heavy demand, for requests over 512 tokens…',
    });
    expect(e.title).toBe(
      'This request costs more kudos than you have available and is too big to run for free.',
    );
    expect(e.next).toMatch(/Lower max length \/ context, or earn kudos by letting the worker run/);
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
