import type Database from 'better-sqlite3';
import type { AlertStatus, StepName, StepState } from '../pipeline/alert';

/** Which alerts the admin API lists; every field optional but `limit`. */
export interface AlertQuery {
  storeId?: string;
  cameraId?: string;
  /** Alerts having a step in this state. */
  state?: StepState;
  /** received_at bounds, epoch ms, inclusive. */
  since?: number;
  until?: number;
  limit: number;
}

export interface AlertStepView {
  step: StepName;
  state: StepState;
  attempts: number;
  /** When a pending step is tried next (null otherwise). */
  nextAt: number | null;
  lastError: string | null;
  detail: string | null;
  updatedAt: number;
}

export interface AlertListItem {
  id: string;
  storeId: string;
  cameraId: string;
  alertType: string;
  receivedAt: number;
  status: AlertStatus;
  incidentId: string | null;
  steps: AlertStepView[];
}

interface AlertRow {
  id: string;
  received_at: number;
  store_id: string;
  status: string;
  incident_id: string | null;
  camera_id: unknown;
  alert_type: unknown;
}
export interface StepRow {
  alert_id: string;
  step: string;
  state: string;
  attempts: number;
  next_at: number | null;
  last_error: string | null;
  detail: string | null;
  updated_at: number;
}

/**
 * Alerts newest first, for the admin API. Walks the received_at index backwards and stops at
 * `limit`, so the usual look (the newest, or the newest of a store) reads only what it returns;
 * a filter that matches little scans the journal's retention window, bounded by `since`.
 * Waiting steps (pending, running) are found through their own partial index instead.
 */
export function listAlerts(db: Database.Database, q: AlertQuery): AlertListItem[] {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    args.push(value);
  };
  if (q.storeId !== undefined) add('a.store_id = ?', q.storeId);
  // No camera column (it lives in the alert's JSON, as `report` reads it): a filter, not a seek.
  if (q.cameraId !== undefined) add(`json_extract(a.alert_json, '$.cameraId') = ?`, q.cameraId);
  if (q.since !== undefined) add('a.received_at >= ?', q.since);
  if (q.until !== undefined) add('a.received_at <= ?', q.until);
  if (q.state === 'pending' || q.state === 'running') {
    // The IN list makes steps_unfinished (a partial index) usable for `state = ?`.
    add(`a.id IN (SELECT s.alert_id FROM steps s WHERE s.state IN ('pending', 'running') AND s.state = ?)`, q.state);
  } else if (q.state !== undefined) {
    add('EXISTS (SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.state = ?)', q.state);
  }
  // The id breaks ties, as on PostgreSQL: arrival order (rowid) has no twin there.
  const rows = db
    .prepare(
      `SELECT a.id, a.received_at, a.store_id, a.status, a.incident_id,
            json_extract(a.alert_json, '$.cameraId') AS camera_id, json_extract(a.alert_json, '$.alertType') AS alert_type
     FROM alerts a ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY a.received_at DESC, a.id DESC LIMIT ?`,
    )
    .all(...args, q.limit) as AlertRow[];
  const steps = stepsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    storeId: r.store_id,
    cameraId: r.camera_id === null ? '' : String(r.camera_id),
    alertType: r.alert_type === null ? '' : String(r.alert_type),
    receivedAt: r.received_at,
    status: r.status as AlertStatus,
    incidentId: r.incident_id,
    steps: steps.get(r.id) ?? [],
  }));
}

/** The steps of these alerts, by alert, in one statement. */
export function stepsOf(db: Database.Database, alertIds: readonly string[]): Map<string, AlertStepView[]> {
  if (alertIds.length === 0) return new Map();
  const rows = db
    .prepare(
      `SELECT alert_id, step, state, attempts, next_at, last_error, detail, updated_at FROM steps
     WHERE alert_id IN (SELECT value FROM json_each(?)) ORDER BY alert_id, step`,
    )
    .all(JSON.stringify(alertIds)) as StepRow[];
  return stepsByAlert(rows);
}

/** Step rows (ordered by alert and step) as the admin API shows them, by alert. */
export function stepsByAlert(rows: readonly StepRow[]): Map<string, AlertStepView[]> {
  const out = new Map<string, AlertStepView[]>();
  for (const s of rows) {
    const list = out.get(s.alert_id) ?? [];
    list.push({
      step: s.step as StepName,
      state: s.state as StepState,
      attempts: s.attempts,
      nextAt: s.state === 'pending' ? s.next_at : null,
      lastError: s.last_error,
      detail: s.detail,
      updatedAt: s.updated_at,
    });
    out.set(s.alert_id, list);
  }
  return out;
}
