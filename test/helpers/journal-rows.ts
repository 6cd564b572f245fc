import Database from 'better-sqlite3';
import type { StepRecord } from '../../src/pipeline/ports';
import { type StepRow, toStepRecord } from '../../src/journal/step-call';

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
  return rows.map(toStepRecord);
}

/** The body an alert arrived with, byte for byte as the journal stored it. */
export function journalRawBody(file: string, alertId: string): string | undefined {
  return read(
    file,
    (db) => db.prepare('SELECT raw_body FROM alerts WHERE id = ?').get(alertId) as { raw_body: string } | undefined,
  )?.raw_body;
}
