import type Database from 'better-sqlite3';
import { preparedOnce } from './prepared';
import { randomUUID } from 'node:crypto';
import type { StepCall } from '../pipeline/ports';
import { stepCall } from './step-call';
import { byActivityOrder } from './sql/orders';
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
 * Incidents in the journal. The daemon and the operator commands (`claim`, `resolve`) each use
 * it on their own connection; every change is one statement or one immediate transaction, so
 * two claims racing (a key press and the CLI) cannot both win.
 */
export class SqliteIncidentStore implements IncidentStore {
  /** Each statement is prepared once per connection. */
  private readonly stmt: (sql: string) => Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.stmt = preparedOnce(db);
  }

  /**
   * Inside the alert's own insert transaction: the live incident of its camera whose last
   * alert is within `windowMs`, or a new one. Returns the incident id.
   */
  joinOrOpen(a: {
    alertId: string;
    storeId: string;
    cameraId: string;
    room: string;
    at: number;
    windowMs: number;
    firstRepeatAt?: number | undefined;
  }): string {
    const live = this.stmt(
      `SELECT id FROM incidents WHERE store_id = ? AND camera_id = ? AND state IN ('open', 'claimed') AND last_alert_at >= ?
       ORDER BY last_alert_at DESC LIMIT 1`,
    ).get(a.storeId, a.cameraId, a.at - a.windowMs) as { id: string } | undefined;
    if (live) {
      this.stmt(
        'UPDATE incidents SET alerts = alerts + 1, last_alert_id = ?, last_alert_at = ?, updated_at = ? WHERE id = ?',
      ).run(a.alertId, a.at, a.at, live.id);
      this.stmt('UPDATE alerts SET incident_id = ? WHERE id = ?').run(live.id, a.alertId);
      return live.id;
    }
    const id = `inc_${randomUUID()}`;
    this.stmt(
      `INSERT INTO incidents (id, store_id, camera_id, room, state, opened_at, first_alert_id, last_alert_id, last_alert_at, next_repeat_at, updated_at)
       VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)`,
    ).run(id, a.storeId, a.cameraId, a.room, a.at, a.alertId, a.alertId, a.at, a.firstRepeatAt ?? null, a.at);
    this.stmt('UPDATE alerts SET incident_id = ? WHERE id = ?').run(id, a.alertId);
    return id;
  }

  get(id: string): Incident | undefined {
    const row = this.stmt('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
    return row && toIncident(row);
  }

  find(ref: string): Incident | undefined {
    const direct = this.get(ref);
    if (direct) return direct;
    const viaAlert = this.stmt('SELECT incident_id FROM alerts WHERE id = ?').get(ref) as
      | { incident_id: string | null }
      | undefined;
    return viaAlert?.incident_id ? this.get(viaAlert.incident_id) : undefined;
  }

  live(): Incident[] {
    return (
      this.stmt(
        `SELECT * FROM incidents WHERE state = 'open' OR (state = 'claimed' AND told = 0) OR (state IN ('unclaimed', 'unheard') AND escalation_note IS NULL) ORDER BY opened_at, id`,
      ).all() as IncidentRow[]
    ).map(toIncident);
  }

  list(state?: IncidentState): Incident[] {
    const rows = state
      ? this.stmt('SELECT * FROM incidents WHERE state = ? ORDER BY opened_at, id').all(state)
      : this.stmt('SELECT * FROM incidents ORDER BY opened_at, id').all();
    return (rows as IncidentRow[]).map(toIncident);
  }

  oldestOpenInRoom(room: string, since: number): Incident | undefined {
    // Open, or ended untaken since `since` (repeats ran out, an escalation may have reached someone).
    const row = this.stmt(
      `SELECT * FROM incidents WHERE room = ? AND (state = 'open' OR (state IN ('unclaimed', 'unheard') AND updated_at >= ?)) ORDER BY opened_at, id LIMIT 1`,
    ).get(room, since) as IncidentRow | undefined;
    return row && toIncident(row);
  }

  recordAnnouncement(
    id: string,
    announcements: number,
    nextRepeatAt: number | null,
    state: IncidentState,
    at: number,
    callToken?: string,
  ): boolean {
    // Only while open: a claim that landed meanwhile is not undone by a late repeat.
    const call = callToken ?? null;
    return (
      this.stmt(
        `UPDATE incidents SET announcements = ?, next_repeat_at = ?, state = ?, updated_at = ?, last_call = COALESCE(?, last_call),
         call_token = NULL, call_state = NULL, call_channel = NULL
       WHERE id = ? AND state = 'open' AND (? IS NULL OR last_call IS NULL OR last_call <> ?)`,
      ).run(announcements, nextRepeatAt, state, at, call, id, call, call).changes === 1
    );
  }

  recordCall(ids: readonly string[], call: StepCall | null): void {
    const update = this.stmt(
      `UPDATE incidents SET call_token = ?, call_state = ?, call_channel = ? WHERE id = ? AND state = 'open'`,
    );
    this.db.transaction(() => {
      for (const id of ids) update.run(call?.token ?? null, call?.state ?? null, call?.channel ?? null, id);
    })();
  }

  announcePending(id: string): boolean {
    return (
      this.stmt(
        `SELECT 1 FROM alerts a JOIN steps s ON s.alert_id = a.id WHERE a.incident_id = ? AND s.step = 'announce' AND s.state IN ('pending', 'running') LIMIT 1`,
      ).get(id) !== undefined
    );
  }

  claim(id: string, by: string, via: ClaimVia, at: number): ClaimResult {
    return this.db
      .transaction((): ClaimResult => {
        const before = this.get(id);
        if (!before) return { kind: 'not-found', ref: id };
        // An unclaimed incident (its repeats ran out) can still be taken: better late, by the
        // person an escalation reached, than never.
        const won = before.state === 'open' || UNTAKEN_STATES.includes(before.state);
        this.stmt('INSERT INTO claims (incident_id, by, via, at, won) VALUES (?, ?, ?, ?, ?)').run(
          id,
          by,
          via,
          at,
          won ? 1 : 0,
        );
        if (!won)
          return before.state === 'claimed'
            ? { kind: 'already', incident: before }
            : { kind: 'closed', incident: before };
        if (before.state !== 'open') this.stmt('UPDATE incidents SET told = 0 WHERE id = ?').run(id);
        this.stmt(
          `UPDATE incidents SET state = 'claimed', claimed_by = ?, claimed_at = ?, claimed_via = ?, next_repeat_at = NULL, call_token = NULL, call_state = NULL, call_channel = NULL, updated_at = ? WHERE id = ?`,
        ).run(by, at, via, at, id);
        return { kind: 'claimed', incident: this.get(id) as Incident }; // just updated
      })
      .immediate();
  }

  startEscalation(id: string, at: number): boolean {
    return (
      this.stmt(
        `UPDATE incidents SET escalated_at = ?, updated_at = ? WHERE id = ? AND state IN ('open', 'unclaimed', 'unheard') AND escalated_at IS NULL`,
      ).run(at, at, id).changes === 1
    );
  }

  finishEscalation(id: string, to: string | null, note: string, at: number): void {
    this.stmt('UPDATE incidents SET escalated_to = ?, escalation_note = ?, updated_at = ? WHERE id = ?').run(
      to,
      note,
      at,
      id,
    );
  }

  latestInRoom(room: string, at: number, since: number): Incident | undefined {
    const row = this.stmt(
      `SELECT * FROM incidents WHERE room = ? AND opened_at <= ? AND (state IN ('open', 'claimed') OR updated_at >= ?) ORDER BY opened_at DESC, id DESC LIMIT 1`,
    ).get(room, at, since) as IncidentRow | undefined;
    return row && toIncident(row);
  }

  recordActivity(a: IncidentActivity): void {
    this.stmt('INSERT INTO incident_activity (incident_id, at, kind, who, detail) VALUES (?, ?, ?, ?, ?)').run(
      a.incidentId,
      a.at,
      a.kind,
      a.who,
      a.detail,
    );
  }

  activity(id: string): IncidentActivity[] {
    const rows = this.stmt(
      'SELECT incident_id, at, kind, who, detail FROM incident_activity WHERE incident_id = ?',
    ).all(id) as { incident_id: string; at: number; kind: string; who: string | null; detail: string | null }[];
    return rows
      .map((r) => ({ incidentId: r.incident_id, at: r.at, kind: r.kind, who: r.who, detail: r.detail }))
      .sort(byActivityOrder);
  }

  claimedBefore(cutoff: number): Incident[] {
    return (
      this.stmt(`SELECT * FROM incidents WHERE state = 'claimed' AND claimed_at < ? ORDER BY claimed_at`).all(
        cutoff,
      ) as IncidentRow[]
    ).map(toIncident);
  }

  /** Housekeeping: finished incidents (resolved, unclaimed, unheard) last changed before `cutoff`, with their claims. */
  pruneFinished(cutoff: number): number {
    return this.db.transaction(() => {
      this.stmt(
        `DELETE FROM claims WHERE incident_id IN (SELECT id FROM incidents WHERE state IN ('resolved', 'unclaimed', 'unheard') AND updated_at < ?)`,
      ).run(cutoff);
      this.stmt(
        `DELETE FROM incident_activity WHERE incident_id IN (SELECT id FROM incidents WHERE state IN ('resolved', 'unclaimed', 'unheard') AND updated_at < ?)`,
      ).run(cutoff);
      return this.stmt(
        `DELETE FROM incidents WHERE state IN ('resolved', 'unclaimed', 'unheard') AND updated_at < ?`,
      ).run(cutoff).changes;
    })();
  }

  markTold(id: string, at: number): void {
    this.stmt('UPDATE incidents SET told = 1, updated_at = ? WHERE id = ?').run(at, id);
  }

  resolve(id: string, outcome: Outcome, by: string | null, at: number): ResolveResult {
    return this.db
      .transaction((): ResolveResult => {
        const before = this.get(id);
        if (!before) return { kind: 'not-found', ref: id };
        if (before.state === 'resolved') return { kind: 'already', incident: before };
        // Resolving tells nobody again: an unclaimed or open incident ends here too.
        this.stmt(
          `UPDATE incidents SET state = 'resolved', outcome = ?, resolved_by = ?, resolved_at = ?, next_repeat_at = NULL, told = 1, updated_at = ? WHERE id = ?`,
        ).run(outcome, by, at, at, id);
        return { kind: 'resolved', incident: this.get(id) as Incident }; // just updated
      })
      .immediate();
  }

  /** Incidents nobody has claimed yet (the open-incidents gauge, read at each scrape). */
  countOpen(): number {
    return (this.stmt(`SELECT COUNT(*) AS n FROM incidents WHERE state = 'open'`).get() as { n: number }).n;
  }
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
