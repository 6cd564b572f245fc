import type Database from 'better-sqlite3';
import { preparedOnce } from './prepared';

/**
 * What only this host's SQLite journal keeps of the chat side: the console sessions signed out,
 * and the housekeeping of the chat tables (a shared journal prunes them with the rest). The
 * events seen and the follow-ups owed are the journal's JournalFollowUps and SeenEvents.
 */
export class SqliteChatStore {
  private readonly stmt: (sql: string) => Database.Statement;

  constructor(db: Database.Database) {
    this.stmt = preparedOnce(db);
  }

  /** Console sessions signed out (migration 7; they live here with the other small tables). */
  readonly revokedSessions = {
    has: (id: string): boolean => this.stmt('SELECT 1 FROM console_revoked WHERE id = ?').get(id) !== undefined,
    add: (id: string, until: number): void => {
      this.stmt('INSERT OR REPLACE INTO console_revoked (id, until) VALUES (?, ?)').run(id, until);
    },
  };

  /** Housekeeping: events seen and follow-ups settled (posted or given up) before `cutoff`. */
  prune(cutoff: number): number {
    const events = this.stmt('DELETE FROM wildix_events WHERE received_at < ?').run(cutoff).changes;
    const followUps = this.stmt('DELETE FROM followups WHERE next_at IS NULL AND created_at < ?').run(cutoff).changes;
    const sessions = this.stmt('DELETE FROM console_revoked WHERE until < ?').run(Date.now()).changes;
    return events + followUps + sessions;
  }
}
