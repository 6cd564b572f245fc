import type Database from 'better-sqlite3';
import { preparedOnce } from './prepared';
import type { FollowUp, FollowUpKind, FollowUpOutbox, FollowUpRequest } from '../pipeline/follow-up';

export interface FollowUpRow {
  incident_id: string;
  kind: string;
  store_id: string;
  text: string;
  created_at: number;
  attempts: number;
  next_at: number | null;
  posted_at: number | null;
  last_error: string | null;
}

/**
 * The chat side's journal tables (migration 6): inbound Wildix events seen, and follow-ups
 * owed. Every change is one statement.
 */
export class SqliteChatStore implements FollowUpOutbox {
  private readonly stmt: (sql: string) => Database.Statement;

  constructor(db: Database.Database) {
    this.stmt = preparedOnce(db);
  }

  /** True the first time an event id is seen: Wildix retries a slow answer with the same event. */
  firstSeen(id: string, type: string, at: number): boolean {
    return (
      this.stmt('INSERT OR IGNORE INTO wildix_events (id, type, received_at) VALUES (?, ?, ?)').run(id, type, at)
        .changes === 1
    );
  }

  /** Acting on the event failed: Wildix's retry of it is acted on. */
  forget(id: string): void {
    this.stmt('DELETE FROM wildix_events WHERE id = ?').run(id);
  }

  add(req: FollowUpRequest, at: number): boolean {
    return (
      this.stmt(
        `INSERT OR IGNORE INTO followups (incident_id, kind, store_id, text, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(req.incidentId, req.kind, req.storeId, req.text, at, at).changes === 1
    );
  }

  /** Follow-ups due by `now`, oldest first (at most `limit`). */
  due(now: number, limit = 50): FollowUp[] {
    return (
      this.stmt(
        'SELECT * FROM followups WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY created_at, incident_id, kind LIMIT ?',
      ).all(now, limit) as FollowUpRow[]
    ).map(toFollowUp);
  }

  /** When the next follow-up is due, or null when none waits. */
  nextDueAt(): number | null {
    return (
      this.stmt('SELECT MIN(next_at) AS at FROM followups WHERE next_at IS NOT NULL').get() as { at: number | null }
    ).at;
  }

  posted(incidentId: string, kind: FollowUpKind, at: number): void {
    this.stmt(
      'UPDATE followups SET posted_at = ?, next_at = NULL, attempts = attempts + 1, last_error = NULL WHERE incident_id = ? AND kind = ?',
    ).run(at, incidentId, kind);
  }

  /** An attempt failed: again at `nextAt`, or never (null: given up). */
  failed(incidentId: string, kind: FollowUpKind, error: string, nextAt: number | null): void {
    this.stmt(
      'UPDATE followups SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE incident_id = ? AND kind = ?',
    ).run(error, nextAt, incidentId, kind);
  }

  list(incidentId: string): FollowUp[] {
    return (
      this.stmt('SELECT * FROM followups WHERE incident_id = ? ORDER BY created_at, kind').all(
        incidentId,
      ) as FollowUpRow[]
    ).map(toFollowUp);
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

export function toFollowUp(r: FollowUpRow): FollowUp {
  return {
    incidentId: r.incident_id,
    kind: r.kind as FollowUpKind,
    storeId: r.store_id,
    text: r.text,
    createdAt: r.created_at,
    attempts: r.attempts,
    nextAt: r.next_at,
    postedAt: r.posted_at,
    lastError: r.last_error,
  };
}
