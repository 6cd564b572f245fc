import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';

/**
 * Inside an alert's own insert transaction on SQLite (the journal's append): the live incident of
 * its camera whose last alert is within `windowMs`, or a new one. Returns the incident id.
 * (PostgreSQL's append joins a commit's alerts to their incidents in its own statement.)
 */
export function joinOrOpenIncident(
  db: { prepare(sql: string): Database.Statement },
  a: {
    alertId: string;
    storeId: string;
    cameraId: string;
    room: string;
    at: number;
    windowMs: number;
    firstRepeatAt?: number | undefined;
  },
): string {
  const stmt = (sql: string) => db.prepare(sql);
  const live = stmt(
    `SELECT id FROM incidents WHERE store_id = ? AND camera_id = ? AND state IN ('open', 'claimed') AND last_alert_at >= ?
     ORDER BY last_alert_at DESC LIMIT 1`,
  ).get(a.storeId, a.cameraId, a.at - a.windowMs) as { id: string } | undefined;
  if (live) {
    stmt(
      'UPDATE incidents SET alerts = alerts + 1, last_alert_id = ?, last_alert_at = ?, updated_at = ? WHERE id = ?',
    ).run(a.alertId, a.at, a.at, live.id);
    stmt('UPDATE alerts SET incident_id = ? WHERE id = ?').run(live.id, a.alertId);
    return live.id;
  }
  const id = `inc_${randomUUID()}`;
  stmt(
    `INSERT INTO incidents (id, store_id, camera_id, room, state, opened_at, first_alert_id, last_alert_id, last_alert_at, next_repeat_at, updated_at)
     VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)`,
  ).run(id, a.storeId, a.cameraId, a.room, a.at, a.alertId, a.alertId, a.at, a.firstRepeatAt ?? null, a.at);
  stmt('UPDATE alerts SET incident_id = ? WHERE id = ?').run(id, a.alertId);
  return id;
}
