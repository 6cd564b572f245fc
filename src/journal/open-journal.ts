import type { Settings } from '../config/settings-schema';
import { journalFile } from './journal-file';
import { openJournalForOperator } from './operator-access';
import { openPgPool, redactUrl } from './pg/pg-pool';
import { PgJournal } from './pg/pg-journal';
import type { Db } from './sql/db';
import { PgDb } from './sql/pg-db';
import { SqliteDb } from './sql/sqlite-db';

/** The daemons' journal as an operator command opens it. */
export interface OpenJournal {
  db: Db;
  /** Where it is, as said to the operator: the file, or the server's URL without its password. */
  where: string;
  close(): Promise<void>;
}

/**
 * The daemon's journal, chosen here as the operator commands' is: with BRIDGE_JOURNAL_URL the
 * PostgreSQL journal the daemons share, connected and migrated before the daemon is built (a
 * server that cannot be reached fails the start with its address, never its password); unset,
 * undefined: the daemon opens this host's SQLite file itself, behind the data directory's lock.
 */
export async function openDaemonJournal(
  settings: Pick<Settings, 'BRIDGE_JOURNAL_URL'>,
): Promise<PgJournal | undefined> {
  const url = settings.BRIDGE_JOURNAL_URL;
  if (!url) return undefined;
  try {
    return await PgJournal.open(url);
  } catch (err) {
    throw new Error(
      `cannot open the journal at ${redactUrl(url)} (BRIDGE_JOURNAL_URL): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * The one place an operator command's journal is chosen: the PostgreSQL journal the daemons
 * share (BRIDGE_JOURNAL_URL, on a connection of its own), or this host's SQLite file (a missing
 * or foreign one throws JournalAccessError; `write` creates and upgrades it). Only `journal
 * migrate` opens both, reading one and writing the other.
 */
export function openJournal(
  settings: Pick<Settings, 'BRIDGE_JOURNAL_URL' | 'BRIDGE_DATA_DIR'>,
  opts: { mode: 'read' | 'write'; command: string },
): OpenJournal {
  const url = settings.BRIDGE_JOURNAL_URL;
  if (url) {
    const pool = openPgPool(url, { max: 1, applicationName: `veesion-bridge ${opts.command}` });
    return { db: new PgDb(pool), where: redactUrl(url), close: () => pool.end().catch(() => undefined) };
  }
  const file = journalFile(settings.BRIDGE_DATA_DIR);
  const sqlite = openJournalForOperator(file, opts.mode);
  return {
    db: new SqliteDb(sqlite),
    where: file,
    close: async () => {
      sqlite.close();
    },
  };
}
