import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { PoolClient } from 'pg';
import { migrateJournal } from '../schema';
import { PgJournal } from './pg-journal';
import { inTransaction } from './pg-pool';

/**
 * What `journal migrate` copies, parents first (steps refer to alerts). The daemons list and the
 * leases are the running daemons' own state, not history: they start empty.
 */
export const COPIED_TABLES = [
  'alerts',
  'steps',
  'incidents',
  'claims',
  'incident_activity',
  'followups',
  'integrations',
  'events',
  'deliveries',
  'hooks',
  'silences',
  'wildix_events',
  'console_revoked',
  'console_sessions',
  'user_tokens',
  'users',
  'audit',
] as const;

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface CopyResult {
  /** Rows per table, the same in both journals (checked before the copy commits). */
  counts: Record<string, number>;
}

export class CopyError extends Error {}

/** PostgreSQL takes at most 65,535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

/**
 * Copies an SQLite journal into an empty PostgreSQL journal in one transaction: every table,
 * row for row, then the counts of both compared before the commit. A mismatch, an error or a
 * target that already holds anything commits nothing. The caller keeps the daemon stopped (the
 * data directory's lock), so no alert is acknowledged into the SQLite journal meanwhile.
 */
export async function copyJournalToPg(
  sqliteFile: string,
  url: string,
  progress: (p: CopyProgress) => void = () => undefined,
): Promise<CopyResult> {
  if (!existsSync(sqliteFile))
    throw new CopyError(`no journal at ${sqliteFile}: nothing to migrate (check BRIDGE_DATA_DIR)`);
  const db = new Database(sqliteFile, { timeout: 5000 });
  let target: PgJournal | undefined;
  try {
    migrateJournal(db, sqliteFile); // an older journal is brought to this version's tables first
    target = await PgJournal.open(url);
    const counts: Record<string, number> = {};
    await inTransaction(target.pool, async (client) => {
      for (const table of COPIED_TABLES) {
        const there = await count(client, table);
        if (there > 0)
          throw new CopyError(
            `${target?.where} already holds a journal (${there} row(s) in ${table}): migrate into an empty database`,
          );
      }
      for (const table of COPIED_TABLES) counts[table] = await copyTable(db, client, table, progress);
      // The outbox's sequence, and the audit trail's, go on after the copied rows.
      for (const [table, column] of [
        ['events', 'seq'],
        ['audit', 'id'],
      ])
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), GREATEST((SELECT MAX(${column}) FROM ${table}), 1), (SELECT COUNT(*) > 0 FROM ${table}))`,
        );
      for (const table of COPIED_TABLES) {
        const there = await count(client, table);
        if (there !== counts[table])
          throw new CopyError(
            `${table}: ${counts[table]} row(s) in SQLite but ${there} in PostgreSQL; nothing was committed`,
          );
      }
    });
    return { counts };
  } finally {
    db.close();
    await target?.close();
  }
}

async function count(client: PoolClient, table: string): Promise<number> {
  const r = await client.query<{ n: number }>(`SELECT COUNT(*)::bigint AS n FROM ${table}`);
  return r.rows[0]?.n ?? 0;
}

async function copyTable(
  db: Database.Database,
  client: PoolClient,
  table: string,
  progress: (p: CopyProgress) => void,
): Promise<number> {
  const columns = (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const perInsert = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const list = columns.map((c) => `"${c}"`).join(', ');
  let copied = 0;
  let rows: unknown[][] = [];
  const flush = async () => {
    if (rows.length === 0) return;
    const values = rows
      .map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`)
      .join(', ');
    await client.query(`INSERT INTO ${table} (${list}) VALUES ${values}`, rows.flat());
    copied += rows.length;
    rows = [];
    progress({ table, copied, total });
  };
  progress({ table, copied: 0, total });
  // rowid order: the order SQLite wrote them (what the stores' ORDER BY ... rowid ties mean).
  for (const row of db.prepare(`SELECT ${list} FROM ${table} ORDER BY rowid`).raw().iterate()) {
    rows.push(row as unknown[]);
    if (rows.length >= perInsert) await flush();
  }
  await flush();
  return copied;
}
