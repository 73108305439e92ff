import { alchemyFormKudos } from '../../../shared/kudos/pricing';
import { compareQueue } from '../../../shared/kudos/priority';
import { asMilli, fromKudos, type Milli } from '../../../shared/ledger/money';
import { isImageForm } from '../../../shared/api/interrogate';
import type { InterrogationStatus } from '../../../shared/api/interrogate';
import { HordeError } from '../../../shared/api/horde-error';
import { invalidJobId, requestNotFound } from '../errors';
import { newRowId } from './ids';
import { formResultProblem } from '../../../shared/kudos/results';
import type { FairRules } from './fair';
import { promoteIfTrusted } from './evaluation';
import type { HordeDb } from './db';
import { newToken } from './keys';
import { settleJob } from './kudos';
import { bumpUserCounter, type KeyHolder } from './users';
import { recordAbort, recordFulfilment, workerById, type WorkerRow } from './workers';

/**
 * Alchemy: an interrogation request holds one source image and several
 * forms; each form is popped, processed and paid on its own. A popped form
 * not submitted within its ttl (3 min on the AI Horde) goes back to waiting;
 * on its 4th abort it is faulted.
 */

export interface InterrogationRow {
  id: string;
  user_id: number;
  source_blob: string;
  status: 'active' | 'cancelled' | 'expired';
  created_at: number;
  expires_at: number;
}

export interface FormRow {
  id: string;
  interrogation_id: string;
  name: string;
  payload: string | null;
  state: 'waiting' | 'processing' | 'done' | 'faulted' | 'cancelled';
  extra_priority: number;
  created_at: number;
  kudos: number;
  worker_id: string | null;
  deadline: number | null;
  aborts: number;
  result: string | null;
  reward: number;
  upload_token: string | null;
}

export interface AlchemyLimits {
  /** Seconds a popped form may take (180 on the AI Horde). */
  formTtlS: number;
  requestTtlS: number;
  /** Aborts a form survives; the next one faults it (3 on the AI Horde: faulted on the 4th). */
  maxFormRequeues: number;
  ledger: FairRules;
}

export interface NewInterrogation {
  user: KeyHolder;
  sourceBlob: string;
  forms: { name: string; payload?: Record<string, unknown> }[];
  /** 512×512 tiles of the source image, for post-processor prices. */
  tiles: number;
  extraPriority: number;
  clientAgent?: string;
}

/** The kudos a form is worth, in milli-kudos (the worker earns it, the requester pays it). */
export function formPrice(name: string, tiles: number): Milli {
  return fromKudos(alchemyFormKudos(name, tiles));
}

export function enqueueInterrogation(
  db: HordeDb,
  r: NewInterrogation,
  now: number,
  limits: AlchemyLimits,
): string {
  return db.tx(() => {
    const id = newRowId();
    db.run(
      `INSERT INTO interrogations (id, user_id, source_blob, status, created_at, expires_at, client_agent) VALUES (?, ?, ?, 'active', ?, ?, ?)`,
      id,
      r.user.id,
      r.sourceBlob,
      now,
      now + limits.requestTtlS * 1000,
      r.clientAgent ?? null,
    );
    for (const f of r.forms) {
      db.run(
        `INSERT INTO interrogation_forms (id, interrogation_id, name, payload, state, extra_priority, created_at, kudos)
         VALUES (?, ?, ?, ?, 'waiting', ?, ?, ?)`,
        newRowId(),
        id,
        f.name,
        f.payload ? JSON.stringify(f.payload) : null,
        r.extraPriority,
        now,
        formPrice(f.name, r.tiles),
      );
    }
    bumpUserCounter(db, r.user.id, 'interrogation_requests', 1);
    return id;
  });
}

export function interrogationById(db: HordeDb, id: string): InterrogationRow | undefined {
  return db.get<InterrogationRow>('SELECT * FROM interrogations WHERE id = ?', id);
}

export function formById(db: HordeDb, id: string): FormRow | undefined {
  return db.get<FormRow>('SELECT * FROM interrogation_forms WHERE id = ?', id);
}

export interface PoppedForm {
  form: FormRow;
  interrogation: InterrogationRow;
  /** Set for image forms: the secret the worker's upload must carry. */
  uploadToken?: string;
}

