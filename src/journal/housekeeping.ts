import { marks, type Db, type Step, type Tx } from './sql/db';

/**
 * Deletes alerts received before `cutoff` whose every step is final (succeeded, dead or
 * expired), unroutable alerts included; an alert with a pending or running step is never
 * touched, however old. Works in small transactions so the writer is never held for long (on a
 * shared journal, rows another daemon holds are left for the next round). Returns how many alerts went.
 */
export async function pruneFinishedAlerts(db: Db, cutoff: number, batchSize = 500): Promise<number> {
  const skipLocked = db.dialect === 'pg' ? ' FOR UPDATE SKIP LOCKED' : '';
  let total = 0;
  for (;;) {
    const n = await db.transaction(function* (tx: Tx): Step<number> {
      const ids = (yield* tx.all<{ id: string }>(
        `SELECT id FROM alerts a WHERE a.received_at < ? AND NOT EXISTS (
             SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.state IN ('pending', 'running'))
           LIMIT ?${skipLocked}`,
        [cutoff, batchSize],
      )).map((r) => r.id);
      if (ids.length === 0) return 0;
      yield* tx.run(`DELETE FROM steps WHERE alert_id IN (${marks(ids.length)})`, ids);
      yield* tx.run(`DELETE FROM alerts WHERE id IN (${marks(ids.length)})`, ids);
      return ids.length;
    });
    if (n === 0) return total;
    total += n;
    // Let acknowledgements and step updates in between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Deletes events from before `cutoff` that every enabled integration has settled (a disabled
 * one no longer holds them back), and delivery outcomes from before `cutoff`. Returns how many events went.
 */
export function pruneSettledEvents(db: Db, cutoff: number): Promise<number> {
  return db.transaction(function* (tx: Tx): Step<number> {
    const events = yield* tx.run(
      'DELETE FROM events WHERE time < ? AND seq <= COALESCE((SELECT MIN(cursor) FROM integrations WHERE enabled = 1), seq)',
      [cutoff],
    );
    yield* tx.run('DELETE FROM deliveries WHERE at < ?', [cutoff]);
    return events;
  });
}

/**
 * Deletes the chat side's rows done with: Wildix event ids seen and follow-ups settled (posted
 * or given up) before `cutoff`, console sign-outs once the session they end would have expired
 * anyway (at `now`). Returns how many rows went.
 */
export async function pruneChatRows(db: Db, cutoff: number, now: number): Promise<number> {
  const events = await db.run('DELETE FROM wildix_events WHERE received_at < ?', [cutoff]);
  const followUps = await db.run('DELETE FROM followups WHERE next_at IS NULL AND created_at < ?', [cutoff]);
  const spent = await db.run('DELETE FROM console_revoked WHERE until < ?', [now]);
  const sessions = await db.run('DELETE FROM console_sessions WHERE expires_at <= ?', [now]);
  return events + followUps + spent + sessions;
}
