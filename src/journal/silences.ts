import type Database from 'better-sqlite3';

/** Mutes a store's announcements until `until` (0 lifts it). Chat posts are not affected. */
export function setSilence(db: Database.Database, storeId: string, until: number, now: number): void {
  if (until <= now) db.prepare('DELETE FROM silences WHERE store_id = ?').run(storeId);
  else
    db.prepare(
      'INSERT INTO silences (store_id, until, created_at) VALUES (?, ?, ?) ON CONFLICT(store_id) DO UPDATE SET until = excluded.until, created_at = excluded.created_at',
    ).run(storeId, until, now);
}

/** Silences still running at `now`, by store. */
export function activeSilences(db: Database.Database, now: number): { storeId: string; until: number }[] {
  return (
    db.prepare('SELECT store_id, until FROM silences WHERE until > ? ORDER BY store_id').all(now) as {
      store_id: string;
      until: number;
    }[]
  ).map((r) => ({ storeId: r.store_id, until: r.until }));
}
