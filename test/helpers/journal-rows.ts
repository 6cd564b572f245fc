import Database from 'better-sqlite3';
import type { StepName, StepState } from '../../src/pipeline/alert';
import type { StepRecord } from '../../src/pipeline/ports';
import { stepCall } from '../../src/journal/step-call';

interface StepRow {
  alert_id: string;
  step: string;
  state: string;
  attempts: number;
  next_at: number | null;
  last_error: string | null;
  detail: string | null;
  updated_at: number;
  call_token: string | null;
  call_state: string | null;
  call_channel: string | null;
  window_from: number | null;
}

/**
 * Reads what a SQLite journal file holds, on a connection of its own: a test sees the rows the
 * daemon has committed, whether the daemon is running, stopped or killed, and the journal
 * itself keeps no read path that only tests use.
 */
function read<T>(file: string, query: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

/** An alert's steps as the journal holds them, in step order. */
export function journalSteps(file: string, alertId: string): StepRecord[] {
  const rows = read(
    file,
    (db) => db.prepare('SELECT * FROM steps WHERE alert_id = ? ORDER BY step').all(alertId) as StepRow[],
  );
  return rows.map((r) => ({
    alertId: r.alert_id,
    step: r.step as StepName,
    state: r.state as StepState,
    attempts: r.attempts,
    nextAt: r.next_at,
    lastError: r.last_error,
    detail: r.detail,
    updatedAt: r.updated_at,
    windowFrom: r.window_from,
    call: stepCall(r),
  }));
}

/** The body an alert arrived with, byte for byte as the journal stored it. */
export function journalRawBody(file: string, alertId: string): string | undefined {
  return read(
    file,
    (db) => db.prepare('SELECT raw_body FROM alerts WHERE id = ?').get(alertId) as { raw_body: string } | undefined,
  )?.raw_body;
}
