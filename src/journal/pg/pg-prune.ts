import type { Pool } from 'pg';
import { pruneChatRows, pruneFinishedAlerts, pruneSettledEvents } from '../housekeeping';
import { PgDb } from '../sql/pg-db';

/**
 * Housekeeping of the shared journal, by the cron lease's holder: alerts received before
 * `cutoff` whose every step is final, settled events and delivery records, and the chat side's
 * rows done with (as on SQLite). Returns how many alerts went.
 */
export async function prunePg(pool: Pool, cutoff: number): Promise<number> {
  const db = new PgDb(pool);
  const alerts = await pruneFinishedAlerts(db, cutoff);
  await pruneSettledEvents(db, cutoff);
  await pruneChatRows(db, cutoff, Date.now());
  return alerts;
}
