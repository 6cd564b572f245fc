import { toStepView, type JournalSummary } from '../journal-reader';
import { PgLeaseStore } from '../../cluster/leases';
import { openPgPool, redactUrl } from './pg-pool';

export interface SharedDaemonView {
  id: string;
  host: string;
  pid: number;
  /** Seconds since it last renewed its presence. */
  seenS: number;
  holds: string[];
}

/**
 * `status` on a PostgreSQL journal: the same summary as on SQLite (incidents are not kept on
 * PostgreSQL yet: none listed), and the daemons sharing it with the leases each holds. Reads
 * only: a journal no daemon has created yet is said so, not migrated.
 */
export async function summarisePgJournal(
  url: string,
  recentCount = 10,
): Promise<JournalSummary & { daemons: SharedDaemonView[] }> {
  const pool = openPgPool(url, { max: 1, applicationName: 'veesion-bridge status' });
  try {
    const schema = await pool.query("SELECT to_regclass('journal_schema') AS t");
    if (!schema.rows[0]?.t)
      throw new Error(
        `no journal at ${redactUrl(url)} yet: start a daemon with BRIDGE_JOURNAL_URL, or run journal migrate`,
      );
    const count = async (sql: string) => Number((await pool.query<{ n: number }>(sql)).rows[0]?.n ?? 0);
    const recent = (
      await pool.query<{ id: string; received_at: number; store_id: string; status: string }>(
        'SELECT id, received_at, store_id, status FROM alerts ORDER BY received_at DESC, id LIMIT $1',
        [recentCount],
      )
    ).rows;
    const steps = (
      await pool.query<{
        alert_id: string;
        step: string;
        state: string;
        attempts: number;
        last_error: string | null;
        next_at: number | null;
      }>(
        'SELECT alert_id, step, state, attempts, last_error, next_at FROM steps WHERE alert_id = ANY($1) ORDER BY step',
        [recent.map((a) => a.id)],
      )
    ).rows;
    const lastError = (
      await pool.query<{ alert_id: string; step: string; last_error: string; updated_at: number }>(
        'SELECT alert_id, step, last_error, updated_at FROM steps WHERE last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1',
      )
    ).rows[0];
    const { now, daemons, leases } = await new PgLeaseStore(pool).view();
    return {
      alerts: await count('SELECT COUNT(*) AS n FROM alerts'),
      unroutable: await count("SELECT COUNT(*) AS n FROM alerts WHERE status = 'unroutable'"),
      queued: await count("SELECT COUNT(*) AS n FROM steps WHERE state IN ('pending', 'running')"),
      failed: await count("SELECT COUNT(*) AS n FROM steps WHERE state IN ('dead', 'expired')"),
      lastError: lastError
        ? { alertId: lastError.alert_id, step: lastError.step, error: lastError.last_error, at: lastError.updated_at }
        : null,
      silences: [],
      incidents: [],
      recent: recent.map((a) => ({
        id: a.id,
        receivedAt: a.received_at,
        storeId: a.store_id,
        status: a.status,
        steps: steps.filter((s) => s.alert_id === a.id).map(toStepView),
      })),
      daemons: daemons.map((d) => ({
        id: d.id,
        host: d.host,
        pid: d.pid,
        seenS: Math.max(0, Math.round((now - d.seenAt) / 1000)),
        holds: leases.filter((l) => l.holder === d.id).map((l) => l.name),
      })),
    };
  } finally {
    await pool.end();
  }
}
