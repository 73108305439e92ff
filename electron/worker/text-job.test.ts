import { describe, expect, it } from 'vitest';
import { readTextPop, textGenParams } from './text-job';

describe('readTextPop', () => {
  it('reads an empty pop and a job', () => {
    expect(readTextPop({ id: null, ids: [], skipped: { models: 2, max_length: 1, kudos: 0 } })).toEqual({
      kind: 'none',
      skipped:
        'waiting requests this worker cannot take: 2 want other models; 1 want more new tokens than this worker offers',
    });
    // Informational fields in unexpected shapes do not make an empty pop unreadable.
    expect(readTextPop({ id: null, skipped: 'n/a', messages: [{ text: 1 }] })).toEqual({ kind: 'none' });
    const job = readTextPop({
      id: 'a',
      ids: ['a'],
      model: 'koboldcpp/tiny',
      payload: {
        prompt: 'Hi',
        n: 1,
        max_length: 80,
        max_context_length: 1024,
        stop_sequence: null,
        temperature: 0.5,
      },
    });
    expect(job).toMatchObject({
      kind: 'job',
      id: 'a',
      model: 'koboldcpp/tiny',
      payload: { temperature: 0.5 },
    });
  });

  it('keeps the id of an unreadable job so it can be handed back', () => {
    const bad = readTextPop({ id: 'x', ids: ['x'], payload: { prompt: 1 } });
    expect(bad).toMatchObject({ kind: 'malformed', id: 'x' });
    expect(bad.kind === 'malformed' && bad.problem).toContain('payload.prompt');
    expect(readTextPop('nonsense')).toMatchObject({ kind: 'malformed' });
    expect(readTextPop(undefined)).not.toHaveProperty('id');
  });
});

describe('textGenParams', () => {
  it("maps the horde's payload, the context counting the new tokens too", () => {
    const params = textGenParams(
      {
        prompt: 'Hi',
        n: 1,
        max_length: 100,
        max_context_length: 1024,
        top_k: 40,
        top_p: 0.9,
        rep_pen: 1.1,
        stop_sequence: ['\nUser:', ''],
      },
      42,
    );
    expect(params).toEqual({
      prompt: 'Hi',
      maxNewTokens: 100,
      maxContextLength: 924,
      temperature: 0.7,
      topK: 40,
      topP: 0.9,
      repPen: 1.1,
      stopSequences: ['\nUser:'],
      seed: 42,
    });
  });
});
