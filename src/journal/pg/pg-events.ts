import { randomUUID } from 'node:crypto';
import type { PoolClient, QueryConfig } from 'pg';
import type { AlertEvent } from '../../pipeline/alert-event';

/** Advisory lock of the outbox's writers: sequence numbers commit in order, so a cursor never passes an event still being written. */
export const EVENTS_LOCK = 0x6576_6e74; // "evnt"

/** The outbox's rows from columns given as arrays (see columns()). */
const INSERT_EVENTS = `INSERT INTO events (id, type, alert_id, store_id, location, time, data_json)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])`;

/**
 * Writes `events` into the outbox inside the caller's transaction, under the writers' lock, and
 * answers how many it wrote. The lock and the insert are sent at once, for the group commit's
 * pipelining connection (one round trip; the server runs them in order all the same); a
 * connection that does not pipeline would queue the second, and node-postgres warns of that.
 */
export async function insertEvents(client: PoolClient, events: readonly AlertEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const locked = client.query('SELECT pg_advisory_xact_lock($1)', [EVENTS_LOCK]);
  const inserted = client.query({
    name: 'insert-events',
    text: INSERT_EVENTS,
    values: columns(events),
  });
  // The lock's failure first: the insert fails only because of it.
  const [lockedAnswer, insertedAnswer] = await Promise.allSettled([locked, inserted]);
  if (lockedAnswer.status === 'rejected') throw lockedAnswer.reason;
  if (insertedAnswer.status === 'rejected') throw insertedAnswer.reason;
  return insertedAnswer.value.rowCount ?? 0;
}

/**
 * One statement that writes `events` only while they are kept (some integration is enabled), for
 * a commit that does not know: the writers' lock is taken in the insert itself, before its first
 * row takes a number. None for no events.
 */
export function keptEventsQuery(events: readonly AlertEvent[]): QueryConfig | undefined {
  if (events.length === 0) return undefined;
  return {
    name: 'insert-events-if-kept',
    text: `${INSERT_EVENTS}
           WHERE EXISTS (SELECT 1 FROM integrations WHERE enabled = 1) AND (SELECT count(pg_advisory_xact_lock($8))) >= 0`,
    values: [...columns(events), EVENTS_LOCK],
  };
}

function columns(events: readonly AlertEvent[]): unknown[] {
  return [
    events.map(() => `evt_${randomUUID()}`),
    events.map((e) => e.type),
    events.map((e) => e.alertId),
    events.map((e) => e.storeId),
    events.map((e) => e.location),
    events.map((e) => e.time),
    events.map((e) => JSON.stringify(e.data)),
  ];
}
