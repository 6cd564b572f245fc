import type Database from 'better-sqlite3';
import { preparedOnce } from './prepared';
import type { AlertEventType } from '../pipeline/alert-event';
import {
  wants,
  type DeliveryState,
  type DeliveryStore,
  type EventHead,
  type Integration,
  type IntegrationType,
  type StoredEvent,
} from '../integrations/integration';

export interface IntegrationRow {
  id: string;
  type: string;
  url: string;
  secret: string;
  filter_json: string;
  scope: string;
  created_at: number;
  enabled: number;
  disabled_reason: string | null;
  cursor: number;
  attempts: number;
  next_at: number | null;
  last_error: string | null;
  last_notice_at: number | null;
  unnoticed_dead: number;
}

export interface EventRow {
  seq: number;
  id: string;
  type: string;
  alert_id: string;
  store_id: string;
  location: string | null;
  time: number;
}

export type NewIntegration = Pick<Integration, 'id' | 'type' | 'url' | 'secret' | 'filter' | 'scope' | 'createdAt'>;
export type Outcome = 'delivered' | 'dead';

/**
 * Integrations and their delivery state, in the journal. The daemon (dispatcher) and the CLI
 * (`integrations add|list|remove`) each use it on their own connection; every write is one
 * statement or one transaction, so neither ever sees the other's half-done change.
 */
export class IntegrationStore implements DeliveryStore {
  /** Each statement is prepared once per connection. */
  private readonly stmt: (sql: string) => Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.stmt = preparedOnce(db);
  }

  /** A new integration starts after the newest event: it receives what happens from now on. */
  add(i: NewIntegration): void {
    this.stmt(
      `INSERT INTO integrations (id, type, url, secret, filter_json, scope, created_at, cursor)
       VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) FROM events))`,
    ).run(i.id, i.type, i.url, i.secret, JSON.stringify(i.filter), i.scope, i.createdAt);
  }

  remove(id: string): boolean {
    return this.db.transaction(() => {
      this.stmt('DELETE FROM deliveries WHERE integration_id = ?').run(id);
      return this.stmt('DELETE FROM integrations WHERE id = ?').run(id).changes > 0;
    })();
  }

  list(): (Integration & DeliveryState)[] {
    return (this.stmt('SELECT * FROM integrations ORDER BY created_at, id').all() as IntegrationRow[]).map(
      toIntegration,
    );
  }

  get(id: string): (Integration & DeliveryState) | undefined {
    const row = this.stmt('SELECT * FROM integrations WHERE id = ?').get(id) as IntegrationRow | undefined;
    return row && toIntegration(row);
  }

  /** The next events after `cursor`, oldest first, without their data. */
  eventsAfter(cursor: number, limit = 100): EventHead[] {
    const sql =
      'SELECT seq, id, type, alert_id, store_id, location, time FROM events WHERE seq > ? ORDER BY seq LIMIT ?';
    return (this.stmt(sql).all(cursor, limit) as EventRow[]).map(toHead);
  }

  /** One event, with its data. */
  event(seq: number): StoredEvent | undefined {
    const row = this.stmt('SELECT * FROM events WHERE seq = ?').get(seq) as
      | (EventRow & { data_json: string })
      | undefined;
    return row && { ...toHead(row), data: JSON.parse(row.data_json) as StoredEvent['data'] };
  }

  /** Events after its place that the integration wants: what it still has to deliver (for `list`). */
  backlog(i: Pick<Integration, 'filter' | 'scope'> & Pick<DeliveryState, 'cursor'>): number {
    let count = 0;
    let page = this.eventsAfter(i.cursor, 1000);
    while (page.length > 0) {
      count += page.filter((e) => wants(i, e)).length;
      page = this.eventsAfter(page[page.length - 1]?.seq ?? Infinity, 1000);
    }
    return count;
  }

  /** Moves past events this integration does not want. */
  skipTo(id: string, seq: number): void {
    this.stmt('UPDATE integrations SET cursor = MAX(cursor, ?) WHERE id = ?').run(seq, id);
  }

  /** The event is settled: delivered, or given up after its last attempt. */
  settle(id: string, event: EventHead, outcome: Outcome, attempts: number, error: string | null, at: number): void {
    this.db.transaction(() => {
      this.stmt(
        `UPDATE integrations SET cursor = MAX(cursor, ?), attempts = 0, next_at = NULL, last_error = ?,
           unnoticed_dead = unnoticed_dead + ? WHERE id = ?`,
      ).run(event.seq, error, outcome === 'dead' ? 1 : 0, id);
      this.stmt(
        `INSERT INTO deliveries (integration_id, event_id, type, alert_id, outcome, attempts, error, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET outcome = excluded.outcome,
           attempts = excluded.attempts, error = excluded.error, at = excluded.at`,
      ).run(id, event.id, event.type, event.alertId, outcome, attempts, error, at);
    })();
  }

  /** A failed attempt on the oldest undelivered event; the next one is due at `nextAt`. */
  retryAt(id: string, attempts: number, nextAt: number, error: string): void {
    this.stmt('UPDATE integrations SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?').run(
      attempts,
      nextAt,
      error,
      id,
    );
  }

  /** The receiver said 410 Gone: no more deliveries until an operator acts. */
  disable(id: string, reason: string): void {
    this.stmt('UPDATE integrations SET enabled = 0, disabled_reason = ?, next_at = NULL WHERE id = ?').run(reason, id);
  }

  noticeSent(id: string, at: number): void {
    this.stmt('UPDATE integrations SET last_notice_at = ?, unnoticed_dead = 0 WHERE id = ?').run(at, id);
  }

  /** Outcomes per integration and kind, since `since`. */
  outcomes(since: number): { integrationId: string; outcome: Outcome; count: number }[] {
    return this.stmt(
      `SELECT integration_id AS integrationId, outcome, COUNT(*) AS count FROM deliveries WHERE at >= ?
       GROUP BY integration_id, outcome ORDER BY integration_id, outcome`,
    ).all(since) as { integrationId: string; outcome: Outcome; count: number }[];
  }
}

export function toIntegration(r: IntegrationRow): Integration & DeliveryState {
  return {
    id: r.id,
    type: r.type as IntegrationType,
    url: r.url,
    secret: r.secret,
    filter: JSON.parse(r.filter_json) as AlertEventType[],
    scope: r.scope,
    createdAt: r.created_at,
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    cursor: r.cursor,
    attempts: r.attempts,
    nextAt: r.next_at,
    lastError: r.last_error,
    lastNoticeAt: r.last_notice_at,
    unnoticedDead: r.unnoticed_dead,
  };
}

export function toHead(r: EventRow): EventHead {
  return {
    seq: r.seq,
    id: r.id,
    type: r.type as AlertEventType,
    alertId: r.alert_id,
    storeId: r.store_id,
    location: r.location,
    time: r.time,
  };
}
