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
import type { Db, Step, Tx } from './sql/db';

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
 * Integrations and their delivery state, in either journal. The daemon (dispatcher; on a shared
 * journal one at a time, the cron lease's holder, so a cursor has one writer) and the CLI
 * (`integrations add|list|remove`) each use it on their own connection; every write is one
 * statement or one transaction, so neither ever sees the other's half-done change.
 */
export class JournalIntegrationStore implements DeliveryStore {
  constructor(private readonly db: Db) {}

  /** A new integration starts after the newest event: it receives what happens from now on. */
  async add(i: NewIntegration): Promise<void> {
    await this.db.run(
      `INSERT INTO integrations (id, type, url, secret, filter_json, scope, created_at, cursor)
       VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) FROM events))`,
      [i.id, i.type, i.url, i.secret, JSON.stringify(i.filter), i.scope, i.createdAt],
    );
  }

  remove(id: string): Promise<boolean> {
    return this.db.transaction(function* (tx: Tx): Step<boolean> {
      yield* tx.run('DELETE FROM deliveries WHERE integration_id = ?', [id]);
      return (yield* tx.run('DELETE FROM integrations WHERE id = ?', [id])) > 0;
    });
  }

  async list(): Promise<(Integration & DeliveryState)[]> {
    return (await this.db.all<IntegrationRow>('SELECT * FROM integrations ORDER BY created_at, id')).map(toIntegration);
  }

  async get(id: string): Promise<(Integration & DeliveryState) | undefined> {
    const row = await this.db.get<IntegrationRow>('SELECT * FROM integrations WHERE id = ?', [id]);
    return row && toIntegration(row);
  }

  /** The next events after `cursor`, oldest first, without their data. */
  async eventsAfter(cursor: number, limit = 100): Promise<EventHead[]> {
    const rows = await this.db.all<EventRow>(
      'SELECT seq, id, type, alert_id, store_id, location, time FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
      [cursor, limit],
    );
    return rows.map(toHead);
  }

  /** One event, with its data. */
  async event(seq: number): Promise<StoredEvent | undefined> {
    const row = await this.db.get<EventRow & { data_json: string }>('SELECT * FROM events WHERE seq = ?', [seq]);
    return row && { ...toHead(row), data: JSON.parse(row.data_json) as StoredEvent['data'] };
  }

  /** Events after its place that the integration wants: what it still has to deliver (for `list`). */
  async backlog(i: Pick<Integration, 'filter' | 'scope'> & Pick<DeliveryState, 'cursor'>): Promise<number> {
    let count = 0;
    let page = await this.eventsAfter(i.cursor, 1000);
    while (page.length > 0) {
      count += page.filter((e) => wants(i, e)).length;
      page = await this.eventsAfter(page[page.length - 1]?.seq ?? Infinity, 1000);
    }
    return count;
  }

  /** Moves past events this integration does not want. */
  async skipTo(id: string, seq: number): Promise<void> {
    await this.db.run(`UPDATE integrations SET cursor = ${greatest(this.db)}(cursor, ?) WHERE id = ?`, [seq, id]);
  }

  /** The event is settled: delivered, or given up after its last attempt. */
  settle(
    id: string,
    event: EventHead,
    outcome: Outcome,
    attempts: number,
    error: string | null,
    at: number,
  ): Promise<void> {
    const max = greatest(this.db);
    return this.db.transaction(function* (tx: Tx): Step<void> {
      yield* tx.run(
        `UPDATE integrations SET cursor = ${max}(cursor, ?), attempts = 0, next_at = NULL, last_error = ?,
           unnoticed_dead = unnoticed_dead + ? WHERE id = ?`,
        [event.seq, error, outcome === 'dead' ? 1 : 0, id],
      );
      yield* tx.run(
        `INSERT INTO deliveries (integration_id, event_id, type, alert_id, outcome, attempts, error, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (integration_id, event_id) DO UPDATE SET outcome = excluded.outcome,
           attempts = excluded.attempts, error = excluded.error, at = excluded.at`,
        [id, event.id, event.type, event.alertId, outcome, attempts, error, at],
      );
    });
  }

  /** A failed attempt on the oldest undelivered event; the next one is due at `nextAt`. */
  async retryAt(id: string, attempts: number, nextAt: number, error: string): Promise<void> {
    await this.db.run('UPDATE integrations SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?', [
      attempts,
      nextAt,
      error,
      id,
    ]);
  }

  /** The receiver said 410 Gone: no more deliveries until an operator acts. */
  async disable(id: string, reason: string): Promise<void> {
    await this.db.run('UPDATE integrations SET enabled = 0, disabled_reason = ?, next_at = NULL WHERE id = ?', [
      reason,
      id,
    ]);
  }

  async noticeSent(id: string, at: number): Promise<void> {
    await this.db.run('UPDATE integrations SET last_notice_at = ?, unnoticed_dead = 0 WHERE id = ?', [at, id]);
  }

  /** Outcomes per integration and kind, since `since`. */
  outcomes(since: number): Promise<{ integrationId: string; outcome: Outcome; count: number }[]> {
    return this.db.all(
      `SELECT integration_id AS "integrationId", outcome, COUNT(*) AS count FROM deliveries WHERE at >= ?
       GROUP BY integration_id, outcome ORDER BY integration_id, outcome`,
      [since],
    );
  }
}

/** The larger of two values: a scalar MAX on SQLite, GREATEST on PostgreSQL. */
function greatest(db: Pick<Db, 'dialect'>): string {
  return db.dialect === 'pg' ? 'GREATEST' : 'MAX';
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
