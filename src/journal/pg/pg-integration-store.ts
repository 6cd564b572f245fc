import type { Pool } from 'pg';
import {
  wants,
  type DeliveryState,
  type DeliveryStore,
  type EventHead,
  type Integration,
  type StoredEvent,
} from '../../integrations/integration';
import { toHead, toIntegration, type EventRow, type IntegrationRow, type NewIntegration } from '../integration-store';
import { inTransaction, pgText } from './pg-pool';

/**
 * Integrations and their delivery state in the shared journal (the same tables as on SQLite).
 * One daemon delivers at a time (the cron lease's holder), so a cursor has one writer; `add`
 * and `remove` are for the operator's side (and `journal migrate` copies what SQLite had).
 */
export class PgIntegrationStore implements DeliveryStore {
  constructor(private readonly pool: Pool) {}

  /** A new integration starts after the newest event: it receives what happens from now on. */
  async add(i: NewIntegration): Promise<void> {
    await this.pool.query({
      name: 'integration-add',
      text: `INSERT INTO integrations (id, type, url, secret, filter_json, scope, created_at, cursor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT COALESCE(MAX(seq), 0) FROM events))`,
      values: [i.id, i.type, i.url, i.secret, JSON.stringify(i.filter), i.scope, i.createdAt],
    });
  }

  remove(id: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      await client.query({
        name: 'integration-remove-deliveries',
        text: 'DELETE FROM deliveries WHERE integration_id = $1',
        values: [id],
      });
      return (
        ((
          await client.query({
            name: 'integration-remove',
            text: 'DELETE FROM integrations WHERE id = $1',
            values: [id],
          })
        ).rowCount ?? 0) > 0
      );
    });
  }

  async list(): Promise<(Integration & DeliveryState)[]> {
    return (
      await this.pool.query<IntegrationRow>({
        name: 'integration-list',
        text: 'SELECT * FROM integrations ORDER BY created_at, id',
      })
    ).rows.map(toIntegration);
  }

  /** Events after its place that the integration wants: what it still has to deliver. */
  async backlog(i: Pick<Integration, 'filter' | 'scope'> & Pick<DeliveryState, 'cursor'>): Promise<number> {
    let count = 0;
    let page = await this.eventsAfter(i.cursor, 1000);
    while (page.length > 0) {
      count += page.filter((e) => wants(i, e)).length;
      page = await this.eventsAfter(page[page.length - 1]?.seq ?? Infinity, 1000);
    }
    return count;
  }

  /** Outcomes per integration and kind, since `since` (`integrations list`). */
  async outcomes(since: number): Promise<{ integrationId: string; outcome: 'delivered' | 'dead'; count: number }[]> {
    return (
      await this.pool.query<{ integrationId: string; outcome: 'delivered' | 'dead'; count: number }>({
        name: 'integration-outcomes',
        text: `SELECT integration_id AS "integrationId", outcome, COUNT(*)::bigint AS count FROM deliveries WHERE at >= $1
             GROUP BY integration_id, outcome ORDER BY integration_id, outcome`,
        values: [since],
      })
    ).rows;
  }

  async get(id: string): Promise<(Integration & DeliveryState) | undefined> {
    const row = (
      await this.pool.query<IntegrationRow>({
        name: 'integration-get',
        text: 'SELECT * FROM integrations WHERE id = $1',
        values: [id],
      })
    ).rows[0];
    return row && toIntegration(row);
  }

  async eventsAfter(cursor: number, limit = 100): Promise<EventHead[]> {
    const r = await this.pool.query<EventRow>({
      name: 'events-after',
      text: 'SELECT seq, id, type, alert_id, store_id, location, time FROM events WHERE seq > $1 ORDER BY seq LIMIT $2',
      values: [cursor, limit],
    });
    return r.rows.map(toHead);
  }

  async event(seq: number): Promise<StoredEvent | undefined> {
    const row = (
      await this.pool.query<EventRow & { data_json: string }>({
        name: 'event-get',
        text: 'SELECT * FROM events WHERE seq = $1',
        values: [seq],
      })
    ).rows[0];
    return row && { ...toHead(row), data: JSON.parse(row.data_json) as StoredEvent['data'] };
  }

  async skipTo(id: string, seq: number): Promise<void> {
    await this.pool.query({
      name: 'integration-skip',
      text: 'UPDATE integrations SET cursor = GREATEST(cursor, $1) WHERE id = $2',
      values: [seq, id],
    });
  }

  async settle(
    id: string,
    event: EventHead,
    outcome: 'delivered' | 'dead',
    attempts: number,
    error: string | null,
    at: number,
  ): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query({
        name: 'integration-settle',
        text: `UPDATE integrations SET cursor = GREATEST(cursor, $1), attempts = 0, next_at = NULL, last_error = $2,
                 unnoticed_dead = unnoticed_dead + $3 WHERE id = $4`,
        values: [event.seq, pgText(error), outcome === 'dead' ? 1 : 0, id],
      });
      await client.query({
        name: 'delivery-record',
        text: `INSERT INTO deliveries (integration_id, event_id, type, alert_id, outcome, attempts, error, at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (integration_id, event_id) DO UPDATE SET outcome = excluded.outcome,
                 attempts = excluded.attempts, error = excluded.error, at = excluded.at`,
        values: [id, event.id, event.type, event.alertId, outcome, attempts, pgText(error), at],
      });
    });
  }

  async retryAt(id: string, attempts: number, nextAt: number, error: string): Promise<void> {
    await this.pool.query({
      name: 'integration-retry',
      text: 'UPDATE integrations SET attempts = $1, next_at = $2, last_error = $3 WHERE id = $4',
      values: [attempts, nextAt, pgText(error), id],
    });
  }

  async disable(id: string, reason: string): Promise<void> {
    await this.pool.query({
      name: 'integration-disable',
      text: 'UPDATE integrations SET enabled = 0, disabled_reason = $1, next_at = NULL WHERE id = $2',
      values: [reason, id],
    });
  }

  async noticeSent(id: string, at: number): Promise<void> {
    await this.pool.query({
      name: 'integration-noticed',
      text: 'UPDATE integrations SET last_notice_at = $1, unnoticed_dead = 0 WHERE id = $2',
      values: [at, id],
    });
  }
}
