import type { HordeDb } from './db';

/**
 * Anonymous fair share: how many requests one address has queued as the
 * anonymous user. Every anonymous requester shares one account, so the
 * AI Horde's per-user concurrency cannot tell them apart; the address can.
 */
export function anonymousQueuedFrom(db: HordeDb, ip: string): number {
  const text = db.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM text_requests WHERE client_ip = ? AND user_id = 0 AND status IN ('queued', 'processing')",
    ip,
  );
  const alchemy = db.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM interrogations WHERE client_ip = ? AND user_id = 0 AND status = 'active'",
    ip,
  );
  return (text?.n ?? 0) + (alchemy?.n ?? 0);
}

/** Records the address a request came from (for `anonymousQueuedFrom`). */
export function tagRequestAddress(
  db: HordeDb,
  kind: 'text_requests' | 'interrogations',
  id: string,
  ip: string,
): void {
  // `kind` is a closed union, never user input.
  db.run(`UPDATE ${kind} SET client_ip = ? WHERE id = ?`, ip, id);
}
