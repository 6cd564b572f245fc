import type { Alert, AlertStatus } from '../pipeline/alert';
import { listAlerts, stepsOf, type AlertListItem, type AlertQuery, type AlertStepView } from './alert-list';
import { journalStats, type JournalStats } from './journal-stats';
import { requeueAlerts, type ReplayOutcome, type ReplaySelection } from './replay';
import type { DeliveryState, Integration } from '../integrations/integration';
import { setSilence } from './silences';
import type { Db } from './sql/db';

export interface AlertDetail {
  alert: Alert;
  status: AlertStatus;
  receivedAt: number;
  incidentId: string | null;
  steps: AlertStepView[];
}

/**
 * What the admin API reads and changes in the journal, either one, through the same functions
 * as the operator commands (`replay`, `silence`, `report`). Step updates still waiting for the
 * group commit are written first (`flush`): an answer is never older than the daemon's view,
 * and a replay never reads a step as running that has just given up.
 */
export class JournalAdmin implements AdminJournalPort {
  constructor(
    private readonly db: Db,
    private readonly flush: () => unknown,
    /** After a silence is written: this daemon's silences read again, where it keeps them in memory. */
    private readonly silencesChanged: (now: number) => Promise<unknown> = async () => undefined,
  ) {}

  async alerts(q: AlertQuery): Promise<AlertListItem[]> {
    await this.flush();
    return listAlerts(this.db, q);
  }

  async alert(id: string): Promise<AlertDetail | undefined> {
    await this.flush();
    const row = await this.db.get<{
      alert_json: string;
      status: string;
      received_at: number;
      incident_id: string | null;
    }>('SELECT alert_json, status, received_at, incident_id FROM alerts WHERE id = ?', [id]);
    if (!row) return undefined;
    return {
      alert: JSON.parse(row.alert_json) as Alert,
      status: row.status as AlertStatus,
      receivedAt: row.received_at,
      incidentId: row.incident_id,
      steps: (await stepsOf(this.db, [id])).get(id) ?? [],
    };
  }

  /** `veesion-bridge replay`'s requeue; the caller then has the daemon pick the steps up. */
  async requeue(sel: ReplaySelection): Promise<ReplayOutcome[]> {
    await this.flush();
    return requeueAlerts(this.db, sel);
  }

  /** `veesion-bridge silence`: mutes a store's announcements until `until` (0 lifts it). */
  async silence(storeId: string, until: number, now: number): Promise<void> {
    await setSilence(this.db, storeId, until, now);
    await this.silencesChanged(now).catch(() => undefined); // read again within a second anyway
  }

  async stats(since: number): Promise<JournalStats> {
    await this.flush();
    return journalStats(this.db, since);
  }
}

/** The journal as the admin API reads and changes it. */
export interface AdminJournalPort {
  alerts(q: AlertQuery): Promise<AlertListItem[]>;
  alert(id: string): Promise<AlertDetail | undefined>;
  requeue(sel: ReplaySelection): Promise<ReplayOutcome[]>;
  silence(storeId: string, until: number, now: number): Promise<void>;
  stats(since: number): Promise<JournalStats>;
}

/** The integrations as the admin API lists and tests them. */
export interface IntegrationsPort {
  list(): Promise<(Integration & DeliveryState)[]>;
  get(id: string): Promise<(Integration & DeliveryState) | undefined>;
  backlog(i: Pick<Integration, 'filter' | 'scope'> & Pick<DeliveryState, 'cursor'>): Promise<number>;
}
