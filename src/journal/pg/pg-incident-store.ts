import type { Pool, PoolClient, QueryResultRow } from 'pg';
import {
  UNTAKEN_STATES,
  type ClaimResult,
  type ClaimVia,
  type Incident,
  type IncidentActivity,
  type IncidentState,
  type IncidentStore,
  type Outcome,
  type ResolveResult,
} from '../../pipeline/incident';
import type { StepCall } from '../../pipeline/ports';
import { toIncident, type IncidentRow } from '../incident-store';
import { byActivityOrder } from '../sql/orders';
import { inTransaction, pgText, STEPS_CHANNEL } from './pg-pool';

/** Writes that go with a claim or a resolve, in its transaction. */
export type WithChange = (client: PoolClient, incident: Incident) => Promise<void>;

/**
 * Incidents in the shared journal (the same table as on SQLite; alerts join or open them in the
 * journal's own commit). A claim or a resolve locks the incident's row (`FOR UPDATE`), so of two
 * daemons, or a daemon and an operator, the first wins and the other reads who. Both NOTIFY the
 * daemons: the conference's holder stops the repeats and tells the room who took it.
 */
export class PgIncidentStore implements IncidentStore {
  constructor(private readonly pool: Pool) {}

  async get(id: string): Promise<Incident | undefined> {
    return this.one('incident-get', 'SELECT * FROM incidents WHERE id = $1', [id]);
  }

  async find(ref: string): Promise<Incident | undefined> {
    return this.one(
      'incident-find',
      `SELECT * FROM incidents WHERE id = $1
       UNION ALL SELECT i.* FROM incidents i JOIN alerts a ON a.incident_id = i.id WHERE a.id = $1 LIMIT 1`,
      [ref],
    );
  }

  async live(): Promise<Incident[]> {
    return this.all(
      'incident-live',
      `SELECT * FROM incidents WHERE state = 'open' OR (state = 'claimed' AND told = 0) OR (state IN ('unclaimed', 'unheard') AND escalation_note IS NULL) ORDER BY opened_at, id`,
      [],
    );
  }

  async list(state?: IncidentState): Promise<Incident[]> {
    return state
      ? this.all('incident-list-state', 'SELECT * FROM incidents WHERE state = $1 ORDER BY opened_at, id', [state])
      : this.all('incident-list', 'SELECT * FROM incidents ORDER BY opened_at, id', []);
  }

  async oldestOpenInRoom(room: string, since: number): Promise<Incident | undefined> {
    return this.one(
      'incident-oldest-open',
      `SELECT * FROM incidents WHERE room = $1 AND (state = 'open' OR (state IN ('unclaimed', 'unheard') AND updated_at >= $2)) ORDER BY opened_at, id LIMIT 1`,
      [room, since],
    );
  }

  async recordAnnouncement(
    id: string,
    announcements: number,
    nextRepeatAt: number | null,
    state: IncidentState,
    at: number,
    callToken?: string,
  ): Promise<boolean> {
    const r = await this.pool.query({
      name: 'incident-announced',
      text: `UPDATE incidents SET announcements = $1, next_repeat_at = $2, state = $3, updated_at = $4, last_call = COALESCE($6::text, last_call),
               call_token = NULL, call_state = NULL, call_channel = NULL
             WHERE id = $5 AND state = 'open' AND ($6::text IS NULL OR last_call IS NULL OR last_call <> $6::text)`,
      values: [announcements, nextRepeatAt, state, at, id, callToken ?? null],
    });
    return r.rowCount === 1;
  }

  async recordCall(ids: readonly string[], call: StepCall | null): Promise<void> {
    await this.pool.query({
      name: 'incident-call',
      text: `UPDATE incidents SET call_token = $2, call_state = $3, call_channel = $4 WHERE id = ANY($1) AND state = 'open'`,
      values: [[...ids], call?.token ?? null, call?.state ?? null, pgText(call?.channel ?? null)],
    });
  }

  async announcePending(id: string): Promise<boolean> {
    const r = await this.pool.query({
      name: 'incident-announce-pending',
      text: `SELECT 1 FROM alerts a JOIN steps s ON s.alert_id = a.id WHERE a.incident_id = $1 AND s.step = 'announce' AND s.state IN ('pending', 'running') LIMIT 1`,
      values: [id],
    });
    return (r.rowCount ?? 0) > 0;
  }

  /** `also`: more writes in the claim's transaction when it wins (an operator command's event and follow-up). */
  claim(id: string, by: string, via: ClaimVia, at: number, also?: WithChange): Promise<ClaimResult> {
    return inTransaction(this.pool, async (client): Promise<ClaimResult> => {
      const before = await this.locked(client, id);
      if (!before) return { kind: 'not-found', ref: id };
      // An incident that ended untaken can still be taken, as on SQLite.
      const won = before.state === 'open' || UNTAKEN_STATES.includes(before.state);
      await client.query({
        name: 'claim-insert',
        text: 'INSERT INTO claims (incident_id, by, via, at, won) VALUES ($1, $2, $3, $4, $5)',
        values: [id, by, via, at, won ? 1 : 0],
      });
      if (!won)
        return before.state === 'claimed'
          ? { kind: 'already', incident: before }
          : { kind: 'closed', incident: before };
      const r = await client.query<IncidentRow>({
        name: 'claim-update',
        text: `UPDATE incidents SET state = 'claimed', claimed_by = $1, claimed_at = $2, claimed_via = $3, next_repeat_at = NULL, call_token = NULL, call_state = NULL, call_channel = NULL, told = 0, updated_at = $2
               WHERE id = $4 RETURNING *`,
        values: [by, at, via, id],
      });
      const incident = toIncident(r.rows[0] as IncidentRow);
      await also?.(client, incident);
      await notify(client);
      return { kind: 'claimed', incident };
    });
  }

