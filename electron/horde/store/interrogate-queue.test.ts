import { describe, expect, it } from 'vitest';
import { HordeDb } from './db';
import {
  enqueueInterrogation,
  interrogationStatus,
  popForms,
  submitForm,
  sweepForms,
  type AlchemyLimits,
} from './interrogate-queue';
import { createUser, userById } from './users';
import { checkIn } from './workers';

const limits: AlchemyLimits = { formTtlS: 180, requestTtlS: 1200, maxFormRequeues: 3, ledger: {} };

function setup() {
  const db = new HordeDb(':memory:');
  const requester = userById(db, createUser(db, 'req', 0).id)!;
  const owner = userById(db, createUser(db, 'own', 0, { trusted: true }).id)!;
  const worker = checkIn(
    db,
    { user: owner, name: 'alch', type: 'interrogation', forms: ['caption'], threads: 1, bridgeAgent: 't' },
    0,
    300,
  );
  const id = enqueueInterrogation(
    db,
    { user: requester, sourceBlob: 'b', forms: [{ name: 'caption' }], tiles: 1, extraPriority: 0 },
    0,
    limits,
  );
  return { db, owner, worker, id };
}

describe('alchemy forms', () => {
  it('requeues a form popped and not delivered in time, and faults it on the 4th abort', () => {
    const { db, worker, id } = setup();
    let now = 0;
    for (let abort = 1; abort <= limits.maxFormRequeues + 1; abort++) {
      now += 1000;
      expect(
        popForms(db, worker, { forms: ['caption'], amount: 1, priorityUserIds: [] }, now, limits),
      ).toHaveLength(1);
      now += limits.formTtlS * 1000 + 1;
      expect(sweepForms(db, now, limits).abortedForms).toBe(1);
      const state = interrogationStatus(db, id).forms[0]!.state;
      expect(state).toBe(abort <= limits.maxFormRequeues ? 'waiting' : 'faulted');
    }
    expect(interrogationStatus(db, id).state).toBe('faulted');
    expect(
      popForms(db, worker, { forms: ['caption'], amount: 1, priorityUserIds: [] }, now, limits),
    ).toHaveLength(0);
  });

  it('a faulted delivery pays nothing and puts the form back', () => {
    const { db, owner, worker, id } = setup();
    const [popped] = popForms(db, worker, { forms: ['caption'], amount: 1, priorityUserIds: [] }, 1, limits);
    const reward = submitForm(
      db,
      { formId: popped!.form.id, user: owner, result: {}, state: 'faulted', resultUrl: () => '' },
      2,
      limits,
    );
    expect(reward).toBe(0);
    expect(interrogationStatus(db, id).state).toBe('waiting');
  });
});
