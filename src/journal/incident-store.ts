import { randomUUID } from 'node:crypto';
import { byActivityOrder } from './sql/orders';
import { stepCall } from './step-call';
import { STEPS_CHANNEL } from './pg/pg-pool';
import { EVENTS_LOCK } from './pg/pg-events';
import { marks, type Db, type Step, type Tx } from './sql/db';
import type { StepCall } from '../pipeline/ports';
import type { Alert } from '../pipeline/alert';
import type { ChangeWrites, IncidentChanges } from '../pipeline/incident-commands';
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
} from '../pipeline/incident';

export interface IncidentRow {
  id: string;
  store_id: string;
  camera_id: string;
  room: string;
  state: string;
  opened_at: number;
  first_alert_id: string;
  last_alert_id: string;
  last_alert_at: number;
  alerts: number;
  announcements: number;
  next_repeat_at: number | null;
  claimed_by: string | null;
  claimed_at: number | null;
  claimed_via: string | null;
  told: number;
  outcome: string | null;
  resolved_by: string | null;
  resolved_at: number | null;
  escalated_at: number | null;
  escalated_to: string | null;
  escalation_note: string | null;
  last_call: string | null;
  call_token: string | null;
  call_state: string | null;
  call_channel: string | null;
}

/**
 * Incidents in the journal, one store over either database (alerts join or open them in the
 * journal's own append). A claim or a resolve is one transaction that locks the incident first
 * (SQLite's immediate transaction, PostgreSQL's `FOR UPDATE`), so of two claims racing (a key
 * press and the CLI, two daemons) the first wins and the other reads who. On PostgreSQL both
 * NOTIFY the daemons: the conference's holder stops the repeats and tells the room who took it.
 */
export class JournalIncidentStore implements IncidentStore, IncidentChanges {
  /** `changeWritten`: a claim or resolve committed its writes (its event for the integrations). */
  constructor(
    private readonly db: Db,
    private readonly changeWritten?: () => void,
  ) {}

  async get(id: string): Promise<Incident | undefined> {
    return this.one('SELECT * FROM incidents WHERE id = ?', [id]);
  }

  async find(ref: string): Promise<Incident | undefined> {
    return this.one(
      `SELECT * FROM incidents WHERE id = ?
       UNION ALL SELECT i.* FROM incidents i JOIN alerts a ON a.incident_id = i.id WHERE a.id = ? LIMIT 1`,
      [ref, ref],
    );
  }

  async live(): Promise<Incident[]> {
    return this.many(
      `SELECT * FROM incidents WHERE state = 'open' OR (state = 'claimed' AND told = 0) OR (state IN ('unclaimed', 'unheard') AND escalation_note IS NULL) ORDER BY opened_at, id`,
    );
  }

  async list(state?: IncidentState): Promise<Incident[]> {
    return state
      ? this.many('SELECT * FROM incidents WHERE state = ? ORDER BY opened_at, id', [state])
      : this.many('SELECT * FROM incidents ORDER BY opened_at, id');
  }