  resolve(id: string, outcome: Outcome, by: string | null, at: number, also?: WithChange): Promise<ResolveResult> {
    return inTransaction(this.pool, async (client): Promise<ResolveResult> => {
      const before = await this.locked(client, id);
      if (!before) return { kind: 'not-found', ref: id };
      if (before.state === 'resolved') return { kind: 'already', incident: before };
      const r = await client.query<IncidentRow>({
        name: 'resolve-update',
        text: `UPDATE incidents SET state = 'resolved', outcome = $1, resolved_by = $2, resolved_at = $3, next_repeat_at = NULL, told = 1, updated_at = $3
               WHERE id = $4 RETURNING *`,
        values: [outcome, by, at, id],
      });
      const incident = toIncident(r.rows[0] as IncidentRow);
      await also?.(client, incident);
      await notify(client);
      return { kind: 'resolved', incident };
    });
  }

  async markTold(id: string, at: number): Promise<void> {
    await this.pool.query({
      name: 'incident-told',
      text: 'UPDATE incidents SET told = 1, updated_at = $1 WHERE id = $2',
      values: [at, id],
    });
  }

  async startEscalation(id: string, at: number): Promise<boolean> {
    const r = await this.pool.query({
      name: 'escalation-start',
      text: `UPDATE incidents SET escalated_at = $1, updated_at = $1 WHERE id = $2 AND state IN ('open', 'unclaimed', 'unheard') AND escalated_at IS NULL`,
      values: [at, id],
    });
    return r.rowCount === 1;
  }

  async finishEscalation(id: string, to: string | null, note: string, at: number): Promise<void> {
    await this.pool.query({
      name: 'escalation-finish',
      text: 'UPDATE incidents SET escalated_to = $1, escalation_note = $2, updated_at = $3 WHERE id = $4',
      values: [to, pgText(note), at, id],
    });
  }

  async claimedBefore(cutoff: number): Promise<Incident[]> {
    return this.all(
      'incident-claimed-before',
      `SELECT * FROM incidents WHERE state = 'claimed' AND claimed_at < $1 ORDER BY claimed_at`,
      [cutoff],
    );
  }

  async latestInRoom(room: string, at: number, since: number): Promise<Incident | undefined> {
    return this.one(
      'incident-latest-in-room',
      `SELECT * FROM incidents WHERE room = $1 AND opened_at <= $2 AND (state IN ('open', 'claimed') OR updated_at >= $3) ORDER BY opened_at DESC, id DESC LIMIT 1`,
      [room, at, since],
    );
  }

  async recordActivity(a: IncidentActivity): Promise<void> {
    await this.pool.query({
      name: 'activity-insert',
      text: 'INSERT INTO incident_activity (incident_id, at, kind, who, detail) VALUES ($1, $2, $3, $4, $5)',
      values: [a.incidentId, a.at, a.kind, a.who, a.detail],
    });
  }

  async activity(id: string): Promise<IncidentActivity[]> {
    const r = await this.pool.query<{
      incident_id: string;
      at: number;
      kind: string;
      who: string | null;
      detail: string | null;
    }>({
      name: 'activity-list',
      text: 'SELECT incident_id, at, kind, who, detail FROM incident_activity WHERE incident_id = $1',
      values: [id],
    });
    return r.rows
      .map((row) => ({ incidentId: row.incident_id, at: row.at, kind: row.kind, who: row.who, detail: row.detail }))
      .sort(byActivityOrder);
  }

  async countOpen(): Promise<number> {
    const r = await this.pool.query<{ n: number }>({
      name: 'incident-count-open',
      text: `SELECT COUNT(*)::bigint AS n FROM incidents WHERE state = 'open'`,
    });
    return r.rows[0]?.n ?? 0;
  }

  pruneFinished(cutoff: number): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const finished = `SELECT id FROM incidents WHERE state IN ('resolved', 'unclaimed', 'unheard') AND updated_at < $1`;
      await client.query({
        name: 'prune-claims',
        text: `DELETE FROM claims WHERE incident_id IN (${finished})`,
        values: [cutoff],
      });
      await client.query({
        name: 'prune-activity',
        text: `DELETE FROM incident_activity WHERE incident_id IN (${finished})`,
        values: [cutoff],
      });
      return (
        (
          await client.query({
            name: 'prune-incidents',
            text: `DELETE FROM incidents WHERE state IN ('resolved', 'unclaimed', 'unheard') AND updated_at < $1`,
            values: [cutoff],
          })
        ).rowCount ?? 0
      );
    });
  }

  private async locked(client: PoolClient, id: string): Promise<Incident | undefined> {
    const r = await client.query<IncidentRow>({
      name: 'incident-lock',
      text: 'SELECT * FROM incidents WHERE id = $1 FOR UPDATE',
      values: [id],
    });
    return r.rows[0] && toIncident(r.rows[0]);
  }

  private async one(name: string, text: string, values: unknown[]): Promise<Incident | undefined> {
    return (await this.all(name, text, values))[0];
  }

  private async all(name: string, text: string, values: unknown[]): Promise<Incident[]> {
    const r = await this.pool.query<IncidentRow & QueryResultRow>({ name, text, values });
    return r.rows.map(toIncident);
  }
}

/** Tells the other daemons the journal changed: the conference's holder picks the change up. */
async function notify(client: PoolClient): Promise<void> {
  await client.query(`NOTIFY ${STEPS_CHANNEL}`);
}
