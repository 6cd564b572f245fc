import type Database from 'better-sqlite3';
import { openJournalForOperator } from './operator-access';

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
 * A read-only look at the journal for operator commands, safe beside the running daemon
 * (WAL readers never block the writer).
 */
export function summariseJournal(file: string, recentCount = 10, now = Date.now()): JournalSummary {
  // The operator's read access: a missing or not yet upgraded journal is said in plain words.
  const db = openJournalForOperator(file, 'read');
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const recent = db
      .prepare('SELECT id, received_at, store_id, status FROM alerts ORDER BY received_at DESC, id LIMIT ?')
      .all(recentCount) as { id: string; received_at: number; store_id: string; status: string }[];
    const lastError = db
      .prepare(
        'SELECT alert_id, step, last_error, updated_at FROM steps WHERE last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1',
      )
      .get() as { alert_id: string; step: string; last_error: string; updated_at: number } | undefined;
    const silences = db.prepare('SELECT store_id, until FROM silences WHERE until > ? ORDER BY store_id').all(now) as {
      store_id: string;
      until: number;
    }[];
    return {
      lastError: lastError
        ? { alertId: lastError.alert_id, step: lastError.step, error: lastError.last_error, at: lastError.updated_at }
        : null,
      silences: silences.map((r) => ({ storeId: r.store_id, until: r.until })),
      incidents: readOpenIncidents(db, now),
      alerts: count('SELECT COUNT(*) AS n FROM alerts'),
      unroutable: count("SELECT COUNT(*) AS n FROM alerts WHERE status = 'unroutable'"),
      queued: count("SELECT COUNT(*) AS n FROM steps WHERE state IN ('pending', 'running')"),
      failed: count("SELECT COUNT(*) AS n FROM steps WHERE state IN ('dead', 'expired')"),
      recent: recent.map((a) => ({
        id: a.id,
        receivedAt: a.received_at,
        storeId: a.store_id,
        status: a.status,
        steps: readSteps(db, a.id),
      })),
    };
  } finally {
    db.close();
  }
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
export function readSteps(db: Database.Database, alertId: string): StepView[] {
  return (
    db
      .prepare('SELECT step, state, attempts, last_error, next_at FROM steps WHERE alert_id = ? ORDER BY step')
      .all(alertId) as StepViewRow[]
  ).map(toStepView);
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
export function readOpenIncidents(db: Database.Database, now: number): OpenIncidentView[] {
  const rows = db
    .prepare(
      `SELECT i.id, i.store_id, i.camera_id, i.room, i.state, i.opened_at, i.announcements, i.alerts, i.claimed_by, i.claimed_at, i.claimed_via,
            i.escalated_at, i.escalated_to, (SELECT COUNT(*) FROM claims c WHERE c.incident_id = i.id) AS claims
     FROM incidents i WHERE i.state IN ('open', 'claimed') ORDER BY i.opened_at, i.id`,
    )
    .all() as {
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
  }[];
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
    claims: r.claims,
    escalatedAt: r.escalated_at,
    escalatedTo: r.escalated_to,
  }));
}
