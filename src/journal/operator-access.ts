import Database from 'better-sqlite3';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, migrateJournal } from './schema';

export class JournalAccessError extends Error {
  constructor(
    readonly code: 'JOURNAL_MISSING' | 'JOURNAL_VERSION',
    message: string,
  ) {
    super(message);
    this.name = 'JournalAccessError';
  }
}

/**
 * Opens the daemon's journal for an operator command, beside the running daemon (WAL: readers
 * never block it, and a writer waits for its short transactions).
 *
 * Read mode needs the journal as it is. Write mode (`integrations add`, `silence`, `replay`)
 * creates the journal when the daemon has never run, and migrates one an upgrade left behind,
 * so setting up before the first start works. Run as root, it leaves no root-owned files
 * behind: a journal it creates is given the data directory's owner, and SQLite gives the
 * `-wal` and `-shm` files it creates the database file's owner (tested).
 */
export function openJournalForOperator(file: string, mode: 'read' | 'write'): Database.Database {
  const exists = existsSync(file);
  if (!exists && mode === 'read') {
    throw new JournalAccessError(
      'JOURNAL_MISSING',
      `no journal at ${file} yet (the daemon creates it at its first start, or a writing command such as 'integrations add')`,
    );
  }
  if (!exists) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: mode === 'read', fileMustExist: mode === 'read' });
  try {
    db.pragma('busy_timeout = 5000');
    if (mode === 'write') {
      if (!exists) createdLikeItsDirectory(db, file);
      try {
        migrateJournal(db, file);
      } catch (err) {
        throw new JournalAccessError('JOURNAL_VERSION', (err as Error).message);
      }
      // Checkpoints are the daemon's (its worker thread); this connection only writes the WAL.
      db.pragma('wal_autocheckpoint = 0');
      return db;
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== MIGRATIONS.length) {
      throw new JournalAccessError(
        'JOURNAL_VERSION',
        `journal ${file} is at schema ${version}, this version expects ${MIGRATIONS.length}: restart the daemon once (or run a writing command) to upgrade it`,
      );
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** A new journal: WAL like the daemon's, owner-only (it holds secrets), owned by the data directory's owner. */
function createdLikeItsDirectory(db: Database.Database, file: string): void {
  db.pragma('journal_mode = WAL');
  chmodSync(file, 0o600);
  const dir = statSync(dirname(file));
  const own = statSync(file);
  if (process.getuid?.() === 0 && (own.uid !== dir.uid || own.gid !== dir.gid)) chownSync(file, dir.uid, dir.gid);
}