export function popForms(
  db: HordeDb,
  worker: WorkerRow,
  o: { forms: string[]; amount: number; priorityUserIds: number[]; onlyPriority?: boolean },
  now: number,
  limits: AlchemyLimits,
): PoppedForm[] {
  return db.tx(() => {
    // One indexed walk per form name (state, name, priority, age), merged here: forms of
    // other names never cost a pop anything, however many are waiting.
    const pick = (priority: boolean, limit: number): (FormRow & { user_id: number })[] =>
      [...new Set(o.forms)]
        .flatMap((name) =>
          db.all<FormRow & { user_id: number }>(
            `SELECT f.*, i.user_id FROM interrogation_forms f JOIN interrogations i ON i.id = f.interrogation_id
             WHERE f.state = 'waiting' AND f.name = :name
             ${priority ? 'AND i.user_id IN (SELECT value FROM json_each(:users))' : ''}
             ORDER BY f.extra_priority DESC, f.created_at LIMIT :limit`,
            { name, limit, ...(priority ? { users: JSON.stringify(o.priorityUserIds) } : {}) },
          ),
        )
        .sort((x, y) =>
          compareQueue(
            { extraPriority: x.extra_priority, createdAt: x.created_at },
            { extraPriority: y.extra_priority, createdAt: y.created_at },
          ),
        )
        .slice(0, limit);
    const chosen = o.priorityUserIds.length > 0 ? pick(true, o.amount) : [];
    if (chosen.length < o.amount && !o.onlyPriority) {
      const seen = new Set(chosen.map((f) => f.id));
      for (const f of pick(false, o.amount)) {
        if (chosen.length >= o.amount) break;
        if (!seen.has(f.id)) chosen.push(f);
      }
    }
    const out: PoppedForm[] = [];
    for (const f of chosen) {
      const token = isImageForm(f.name) ? newToken() : null;
      db.run(
        "UPDATE interrogation_forms SET state = 'processing', worker_id = ?, deadline = ?, upload_token = ? WHERE id = ?",
        worker.id,
        now + limits.formTtlS * 1000,
        token,
        f.id,
      );
      db.run(
        'UPDATE interrogations SET expires_at = MAX(expires_at, ?) WHERE id = ?',
        now + limits.requestTtlS * 1000,
        f.interrogation_id,
      );
      out.push({
        form: { ...f, state: 'processing', worker_id: worker.id },
        interrogation: interrogationById(db, f.interrogation_id)!,
        ...(token ? { uploadToken: token } : {}),
      });
    }
    return out;
  });
}

/** Whether an upload for `formId` with `token` may be stored now. */
export function uploadAllowed(db: HordeDb, formId: string, token: string): boolean {
  const f = formById(db, formId);
  return !!f && f.state === 'processing' && f.upload_token !== null && f.upload_token === token;
}

export function submitForm(
  db: HordeDb,
  s: {
    formId: string;
    user: KeyHolder;
    result: Record<string, unknown>;
    state: 'ok' | 'faulted';
    resultUrl: (formId: string) => string;
  },
  now: number,
  limits: AlchemyLimits,
): Milli {
  return db.tx(() => {
    const f = formById(db, s.formId);
    if (!f) throw invalidJobId(s.formId);
    const worker = f.worker_id ? workerById(db, f.worker_id) : undefined;
    if (!worker || worker.owner_id !== s.user.id) {
      throw new HordeError('WrongCredentials', 'Wrong credentials to submit as this worker.');
    }
    if (f.state !== 'processing') {
      throw new HordeError('DuplicateGen', `Processing Generation with ID ${f.id} already submitted.`);
    }
    if (s.state === 'faulted') {
      abortForm(db, f, now, limits);
      return asMilli(0);
    }
    // Larger than its form allows: refused and not paid; the form stays open for a proper submit until its ttl.
    const tooLarge = formResultProblem(f.name, s.result, isImageForm(f.name));
    if (tooLarge) throw new HordeError('TooLong', tooLarge);
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.result)) result[k] = v === 'R2' ? s.resultUrl(f.id) : v;
    const interrogation = interrogationById(db, f.interrogation_id)!;
    const reward = asMilli(f.kudos);
    db.run(
      "UPDATE interrogation_forms SET state = 'done', result = ?, reward = ? WHERE id = ?",
      JSON.stringify(result),
      reward,
      f.id,
    );
    settleJob(
      db,
      {
        jobId: f.id,
        requesterId: interrogation.user_id,
        workerOwnerId: worker.owner_id,
        amount: reward,
        at: now,
        memo: `alchemy form ${f.name} ${f.id} of request ${interrogation.id} by worker ${worker.name}`,
      },
      limits.ledger,
    );
    // Popped at the deadline less the form ttl; the AI Horde reports alchemists in seconds per form.
    const seconds = f.deadline === null ? 0 : (now - (f.deadline - limits.formTtlS * 1000)) / 1000;
    recordFulfilment(db, worker.id, reward, 0, seconds, now);
    bumpUserCounter(db, worker.owner_id, 'interrogation_fulfilled', 1);
    promoteIfTrusted(db, worker.owner_id, now, limits.ledger);
    return reward;
  });
}

