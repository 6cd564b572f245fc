import type { Db } from './sql/db';

/** Mutes a store's announcements until `until` (0 or past lifts it); chat posts are not affected. */
export async function setSilence(db: Db, storeId: string, until: number, now: number): Promise<void> {
  if (until <= now) await db.run('DELETE FROM silences WHERE store_id = ?', [storeId]);
  else
    await db.run(
      'INSERT INTO silences (store_id, until, created_at) VALUES (?, ?, ?) ON CONFLICT (store_id) DO UPDATE SET until = excluded.until, created_at = excluded.created_at',
      [storeId, until, now],
    );
}
