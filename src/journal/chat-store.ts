import type Database from 'better-sqlite3';
import { preparedOnce } from './prepared';
import { pruneChatRows } from './housekeeping';
import { SqliteDb } from './sql/sqlite-db';
import type { RevokedSessions } from './revoked-sessions';

/**
 * What only this host's SQLite journal keeps of the chat side: the console sessions signed out
 * (asked synchronously), and the housekeeping of the chat tables (a shared journal prunes them
 * with the rest). The events seen and the follow-ups owed are the journal's JournalFollowUps and SeenEvents.
 */
export class SqliteChatStore {
  private readonly stmt: (sql: string) => Database.Statement;

  private readonly db: SqliteDb;

  constructor(db: Database.Database) {
    this.stmt = preparedOnce(db);
    this.db = new SqliteDb(db);
  }

  /** Console sessions signed out (migration 7; they live here with the other small tables). */
  readonly revokedSessions: RevokedSessions = {
    has: (id: string): boolean => this.stmt('SELECT 1 FROM console_revoked WHERE id = ?').get(id) !== undefined,
    add: async (id: string, until: number): Promise<boolean> =>
      this.stmt('INSERT OR IGNORE INTO console_revoked (id, until) VALUES (?, ?)').run(id, until).changes > 0,
  };

  /** Housekeeping: events seen and follow-ups settled (posted or given up) before `cutoff`, sign-outs expired. */
  prune(cutoff: number): Promise<number> {
    return pruneChatRows(this.db, cutoff, Date.now());
  }
}
