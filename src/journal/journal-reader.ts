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
      .prepare('SELECT alert_id, step, last_error, updated_at FROM steps WHERE last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 1')
      .get() as { alert_id: string; step: string; last_error: string; updated_at: number } | undefined;
    const silences = db.prepare('SELECT store_id, until FROM silences WHERE until > ? ORDER BY store_id').all(now) as { store_id: string; until: number }[];
    return {
      lastError: lastError ? { alertId: lastError.alert_id, step: lastError.step, error: lastError.last_error, at: lastError.updated_at } : null,
      silences: silences.map((r) => ({ storeId: r.store_id, until: r.until })),
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
  return (db.prepare('SELECT step, state, attempts, last_error, next_at FROM steps WHERE alert_id = ? ORDER BY step').all(alertId) as {
    step: string; state: string; attempts: number; last_error: string | null; next_at: number | null;
  }[]).map((s) => ({ step: s.step, state: s.state, attempts: s.attempts, lastError: s.last_error, nextAt: s.state === 'pending' ? s.next_at : null }));
}
