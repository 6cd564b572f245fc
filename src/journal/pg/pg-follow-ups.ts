import type { Pool } from 'pg';
import type { FollowUp, FollowUpKind, FollowUpOutbox, FollowUpRequest } from '../../pipeline/follow-up';
import { toFollowUp, type FollowUpRow } from '../chat-store';
import { pgText, STEPS_CHANNEL } from './pg-pool';

/**
 * The chat lines owed to stores' conversations, in the shared journal (the same table as on
 * SQLite). Any daemon owes one (the one that took a claim); the holder of the cron lease posts
 * them, woken by the NOTIFY of each new one.
 */
export class PgFollowUps implements FollowUpOutbox {
  constructor(private readonly pool: Pool) {}

  async add(req: FollowUpRequest, at: number): Promise<boolean> {
    const r = await this.pool.query({
      name: 'followup-add',
      text: `WITH added AS (
               INSERT INTO followups (incident_id, kind, store_id, text, created_at, next_at) VALUES ($1, $2, $3, $4, $5, $5)
               ON CONFLICT DO NOTHING RETURNING 1)
             SELECT pg_notify($6, 'followup') FROM added`,
      values: [req.incidentId, req.kind, req.storeId, req.text, at, STEPS_CHANNEL],
    });
    return r.rowCount === 1;
  }

  async due(now: number, limit = 50): Promise<FollowUp[]> {
    const r = await this.pool.query<FollowUpRow>({
      name: 'followup-due',
      text: 'SELECT * FROM followups WHERE next_at IS NOT NULL AND next_at <= $1 ORDER BY created_at, incident_id, kind LIMIT $2',
      values: [now, limit],
    });
    return r.rows.map(toFollowUp);
  }

  async nextDueAt(): Promise<number | null> {
    const r = await this.pool.query<{ at: number | null }>({
      name: 'followup-next',
      text: 'SELECT MIN(next_at) AS at FROM followups WHERE next_at IS NOT NULL',
    });
    return r.rows[0]?.at ?? null;
  }

  async posted(incidentId: string, kind: FollowUpKind, at: number): Promise<void> {
    await this.pool.query({
      name: 'followup-posted',
      text: 'UPDATE followups SET posted_at = $1, next_at = NULL, attempts = attempts + 1, last_error = NULL WHERE incident_id = $2 AND kind = $3',
      values: [at, incidentId, kind],
    });
  }

  async failed(incidentId: string, kind: FollowUpKind, error: string, nextAt: number | null): Promise<void> {
    await this.pool.query({
      name: 'followup-failed',
      text: 'UPDATE followups SET attempts = attempts + 1, last_error = $1, next_at = $2 WHERE incident_id = $3 AND kind = $4',
      values: [pgText(error), nextAt, incidentId, kind],
    });
  }
}
