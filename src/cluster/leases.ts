import type { Pool } from 'pg';

/** A daemon sharing the journal, as it last said it was alive. */
export interface DaemonRow {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  seenAt: number;
}

/** Who holds a piece of work (a conference's announcements, the cron jobs) and until when. */
export interface Lease {
  name: string;
  holder: string;
  until: number;
  takenAt: number;
}

/**
 * Leases in the journal (migration 8). A lease is held until `until`; its holder renews it, and
 * once it lapses anyone may take it. Times are the database server's own, so daemons on
 * hosts whose clocks disagree still agree on who holds what.
 */
export interface LeaseStore {
  /** Says this daemon is alive (inserted once, then refreshed). */
  heartbeat(d: Omit<DaemonRow, 'seenAt'>): Promise<void>;
  /** Takes `name` for `holder` for `ttlMs` if it is free, lapsed or already the holder's. True if held. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** acquire() for several names in one statement; returns the names held (taken or renewed). */
  acquireAll(names: readonly string[], holder: string, ttlMs: number): Promise<string[]>;
  /** Extends every lease the holder still has; returns their names (a lease not returned was lost). */
  renew(holder: string, ttlMs: number): Promise<string[]>;
  release(name: string, holder: string): Promise<void>;
  /** A stopping daemon hands everything back at once (and leaves the daemons list). */
  leave(holder: string): Promise<void>;
  /** Every daemon seen in the last GONE_AFTER_MS and every lease not lapsed (status, /readyz). */
  view(): Promise<{ now: number; daemons: DaemonRow[]; leases: Lease[] }>;
}

/** A daemon not heard from for this long has stopped (a crash leaves its row behind): not listed. */
export const GONE_AFTER_MS = 12_000;
/** A lapsed lease is taken only this long after it lapsed: its holder stopped counting on it before. */
export const LEASE_GRACE_MS = 1_000;

const DAEMON_COLUMNS = 'id, host, pid, started_at AS "startedAt", seen_at AS "seenAt"';
const LEASE_COLUMNS = 'name, holder, until, taken_at AS "takenAt"';

/** PostgreSQL: one statement each, the time taken from the server's clock. */
export class PgLeaseStore implements LeaseStore {
  private static readonly NOW = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

  /** `graceMs`: a lapsed lease is taken only this long after it lapsed (its holder gave it up before). */
  constructor(
    private readonly pool: Pool,
    private readonly graceMs = LEASE_GRACE_MS,
  ) {}

  async heartbeat(d: Omit<DaemonRow, 'seenAt'>): Promise<void> {
    await this.pool.query({
      name: 'lease-heartbeat',
      text: `INSERT INTO daemons (id, host, pid, started_at, seen_at) VALUES ($1, $2, $3, $4, ${PgLeaseStore.NOW})
             ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at`,
      values: [d.id, d.host, d.pid, d.startedAt],
    });
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const r = await this.pool.query({
      name: 'lease-acquire',
      text: `INSERT INTO leases (name, holder, until, taken_at) VALUES ($1, $2, ${PgLeaseStore.NOW} + $3, ${PgLeaseStore.NOW})
             ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until,
               taken_at = CASE WHEN leases.holder = EXCLUDED.holder THEN leases.taken_at ELSE EXCLUDED.taken_at END
             WHERE leases.holder = EXCLUDED.holder OR leases.until < ${PgLeaseStore.NOW} - $4
             RETURNING name`,
      values: [name, holder, ttlMs, this.graceMs],
    });
    return r.rowCount === 1;
  }

  async acquireAll(names: readonly string[], holder: string, ttlMs: number): Promise<string[]> {
    if (names.length === 0) return [];
    const r = await this.pool.query<{ name: string }>({
      name: 'lease-acquire-all',
      text: `INSERT INTO leases (name, holder, until, taken_at)
               SELECT n, $2, ${PgLeaseStore.NOW} + $3, ${PgLeaseStore.NOW} FROM unnest($1::text[]) AS n ORDER BY n
             ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until,
               taken_at = CASE WHEN leases.holder = EXCLUDED.holder THEN leases.taken_at ELSE EXCLUDED.taken_at END
             WHERE leases.holder = EXCLUDED.holder OR leases.until < ${PgLeaseStore.NOW} - $4
             RETURNING name`,
      values: [[...new Set(names)].sort(), holder, ttlMs, this.graceMs],
    });
    return r.rows.map((row) => row.name).sort();
  }

  async renew(holder: string, ttlMs: number): Promise<string[]> {
    const r = await this.pool.query<{ name: string }>({
      name: 'lease-renew',
      // Rows locked in name order, as acquireAll takes them: the two never wait on each other in a cycle.
      text: `UPDATE leases SET until = ${PgLeaseStore.NOW} + $2 WHERE name IN (
               SELECT name FROM leases WHERE holder = $1 AND until >= ${PgLeaseStore.NOW} ORDER BY name FOR UPDATE)
             RETURNING name`,
      values: [holder, ttlMs],
    });
    return r.rows.map((row) => row.name).sort();
  }

  async release(name: string, holder: string): Promise<void> {
    await this.pool.query({
      name: 'lease-release',
      text: 'DELETE FROM leases WHERE name = $1 AND holder = $2',
      values: [name, holder],
    });
  }

  async leave(holder: string): Promise<void> {
    await this.pool.query({ name: 'lease-leave', text: 'DELETE FROM leases WHERE holder = $1', values: [holder] });
    await this.pool.query({ name: 'daemon-leave', text: 'DELETE FROM daemons WHERE id = $1', values: [holder] });
  }

  async view(): Promise<{ now: number; daemons: DaemonRow[]; leases: Lease[] }> {
    const now =
      (await this.pool.query<{ now: number }>(`SELECT ${PgLeaseStore.NOW} AS now`)).rows[0]?.now ?? Date.now();
    const daemons = (
      await this.pool.query<DaemonRow>({
        text: `SELECT ${DAEMON_COLUMNS} FROM daemons WHERE seen_at >= $1 ORDER BY started_at, id`,
        values: [now - GONE_AFTER_MS],
      })
    ).rows;
    const leases = (
      await this.pool.query<Lease>({
        text: `SELECT ${LEASE_COLUMNS} FROM leases WHERE until >= $1 ORDER BY name`,
        values: [now],
      })
    ).rows;
    return { now, daemons, leases };
  }
}