function abortForm(db: HordeDb, f: FormRow, now: number, limits: AlchemyLimits): void {
  if (f.worker_id) recordAbort(db, f.worker_id, now, limits.ledger);
  const interrogation = interrogationById(db, f.interrogation_id);
  if (f.aborts >= limits.maxFormRequeues) {
    db.run(
      "UPDATE interrogation_forms SET state = 'faulted', deadline = NULL, upload_token = NULL WHERE id = ?",
      f.id,
    );
  } else if (interrogation?.status === 'active') {
    db.run(
      "UPDATE interrogation_forms SET state = 'waiting', aborts = aborts + 1, worker_id = NULL, deadline = NULL, upload_token = NULL WHERE id = ?",
      f.id,
    );
  } else {
    db.run(
      "UPDATE interrogation_forms SET state = 'cancelled', deadline = NULL, upload_token = NULL WHERE id = ?",
      f.id,
    );
  }
}

export function cancelInterrogation(db: HordeDb, id: string): void {
  db.tx(() => {
    const i = interrogationById(db, id);
    if (!i || i.status === 'expired') throw requestNotFound('Interrogation', id);
    if (i.status !== 'active') return;
    moveInterrogation(db, i, 'cancelled');
    // Forms being processed may still be delivered, and are paid; the rest are dropped.
    db.run(
      "UPDATE interrogation_forms SET state = 'cancelled' WHERE interrogation_id = ? AND state = 'waiting'",
      id,
    );
  });
}

export function sweepForms(
  db: HordeDb,
  now: number,
  limits: AlchemyLimits,
): { abortedForms: number; expiredInterrogations: number } {
  return db.tx(() => {
    const late = db.all<FormRow>(
      "SELECT * FROM interrogation_forms WHERE state = 'processing' AND deadline < ?",
      now,
    );
    for (const f of late) abortForm(db, f, now, limits);
    const stale = db.all<InterrogationRow>(
      "SELECT * FROM interrogations WHERE status = 'active' AND expires_at < ?",
      now,
    );
    for (const i of stale) {
      moveInterrogation(db, i, 'expired');
      db.run(
        "UPDATE interrogation_forms SET state = 'cancelled', upload_token = NULL WHERE interrogation_id = ? AND state IN ('waiting', 'processing')",
        i.id,
      );
    }
    return { abortedForms: late.length, expiredInterrogations: stale.length };
  });
}

export function interrogationStatus(db: HordeDb, id: string): InterrogationStatus {
  const i = interrogationById(db, id);
  if (!i || i.status === 'expired') throw requestNotFound('Interrogation', id);
  const forms = db.all<FormRow>(
    'SELECT * FROM interrogation_forms WHERE interrogation_id = ? ORDER BY rowid',
    id,
  );
  const states = forms.map((f) => f.state);
  const every = (s: FormRow['state']): boolean => states.every((x) => x === s);
  let state: InterrogationStatus['state'] = 'partial';
  if (every('faulted')) state = 'faulted';
  else if (every('done')) state = 'done';
  else if (states.includes('processing')) state = 'processing';
  else if (states.includes('waiting')) state = 'waiting';
  else if (i.status === 'cancelled') state = 'cancelled';
  return {
    state,
    forms: forms.map((f) => ({
      form: f.name,
      state: f.state,
      result: f.result ? (JSON.parse(f.result) as Record<string, unknown>) : null,
    })),
  };
}

export function queuedForms(db: HordeDb): number {
  return (
    db.get<{ c: number }>("SELECT COUNT(*) AS c FROM interrogation_forms WHERE state = 'waiting'")?.c ?? 0
  );
}

/**
 * The one writer of an interrogation's status: no other statement sets
 * `interrogations.status`. Active until cancelled or expired; `expired` is final.
 */
function moveInterrogation(db: HordeDb, i: InterrogationRow, to: InterrogationRow['status']): void {
  if (i.status === 'expired') throw new Error(`interrogation ${i.id} has expired: it cannot become ${to}`);
  db.run('UPDATE interrogations SET status = ? WHERE id = ?', to, i.id);
}
