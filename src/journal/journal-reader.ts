import { marks, type Db } from './sql/db';

export interface AlertSummary {
  id: string;
  receivedAt: number;
  storeId: string;
  status: string;
  steps: StepView[];
}

export interface JournalSummary {
  alerts: number;
  unroutable: number;
  /** Steps waiting for an attempt. */
  queued: number;
  /** Steps given up: dead or expired. */
  failed: number;
  recent: AlertSummary[];
  /** The newest step error in the journal, with its alert. */
  lastError: { alertId: string; step: string; error: string; at: number } | null;
  /** Stores muted by `veesion-bridge silence`, now. */
  silences: { storeId: string; until: number }[];
  /** Incidents nobody has closed: open, or claimed and not resolved yet; oldest first. */
  incidents: OpenIncidentView[];
}

export interface OpenIncidentView {
  id: string;
  storeId: string;
  cameraId: string;
  room: string;
  state: 'open' | 'claimed';
  openedAt: number;
  ageS: number;
  /** Announcements heard so far (the first and its repeats). */
  announcements: number;
  alerts: number;
  claimedBy: string | null;
  claimedAt: number | null;
  claimedVia: string | null;
  /** Every claim kept, the first and the seconds after it. */
  claims: number;
  escalatedAt: number | null;
  escalatedTo: string | null;
}

/**
 * A read-only look at either journal for `status`, safe beside the running daemons (SQLite's WAL
 * readers never block the writer).
 */
export async function summariseJournal(db: Db, recentCount = 10, now = Date.now()): Promise<JournalSummary> {
  const count = async (sql: string) => Number((await db.get<{ n: number }>(sql))?.n ?? 0);
  const recent = await db.all<{ id: string; received_at: number; store_id: string; status: string }>(
    'SELECT id, received_at, store_id, status FROM alerts ORDER BY received_at DESC, id LIMIT ?',
    [recentCount],
  );
  const steps =
    recent.length === 0
      ? []
      : await db.all<StepViewRow & { alert_id: string }>(
          `SELECT alert_id, step, state, attempts, last_error, next_at FROM steps WHERE alert_id IN (${marks(recent.length)}) ORDER BY step`,
          recent.map((a) => a.id),
        );
  const lastError = await db.get<{ alert_id: string; step: string; last_error: string; updated_at: number }>(
    'SELECT alert_id, step, last_error, updated_at FROM steps WHERE last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1',
  );
  const silences = await db.all<{ store_id: string; until: number }>(
    'SELECT store_id, until FROM silences WHERE until > ? ORDER BY store_id',
    [now],
  );
  return {
    lastError: lastError
      ? { alertId: lastError.alert_id, step: lastError.step, error: lastError.last_error, at: lastError.updated_at }
      : null,
    silences: silences.map((r) => ({ storeId: r.store_id, until: r.until })),
    incidents: await readOpenIncidents(db, now),
    alerts: await count('SELECT COUNT(*) AS n FROM alerts'),
    unroutable: await count("SELECT COUNT(*) AS n FROM alerts WHERE status = 'unroutable'"),
    queued: await count("SELECT COUNT(*) AS n FROM steps WHERE state IN ('pending', 'running')"),
    failed: await count("SELECT COUNT(*) AS n FROM steps WHERE state IN ('dead', 'expired')"),
    recent: recent.map((a) => ({
      id: a.id,
      receivedAt: a.received_at,
      storeId: a.store_id,
      status: a.status,
      steps: steps.filter((st) => st.alert_id === a.id).map(toStepView),
    })),
  };
}

export interface StepView {
  step: string;
  state: string;
  attempts: number;
  lastError: string | null;
  /** When a waiting step is tried next. */
  nextAt: number | null;
}

/** One alert's steps, for commands that follow them (replay --wait). */
export async function readSteps(db: Db, alertId: string): Promise<StepView[]> {
  const rows = await db.all<StepViewRow>(
    'SELECT step, state, attempts, last_error, next_at FROM steps WHERE alert_id = ? ORDER BY step',
    [alertId],
  );
  return rows.map(toStepView);
}

/** A step row as `status` and `replay` show it (either journal). */
export interface StepViewRow {
  step: string;
  state: string;
  attempts: number;
  last_error: string | null;
  next_at: number | null;
}

export function toStepView(s: StepViewRow): StepView {
  return {
    step: s.step,
    state: s.state,
    attempts: s.attempts,
    lastError: s.last_error,
    nextAt: s.state === 'pending' ? s.next_at : null,
  };
}

/** Open and claimed-not-resolved incidents with their claim count, for `status`. */
export async function readOpenIncidents(db: Db, now: number): Promise<OpenIncidentView[]> {
  const rows = await db.all<{
    id: string;
    store_id: string;
    camera_id: string;
    room: string;
    state: 'open' | 'claimed';
    opened_at: number;
    announcements: number;
    alerts: number;
    claimed_by: string | null;
    claimed_at: number | null;
    claimed_via: string | null;
    escalated_at: number | null;
    escalated_to: string | null;
    claims: number;
  }>(
    `SELECT i.id, i.store_id, i.camera_id, i.room, i.state, i.opened_at, i.announcements, i.alerts, i.claimed_by, i.claimed_at, i.claimed_via,
            i.escalated_at, i.escalated_to, (SELECT COUNT(*) FROM claims c WHERE c.incident_id = i.id) AS claims
     FROM incidents i WHERE i.state IN ('open', 'claimed') ORDER BY i.opened_at, i.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    storeId: r.store_id,
    cameraId: r.camera_id,
    room: r.room,
    state: r.state,
    openedAt: r.opened_at,
    ageS: Math.max(0, Math.round((now - r.opened_at) / 1000)),
    announcements: r.announcements,
    alerts: r.alerts,
    claimedBy: r.claimed_by,
    claimedAt: r.claimed_at,
    claimedVia: r.claimed_via,
    claims: Number(r.claims),
    escalatedAt: r.escalated_at,
    escalatedTo: r.escalated_to,
  }));
}