  async oldestOpenInRoom(room: string, since: number): Promise<Incident | undefined> {
    // Open, or ended untaken since `since` (repeats ran out, an escalation may have reached someone).
    return this.one(
      `SELECT * FROM incidents WHERE room = ? AND (state = 'open' OR (state IN ('unclaimed', 'unheard') AND updated_at >= ?)) ORDER BY opened_at, id LIMIT 1`,
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
    // Only while open: a claim that landed meanwhile is not undone by a late repeat.
    const call = callToken ?? null;
    const changed = await this.db.run(
      `UPDATE incidents SET announcements = ?, next_repeat_at = ?, state = ?, updated_at = ?, last_call = COALESCE(CAST(? AS TEXT), last_call),
         call_token = NULL, call_state = NULL, call_channel = NULL
       WHERE id = ? AND state = 'open' AND (CAST(? AS TEXT) IS NULL OR last_call IS NULL OR last_call <> CAST(? AS TEXT))`,
      [announcements, nextRepeatAt, state, at, call, id, call, call],
    );
    return changed === 1;
  }

  async recordCall(ids: readonly string[], call: StepCall | null): Promise<void> {
    if (ids.length === 0) return;
    await this.db.run(
      `UPDATE incidents SET call_token = ?, call_state = ?, call_channel = ? WHERE id IN (${marks(ids.length)}) AND state = 'open'`,
      [call?.token ?? null, call?.state ?? null, call?.channel ?? null, ...ids],
    );
  }

  async announcePending(id: string): Promise<boolean> {
    const row = await this.db.get(
      `SELECT 1 AS one FROM alerts a JOIN steps s ON s.alert_id = a.id WHERE a.incident_id = ? AND s.step = 'announce' AND s.state IN ('pending', 'running') LIMIT 1`,
      [id],
    );
    return row !== undefined;
  }

  /** `writes`: what the claim implies when it wins (its follow-up and event), in its transaction. */
  claim(
    id: string,
    by: string,
    via: ClaimVia,
    at: number,
    writes?: (incident: Incident) => ChangeWrites,
  ): Promise<ClaimResult> {
    return this.written(writes, 'claimed', function* (tx: Tx): Step<ClaimResult> {
      const before = yield* locked(tx, id);
      if (!before) return { kind: 'not-found', ref: id };
      // An unclaimed incident (its repeats ran out) can still be taken: better late, by the
      // person an escalation reached, than never.
      const won = before.state === 'open' || UNTAKEN_STATES.includes(before.state);
      yield* tx.run('INSERT INTO claims (incident_id, by, via, at, won) VALUES (?, ?, ?, ?, ?)', [
        id,
        by,
        via,
        at,
        won ? 1 : 0,
      ]);
      if (!won)
        return before.state === 'claimed'
          ? { kind: 'already', incident: before }
          : { kind: 'closed', incident: before };
      yield* tx.run(
        `UPDATE incidents SET state = 'claimed', claimed_by = ?, claimed_at = ?, claimed_via = ?, next_repeat_at = NULL, call_token = NULL, call_state = NULL, call_channel = NULL, told = 0, updated_at = ? WHERE id = ?`,
        [by, at, via, at, id],
      );
      const incident = (yield* locked(tx, id)) as Incident; // just updated
      yield* changed(tx, incident, writes, at);
      return { kind: 'claimed', incident };
    });
  }

  /** `writes`: what the resolve implies (its follow-up and event), in its transaction. */
  resolve(
    id: string,
    outcome: Outcome,
    by: string | null,
    at: number,
    writes?: (incident: Incident) => ChangeWrites,
  ): Promise<ResolveResult> {
    return this.written(writes, 'resolved', function* (tx: Tx): Step<ResolveResult> {
      const before = yield* locked(tx, id);
      if (!before) return { kind: 'not-found', ref: id };
      if (before.state === 'resolved') return { kind: 'already', incident: before };
      // Resolving tells nobody again: an unclaimed or open incident ends here too.
      yield* tx.run(
        `UPDATE incidents SET state = 'resolved', outcome = ?, resolved_by = ?, resolved_at = ?, next_repeat_at = NULL, told = 1, updated_at = ? WHERE id = ?`,
        [outcome, by, at, at, id],
      );
      const incident = (yield* locked(tx, id)) as Incident; // just updated
      yield* changed(tx, incident, writes, at);
      return { kind: 'resolved', incident };
    });
  }

  /** A claim or resolve transaction; whoever reads what it wrote is told once it is committed. */
  private async written<R extends { kind: string }>(
    writes: unknown,
    won: R['kind'],
    change: (tx: Tx) => Step<R>,
  ): Promise<R> {
    const result = await this.db.transaction(change);
    if (writes && result.kind === won) this.changeWritten?.();
    return result;
  }

  async markTold(id: string, at: number): Promise<void> {
    await this.db.run('UPDATE incidents SET told = 1, updated_at = ? WHERE id = ?', [at, id]);
  }

  async startEscalation(id: string, at: number): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE incidents SET escalated_at = ?, updated_at = ? WHERE id = ? AND state IN ('open', 'unclaimed', 'unheard') AND escalated_at IS NULL`,
      [at, at, id],
    );
    return changed === 1;
  }

  async finishEscalation(id: string, to: string | null, note: string, at: number): Promise<void> {
    await this.db.run('UPDATE incidents SET escalated_to = ?, escalation_note = ?, updated_at = ? WHERE id = ?', [
      to,
      note,
      at,
      id,
    ]);
  }

  async claimedBefore(cutoff: number): Promise<Incident[]> {
    return this.many(`SELECT * FROM incidents WHERE state = 'claimed' AND claimed_at < ? ORDER BY claimed_at, id`, [
      cutoff,
    ]);
  }

  async latestInRoom(room: string, at: number, since: number): Promise<Incident | undefined> {
    return this.one(
      `SELECT * FROM incidents WHERE room = ? AND opened_at <= ? AND (state IN ('open', 'claimed') OR updated_at >= ?) ORDER BY opened_at DESC, id DESC LIMIT 1`,
      [room, at, since],
    );
  }

  async recordActivity(a: IncidentActivity): Promise<void> {
    await this.db.run('INSERT INTO incident_activity (incident_id, at, kind, who, detail) VALUES (?, ?, ?, ?, ?)', [
      a.incidentId,
      a.at,
      a.kind,
      a.who,
      a.detail,
    ]);
  }

  async activity(id: string): Promise<IncidentActivity[]> {
    const rows = await this.db.all<{
      incident_id: string;
      at: number;
      kind: string;
      who: string | null;
      detail: string | null;
    }>('SELECT incident_id, at, kind, who, detail FROM incident_activity WHERE incident_id = ?', [id]);
    return rows
      .map((r) => ({ incidentId: r.incident_id, at: r.at, kind: r.kind, who: r.who, detail: r.detail }))
      .sort(byActivityOrder);
  }

  /** Incidents nobody has claimed yet (the open-incidents gauge, read at each scrape). */
  async countOpen(): Promise<number> {
    return (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM incidents WHERE state = 'open'`))?.n ?? 0;
  }

  /** Housekeeping: finished incidents (resolved, unclaimed, unheard) last changed before `cutoff`, with their claims. */
  pruneFinished(cutoff: number): Promise<number> {
    return this.db.transaction(function* (tx: Tx): Step<number> {
      const finished = `SELECT id FROM incidents WHERE state IN ('resolved', 'unclaimed', 'unheard') AND updated_at < ?`;
      yield* tx.run(`DELETE FROM claims WHERE incident_id IN (${finished})`, [cutoff]);
      yield* tx.run(`DELETE FROM incident_activity WHERE incident_id IN (${finished})`, [cutoff]);
      return yield* tx.run(
        `DELETE FROM incidents WHERE state IN ('resolved', 'unclaimed', 'unheard') AND updated_at < ?`,
        [cutoff],
      );
    });
  }

  private async one(sql: string, params: readonly unknown[] = []): Promise<Incident | undefined> {
    const row = await this.db.get<IncidentRow>(sql, params);
    return row && toIncident(row);
  }

  private async many(sql: string, params: readonly unknown[] = []): Promise<Incident[]> {
    return (await this.db.all<IncidentRow>(sql, params)).map(toIncident);
  }
}

