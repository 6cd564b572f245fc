import { marks, type Db } from './sql/db';
import type { StepRow } from './step-call';
import type { AlertStatus, StepName, StepState } from '../pipeline/alert';

/** Which alerts the admin API lists; every field optional but `limit`. */
export interface AlertQuery {
  storeId?: string;
  /** Only these stores' alerts (a person scoped to some stores); an empty list matches none. */
  storeIds?: readonly string[];
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
/** The columns of a steps row the admin API shows. */
type ListedStepRow = Pick<
  StepRow,
  'alert_id' | 'step' | 'state' | 'attempts' | 'next_at' | 'last_error' | 'detail' | 'updated_at'
>;

/** A field of the alert's JSON as text, in each database's words. */
export function alertField(db: Pick<Db, 'dialect'>, column: string, field: 'cameraId' | 'alertType'): string {
  return db.dialect === 'pg' ? `(${column}::json ->> '${field}')` : `json_extract(${column}, '$.${field}')`;
}

/**
 * Alerts newest first, for the admin API. Walks the received_at index backwards and stops at
 * `limit`, so the usual look (the newest, or the newest of a store) reads only what it returns;
 * a filter that matches little scans the journal's retention window, bounded by `since`.
 * Waiting steps (pending, running) are found through their own partial index instead.
 */
export async function listAlerts(db: Db, q: AlertQuery): Promise<AlertListItem[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    args.push(value);
  };
  if (q.storeId !== undefined) add('a.store_id = ?', q.storeId);
  if (q.storeIds !== undefined) {
    if (q.storeIds.length === 0) return [];
    where.push(`a.store_id IN (${q.storeIds.map(() => '?').join(', ')})`);
    args.push(...q.storeIds);
  }
  // No camera column (it lives in the alert's JSON, as `report` reads it): a filter, not a seek.
  if (q.cameraId !== undefined) add(`${alertField(db, 'a.alert_json', 'cameraId')} = ?`, q.cameraId);
  if (q.since !== undefined) add('a.received_at >= ?', q.since);
  if (q.until !== undefined) add('a.received_at <= ?', q.until);
  if (q.state === 'pending' || q.state === 'running') {
    // The IN list makes steps_unfinished (a partial index) usable for `state = ?`.
    add(`a.id IN (SELECT s.alert_id FROM steps s WHERE s.state IN ('pending', 'running') AND s.state = ?)`, q.state);
  } else if (q.state !== undefined) {
    add('EXISTS (SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.state = ?)', q.state);
  }
  // The id breaks ties: arrival order (SQLite's rowid) has no twin on PostgreSQL.
  const rows = await db.all<AlertRow>(
    `SELECT a.id, a.received_at, a.store_id, a.status, a.incident_id,
            ${alertField(db, 'a.alert_json', 'cameraId')} AS camera_id, ${alertField(db, 'a.alert_json', 'alertType')} AS alert_type
     FROM alerts a ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY a.received_at DESC, a.id DESC LIMIT ?`,
    [...args, q.limit],
  );
  const steps = await stepsOf(
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
export async function stepsOf(db: Db, alertIds: readonly string[]): Promise<Map<string, AlertStepView[]>> {
  if (alertIds.length === 0) return new Map();
  const rows = await db.all<ListedStepRow>(
    `SELECT alert_id, step, state, attempts, next_at, last_error, detail, updated_at FROM steps
     WHERE alert_id IN (${marks(alertIds.length)}) ORDER BY alert_id, step`,
    alertIds,
  );
  return stepsByAlert(rows);
}

/** Step rows (ordered by alert and step) as the admin API shows them, by alert. */
export function stepsByAlert(rows: readonly ListedStepRow[]): Map<string, AlertStepView[]> {
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
