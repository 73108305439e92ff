import type { HordeDb } from './db';

/**
 * The earliest moment any sweep (`sweepText`, `sweepForms`, `sweepImages`)
 * would find something to do among the rows that exist now: each MIN reads
 * one end of the index the sweep itself uses. The predicates are the sweeps'
 * own; a change there must be made here too. Infinity when nothing waits.
 */
export function nextDueAt(db: HordeDb): number {
  const min = (sql: string, ...params: string[]): number =>
    db.get<{ m: number | null }>(sql, ...params)?.m ?? Infinity;
  let due = Math.min(
    min("SELECT MIN(deadline) AS m FROM text_jobs WHERE status = 'processing'"),
    min("SELECT MIN(expires_at) AS m FROM text_requests WHERE status IN ('queued', 'processing')"),
    min("SELECT MIN(deadline) AS m FROM interrogation_forms WHERE state = 'processing'"),
    min("SELECT MIN(expires_at) AS m FROM interrogations WHERE status = 'active'"),
    min("SELECT MIN(deadline) AS m FROM image_jobs WHERE status = 'processing'"),
  );
  // Image requests expire in every status but 'expired' (results are kept until then): one seek per status.
  for (let status = firstStatus(db); status !== undefined; status = nextStatus(db, status)) {
    if (status !== 'expired')
      due = Math.min(due, min('SELECT MIN(expires_at) AS m FROM image_requests WHERE status = ?', status));
  }
  return due;
}

function firstStatus(db: HordeDb): string | undefined {
  return db.get<{ s: string | null }>('SELECT MIN(status) AS s FROM image_requests')?.s ?? undefined;
}

function nextStatus(db: HordeDb, after: string): string | undefined {
  return (
    db.get<{ s: string | null }>('SELECT MIN(status) AS s FROM image_requests WHERE status > ?', after)?.s ??
    undefined
  );
}
