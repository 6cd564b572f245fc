import type { Pool } from 'pg';
import { PgLeaseStore } from '../../cluster/leases';
import { redactUrl } from './pg-pool';

export interface SharedDaemonView {
  id: string;
  host: string;
  pid: number;
  /** Seconds since it last renewed its presence. */
  seenS: number;
  holds: string[];
}

/**
 * What `status` shows of a shared PostgreSQL journal besides its summary: the daemons sharing it
 * and the leases each holds. Reads only: a journal no daemon has created yet is said so, not migrated.
 */
export async function sharedDaemons(pool: Pool, url: string): Promise<SharedDaemonView[]> {
  const schema = await pool.query("SELECT to_regclass('journal_schema') AS t");
  if (!schema.rows[0]?.t)
    throw new Error(
      `no journal at ${redactUrl(url)} yet: start a daemon with BRIDGE_JOURNAL_URL, or run journal migrate`,
    );
  const { now, daemons, leases } = await new PgLeaseStore(pool).view();
  return daemons.map((d) => ({
    id: d.id,
    host: d.host,
    pid: d.pid,
    seenS: Math.max(0, Math.round((now - d.seenAt) / 1000)),
    holds: leases.filter((l) => l.holder === d.id).map((l) => l.name),
  }));
}
