import type { HordeDb } from './db';

/** Images kept by the horde (interrogation sources, workers' uploaded results), by id. */
export function putBlob(db: HordeDb, id: string, contentType: string, data: Uint8Array, now: number): void {
  db.run(
    'INSERT INTO blobs (id, content_type, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data',
    id,
    contentType,
    data,
    now,
  );
}

export function getBlob(db: HordeDb, id: string): { contentType: string; data: Uint8Array } | undefined {
  const r = db.get<{ content_type: string; data: Uint8Array }>(
    'SELECT content_type, data FROM blobs WHERE id = ?',
    id,
  );
  return r ? { contentType: r.content_type, data: r.data } : undefined;
}
