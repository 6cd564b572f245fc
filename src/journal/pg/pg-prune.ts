import type { Pool } from 'pg';
import { inTransaction } from './pg-pool';

/**
 * Housekeeping: drops alerts received before `cutoff` whose every step is final (as on SQLite),
 * old Wildix event ids, settled events, delivery records, settled follow-ups and expired sign-outs.
 */
export async function prunePg(pool: Pool, cutoff: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await inTransaction(pool, async (client) => {
      const ids = (
        await client.query<{ id: string }>({
          name: 'prune-pick',
          text: `SELECT id FROM alerts a WHERE a.received_at < $1 AND NOT EXISTS (
                 SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.state IN ('pending', 'running'))
               LIMIT 500 FOR UPDATE SKIP LOCKED`,
          values: [cutoff],
        })
      ).rows.map((r) => r.id);
      if (ids.length === 0) return 0;
      await client.query({ name: 'prune-steps', text: 'DELETE FROM steps WHERE alert_id = ANY($1)', values: [ids] });
      await client.query({ name: 'prune-alerts', text: 'DELETE FROM alerts WHERE id = ANY($1)', values: [ids] });
      return ids.length;
    });
    if (n === 0) break;
    total += n;
  }
  await pool.query({
    name: 'prune-wildix',
    text: 'DELETE FROM wildix_events WHERE received_at < $1',
    values: [cutoff],
  });
  // Events every enabled integration is past (as on SQLite), and old delivery records.
  await pool.query({
    name: 'prune-events',
    text: 'DELETE FROM events WHERE time < $1 AND seq <= COALESCE((SELECT MIN(cursor) FROM integrations WHERE enabled = 1), seq)',
    values: [cutoff],
  });
  await pool.query({ name: 'prune-deliveries', text: 'DELETE FROM deliveries WHERE at < $1', values: [cutoff] });
  // Console sign-outs once the session they end would have expired anyway (as on SQLite).
  await pool.query({
    name: 'prune-revoked',
    text: 'DELETE FROM console_revoked WHERE until < $1',
    values: [Date.now()],
  });
  await pool.query({
    name: 'prune-followups',
    text: 'DELETE FROM followups WHERE next_at IS NULL AND created_at < $1',
    values: [cutoff],
  });
  return total;
}
