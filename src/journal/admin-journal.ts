import type Database from 'better-sqlite3';
import type { Alert, AlertStatus } from '../pipeline/alert';
import { listAlerts, stepsOf, type AlertListItem, type AlertQuery, type AlertStepView } from './alert-list';
import { journalStats, type JournalStats } from './journal-stats';
import { requeueAlerts, type ReplayOutcome, type ReplaySelection } from './replay';
import type { DeliveryState, Integration } from '../integrations/integration';
import type { Awaitable } from '../pipeline/ports';
import { setSilence } from './silences';
import { SqliteDb } from './sql/sqlite-db';

export interface AlertDetail {
  alert: Alert;
  status: AlertStatus;
  receivedAt: number;
  incidentId: string | null;
  steps: AlertStepView[];
}

/**
 * What the admin API reads and changes in the daemon's own journal, through the same functions
 * as the operator commands (`replay`, `silence`, `report`). Step updates still waiting for the
 * group commit are written first (`flush`): an answer is never older than the daemon's view,
 * and a replay never reads a step as running that has just given up.
 */
export class AdminJournal implements AdminJournalPort {
  constructor(
    private readonly db: Database.Database,
    private readonly flush: () => void,
  ) {}

  alerts(q: AlertQuery): AlertListItem[] {
    this.flush();
    return listAlerts(this.db, q);
  }

  alert(id: string): AlertDetail | undefined {
    this.flush();
    const row = this.db
      .prepare('SELECT alert_json, status, received_at, incident_id FROM alerts WHERE id = ?')
      .get(id) as { alert_json: string; status: string; received_at: number; incident_id: string | null } | undefined;
    if (!row) return undefined;
    return {
      alert: JSON.parse(row.alert_json) as Alert,
      status: row.status as AlertStatus,
      receivedAt: row.received_at,
      incidentId: row.incident_id,
      steps: stepsOf(this.db, [id]).get(id) ?? [],
    };
  }

  /** `veesion-bridge replay`'s requeue; the caller then has the daemon pick the steps up. */
  requeue(sel: ReplaySelection): ReplayOutcome[] {
    this.flush();
    return requeueAlerts(this.db, sel);
  }

  /** `veesion-bridge silence`: mutes a store's announcements until `until` (0 lifts it). */
  silence(storeId: string, until: number, now: number): Promise<void> {
    return setSilence(new SqliteDb(this.db), storeId, until, now);
  }

  stats(since: number): JournalStats {
    this.flush();
    return journalStats(this.db, since);
  }
}

/**
 * The journal as the admin API reads and changes it: the SQLite journal's AdminJournal, or the
 * shared PostgreSQL journal's PgAdmin.
 */
export interface AdminJournalPort {
  alerts(q: AlertQuery): Awaitable<AlertListItem[]>;
  alert(id: string): Awaitable<AlertDetail | undefined>;
  requeue(sel: ReplaySelection): Awaitable<ReplayOutcome[]>;
  silence(storeId: string, until: number, now: number): Awaitable<void>;
  stats(since: number): Awaitable<JournalStats>;
}

/** The integrations as the admin API lists and tests them. */
export interface IntegrationsPort {
  list(): Awaitable<(Integration & DeliveryState)[]>;
  get(id: string): Awaitable<(Integration & DeliveryState) | undefined>;
  backlog(i: Pick<Integration, 'filter' | 'scope'> & Pick<DeliveryState, 'cursor'>): Awaitable<number>;
}
