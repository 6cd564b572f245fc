import type Database from 'better-sqlite3';

/**
 * Deletes alerts received before `cutoff` whose every step is final (succeeded, dead or
 * expired), unroutable alerts included; an alert with a pending or running step is never
 * touched, however old. Works in small transactions so the writer is never held for long.
 * Returns how many alerts went.
 */
export async function pruneFinishedAlerts(db: Database.Database, cutoff: number, batchSize = 500): Promise<number> {
  const pick = db.prepare(
    `SELECT id FROM alerts a WHERE a.received_at < ? AND NOT EXISTS (
       SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.state IN ('pending', 'running'))
     LIMIT ?`,
  );
  const dropSteps = db.prepare('DELETE FROM steps WHERE alert_id = ?');
  const dropAlert = db.prepare('DELETE FROM alerts WHERE id = ?');
  const batch = db.transaction((ids: string[]) => {
    for (const id of ids) {
      dropSteps.run(id);
      dropAlert.run(id);
    }
  });
  let total = 0;
  for (;;) {
    const ids = (pick.all(cutoff, batchSize) as { id: string }[]).map((r) => r.id);
    if (ids.length === 0) return total;
    batch(ids);
    total += ids.length;
    // Let acknowledgements and step updates in between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Deletes events from before `cutoff` that every enabled integration has settled (a disabled
 * one no longer holds them back), and delivery outcomes from before `cutoff`.
 */
export function pruneSettledEvents(db: Database.Database, cutoff: number): number {
  return db.transaction(() => {
    const events = db
      .prepare(
        `DELETE FROM events WHERE time < ? AND seq <= COALESCE((SELECT MIN(cursor) FROM integrations WHERE enabled = 1), seq)`,
      )
      .run(cutoff).changes;
    db.prepare('DELETE FROM deliveries WHERE at < ?').run(cutoff);
    return events;
  })();
}
