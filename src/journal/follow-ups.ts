import type { FollowUp, FollowUpKind, FollowUpOutbox, FollowUpRequest } from '../pipeline/follow-up';
import type { Db } from './sql/db';
import type { SeenEvents } from './seen-events';
import { STEPS_CHANNEL } from './pg/pg-pool';

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
 * The chat lines owed to stores' conversations, on either journal: any daemon owes one (the one
 * that took a claim); one posts them (on a shared journal the holder of the cron lease, woken by
 * the NOTIFY of each new one). Every change is one statement.
 */
export class JournalFollowUps implements FollowUpOutbox {
  constructor(private readonly db: Db) {}

  async add(req: FollowUpRequest, at: number): Promise<boolean> {
    const values = [req.incidentId, req.kind, req.storeId, req.text, at, at];
    const insert =
      'INSERT INTO followups (incident_id, kind, store_id, text, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';
    if (this.db.dialect === 'sqlite') return (await this.db.run(insert, values)) === 1;
    // The poster, on whichever daemon, hears of it in the same statement.
    const notified = await this.db.run(
      `WITH added AS (${insert} RETURNING 1) SELECT pg_notify(CAST(? AS TEXT), 'followup') FROM added`,
      [...values, STEPS_CHANNEL],
    );
    return notified === 1;
  }

  /** Follow-ups due by `now`, oldest first (at most `limit`). */
  async due(now: number, limit = 50): Promise<FollowUp[]> {
    const rows = await this.db.all<FollowUpRow>(
      'SELECT * FROM followups WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY created_at, incident_id, kind LIMIT ?',
      [now, limit],
    );
    return rows.map(toFollowUp);
  }

  /** When the next follow-up is due, or null when none waits. */
  async nextDueAt(): Promise<number | null> {
    const row = await this.db.get<{ at: number | null }>(
      'SELECT MIN(next_at) AS at FROM followups WHERE next_at IS NOT NULL',
    );
    return row?.at ?? null;
  }

  async posted(incidentId: string, kind: FollowUpKind, at: number): Promise<void> {
    await this.db.run(
      'UPDATE followups SET posted_at = ?, next_at = NULL, attempts = attempts + 1, last_error = NULL WHERE incident_id = ? AND kind = ?',
      [at, incidentId, kind],
    );
  }

  /** An attempt failed: again at `nextAt`, or never (null: given up). */
  async failed(incidentId: string, kind: FollowUpKind, error: string, nextAt: number | null): Promise<void> {
    await this.db.run(
      'UPDATE followups SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE incident_id = ? AND kind = ?',
      [error, nextAt, incidentId, kind],
    );
  }

  async list(incidentId: string): Promise<FollowUp[]> {
    const rows = await this.db.all<FollowUpRow>(
      'SELECT * FROM followups WHERE incident_id = ? ORDER BY created_at, kind',
      [incidentId],
    );
    return rows.map(toFollowUp);
  }
}

/** Wildix event ids seen by any daemon of the journal: an event the PBX sends again (or to another daemon) acts once. */
export function journalSeenEvents(db: Db): SeenEvents {
  return {
    firstSeen: async (id, type, at) =>
      (await db.run('INSERT INTO wildix_events (id, type, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
        id,
        type,
        at,
      ])) === 1,
    // Acting on the event failed: Wildix's retry of it is acted on.
    forget: async (id) => {
      await db.run('DELETE FROM wildix_events WHERE id = ?', [id]);
    },
  };
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