/** The incident, its row locked until the transaction ends (SQLite's immediate transaction holds every row). */
function* locked(tx: Tx, id: string): Step<Incident | undefined> {
  const lock = tx.dialect === 'pg' ? ' FOR UPDATE' : '';
  const row = yield* tx.get<IncidentRow>(`SELECT * FROM incidents WHERE id = ?${lock}`, [id]);
  return row && toIncident(row);
}

/** A claim's or resolve's writes, and on PostgreSQL the NOTIFY that wakes the other daemons. */
function* changed(
  tx: Tx,
  incident: Incident,
  writes: ((incident: Incident) => ChangeWrites) | undefined,
  at: number,
): Step<void> {
  const w = writes?.(incident);
  if (w) {
    const f = w.followUp;
    yield* tx.run(
      'INSERT INTO followups (incident_id, kind, store_id, text, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [f.incidentId, f.kind, f.storeId, f.text, at, at],
    );
    const wanted = yield* tx.get('SELECT 1 AS one FROM integrations WHERE enabled = 1 LIMIT 1');
    const first = wanted
      ? yield* tx.get<{ alert_json: string }>('SELECT alert_json FROM alerts WHERE id = ?', [incident.firstAlertId])
      : undefined;
    // A pruned first alert: nothing to build the event from.
    if (first) yield* insertEvent(tx, w.event(JSON.parse(first.alert_json) as Alert));
  }
  if (tx.dialect === 'pg') yield* tx.run(`NOTIFY ${STEPS_CHANNEL}`);
}

function* insertEvent(tx: Tx, e: ReturnType<ChangeWrites['event']>): Step<void> {
  if (tx.dialect === 'pg') yield* tx.get('SELECT pg_advisory_xact_lock(?)', [EVENTS_LOCK]);
  yield* tx.run(
    'INSERT INTO events (id, type, alert_id, store_id, location, time, data_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [`evt_${randomUUID()}`, e.type, e.alertId, e.storeId, e.location, e.time, JSON.stringify(e.data)],
  );
}

export function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    storeId: r.store_id,
    cameraId: r.camera_id,
    room: r.room,
    state: r.state as IncidentState,
    openedAt: r.opened_at,
    firstAlertId: r.first_alert_id,
    lastAlertId: r.last_alert_id,
    lastAlertAt: r.last_alert_at,
    alerts: r.alerts,
    announcements: r.announcements,
    nextRepeatAt: r.next_repeat_at,
    claimedBy: r.claimed_by,
    claimedAt: r.claimed_at,
    claimedVia: r.claimed_via as ClaimVia | null,
    told: r.told === 1,
    outcome: r.outcome as Outcome | null,
    resolvedBy: r.resolved_by,
    resolvedAt: r.resolved_at,
    escalatedAt: r.escalated_at,
    escalatedTo: r.escalated_to,
    escalationNote: r.escalation_note,
    lastCall: r.last_call,
    call: stepCall(r),
  };
}
