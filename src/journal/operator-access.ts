import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { MIGRATIONS } from './schema';

export class JournalAccessError extends Error {
  constructor(readonly code: 'JOURNAL_MISSING' | 'JOURNAL_VERSION' | 'JOURNAL_OWNER', message: string) {
    super(message);
    this.name = 'JournalAccessError';
  }
}

/**
 * Opens the daemon's journal for an operator command, beside the running daemon (WAL: readers
 * never block it, and a writer waits for its short transactions). Never creates or migrates
 * the journal: that is the daemon's job.
 *
 * For writing, the command acts as the journal's owner: run as root, it would otherwise leave
 * root-owned `-wal`/`-shm` files the daemon's own user cannot open at its next start.
 */
export function openJournalForOperator(file: string, mode: 'read' | 'write'): Database.Database {
  if (!existsSync(file)) throw new JournalAccessError('JOURNAL_MISSING', `no journal at ${file} (has the daemon run with this BRIDGE_DATA_DIR?)`);
  if (mode === 'write') actAsOwnerOf(file);
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

function actAsOwnerOf(file: string): void {
  const uid = process.getuid?.();
  if (uid === undefined) return; // not POSIX: no ownership to keep
  const owner = statSync(file);
  if (owner.uid === uid) return;
  if (uid !== 0) {
    throw new JournalAccessError('JOURNAL_OWNER', `the journal belongs to uid ${owner.uid}; run this as that user (e.g. sudo -u veesion-bridge veesion-bridge ...)`);
  }
  process.setgid?.(owner.gid);
  process.setuid?.(owner.uid);
}
