import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the daemon keeps its journal, under BRIDGE_DATA_DIR: the daemon and every command agree. */
export function journalFile(dataDir: string): string {
  return join(dataDir, 'journal.sqlite');
}

/**
 * The journal file opened for the daemon's use: WAL, synchronous=FULL (a commit is on disk
 * before it returns), owner-only, and the file's identity (a deleted or replaced journal is
 * another inode).
 */
export function openJournalFile(file: string): { db: Database.Database; identity: { dev: number; ino: number } } {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  // It holds the integrations' signing secrets: owner only. SQLite gives its -wal and -shm
  // files the same mode. Someone else's journal is left as it is.
  try {
    chmodSync(file, 0o600);
  } catch {
    // EPERM: not ours to change.
  }
  db.pragma('journal_mode = WAL');
  const { dev, ino } = statSync(file);
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Checkpoints run on a worker thread (WalCheckpointer), never inside an acknowledged commit.
  db.pragma('wal_autocheckpoint = 0');
  return { db, identity: { dev, ino } };
}
