import { describe, expect, it } from 'vitest';
import { fromKudos } from '../../shared/ledger/money';
import type { RequestProgress } from '../../shared/bridge/contract';
import type { CurrentJob, WorkerStats } from '../../shared/worker/stats';
import { LiveProgress } from './live-progress';

function stats(job?: Partial<CurrentJob>): WorkerStats {
  return {
    state: 'running',
    stateReason: '',
    jobsDone: 0,
    jobsFaulted: 0,
    tokensPerSecond: 0,
    kudosThisSession: fromKudos(0),
    uptimeSeconds: 0,
    advertised: { models: [], maxLength: 80, maxContextLength: 1024, forms: [] },
    ...(job
      ? {
          currentJob: {
            id: 'job-a',
            kind: 'text',
            model: 'm',
            progress: 0,
            tokens: 0,
            maxTokens: 80,
            ...job,
          },
        }
      : {}),
  };
}

function setup() {
  const pushed: RequestProgress[] = [];
  const lookups: string[] = [];
  const jobs: Record<string, { kind: 'text' | 'image'; requestId: string }> = {
    'job-a': { kind: 'text', requestId: 'req-1' },
    'job-img': { kind: 'image', requestId: 'img-7' },
  };
  const live = new LiveProgress({
    requestOfJob: (id) => {
      lookups.push(id);
      return jobs[id];
    },
    emit: (p) => pushed.push(p),
  });
  return { live, pushed, lookups };
}

describe('live progress of a request run by the in-app worker', () => {
  it('pushes tokens of max_length for the request the job belongs to, each count once', () => {
    const { live, pushed, lookups } = setup();
    live.onStats(stats({ tokens: 12 }));
    live.onStats(stats({ tokens: 12 }));
    live.onStats(stats({ tokens: 40 }));
    expect(pushed).toEqual([
      { id: 'req-1', kind: 'text', done: 12, total: 80, unit: 'tokens' },
      { id: 'req-1', kind: 'text', done: 40, total: 80, unit: 'tokens' },
    ]);
    // The horde is asked once per job, not per token.
    expect(lookups).toEqual(['job-a']);
  });

  it('pushes sampler steps for an image job', () => {
    const { live, pushed } = setup();
    live.onStats(stats({ id: 'job-img', kind: 'image', tokens: 3, maxTokens: 20 }));
    expect(pushed).toEqual([{ id: 'img-7', kind: 'image', done: 3, total: 20, unit: 'steps' }]);
  });

  it('pushes nothing for alchemy, for no job, or for a job the horde does not know', () => {
    const { live, pushed } = setup();
    live.onStats(stats());
    live.onStats(null);
    live.onStats(stats({ id: 'form-1', kind: 'alchemy', maxTokens: 0 }));
    live.onStats(stats({ id: 'job-elsewhere', tokens: 5 }));
    expect(pushed).toEqual([]);
  });

  it('never says more than the whole', () => {
    const { live, pushed } = setup();
    live.onStats(stats({ tokens: 95 }));
    expect(pushed[0]).toMatchObject({ done: 80, total: 80 });
  });
});
