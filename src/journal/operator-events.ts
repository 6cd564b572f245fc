import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Alert, StoreRoute } from '../pipeline/alert';
import { incidentEvent } from '../pipeline/alert-event';
import type { Incident } from '../pipeline/incident';

/**
 * An incident event written by an operator command (`claim` or `resolve` from the CLI) into the journal's
 * outbox, as the daemon writes its own: kept only while some integration is enabled. The
 * daemon delivers it when woken (SIGUSR2) or at its next start.
 */
export function recordIncidentEvent(
  db: Database.Database,
  type: 'alert.claimed' | 'alert.resolved',
  incident: Incident,
  store: StoreRoute | undefined,
  now: number,
): boolean {
  if (db.prepare('SELECT 1 FROM integrations WHERE enabled = 1 LIMIT 1').get() === undefined) return false;
  const row = db.prepare('SELECT alert_json FROM alerts WHERE id = ?').get(incident.firstAlertId) as
    | { alert_json: string }
    | undefined;
  if (!row) return false;
  const e = incidentEvent(type, JSON.parse(row.alert_json) as Alert, store, incident, now);
  db.prepare(
    'INSERT INTO events (id, type, alert_id, store_id, location, time, data_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(`evt_${randomUUID()}`, e.type, e.alertId, e.storeId, e.location, e.time, JSON.stringify(e.data));
  return true;
}
