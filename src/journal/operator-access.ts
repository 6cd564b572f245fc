import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { MIGRATIONS } from './schema';

export class JournalAccessError extends Error {
  constructor(readonly code: 'JOURNAL_MISSING' | 'JOURNAL_VERSION', message: string) {
    super(message);
    this.name = 'JournalAccessError';
  }
}

/**
 * Opens the daemon's journal for an operator command, beside the running daemon (WAL: readers
 * never block it, and a writer waits for its short transactions). Never creates or migrates
 * the journal: that is the daemon's job. Run as root, it leaves no root-owned files behind:
 * SQLite gives the `-wal` and `-shm` files it creates the database file's owner (tested).
 */
export function openJournalForOperator(file: string, mode: 'read' | 'write'): Database.Database {
  if (!existsSync(file)) throw new JournalAccessError('JOURNAL_MISSING', `no journal at ${file} (has the daemon run with this BRIDGE_DATA_DIR?)`);
  const db = new Database(file, { readonly: mode === 'read', fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== MIGRATIONS.length) {
      throw new JournalAccessError('JOURNAL_VERSION', `journal ${file} is at schema ${version}, this version expects ${MIGRATIONS.length}: restart the daemon once to upgrade it`);
    }
    // Checkpoints are the daemon's (its worker thread); this connection only writes the WAL.
    if (mode === 'write') db.pragma('wal_autocheckpoint = 0');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
