import { randomUUID } from 'node:crypto';
import pg, { type Client, type Pool, type PoolClient } from 'pg';
import {
  FenceLost,
  type Journal,
  type NewAlertRecord,
  type StepFence,
  type StepRecord,
  type StoredAlert,
} from '../../pipeline/ports';
import { StepQueue } from '../step-queue';
import { stepCall } from '../step-call';
import type { Alert, AlertStatus, StepName, StepState } from '../../pipeline/alert';
import type { AlertEvent, EventSink } from '../../pipeline/alert-event';
import { migratePg } from './pg-schema';
import { inTransaction, openPgPool, pgText, redactUrl, STEPS_CHANNEL, withClient } from './pg-pool';
import { JournalIncidentStore } from '../incident-store';
import { PgDb } from '../sql/pg-db';
import { JournalIntegrationStore } from '../integration-store';
import { JournalFollowUps, journalSeenEvents } from '../follow-ups';
import { eventsWanted, insertEvents } from './pg-events';
import type { SeenEvents } from '../seen-events';
export { STEPS_CHANNEL } from './pg-pool';

interface StepRow {
  alert_id: string;
  step: string;
  state: string;
  attempts: number;
  next_at: number | null;
  last_error: string | null;
  detail: string | null;
  updated_at: number;
  call_token: string | null;
  call_state: string | null;
  call_channel: string | null;
  window_from: number | null;
}

type Pending = { record: NewAlertRecord; resolve: (r: 'new' | 'duplicate') => void; reject: (e: unknown) => void };

/**
 * The journal on PostgreSQL, shared by several daemons. Like the SQLite journal, alerts and step
 * updates arriving while a commit is in flight ride in the next one (group commit): one commit
 * acknowledges many alerts, and a commit has returned before any of them is acknowledged.
 *
 * Across daemons: alerts are inserted in id order (two daemons given the same alerts never wait
 * on each other in a cycle), a camera's incident is joined or opened under that camera's advisory
 * lock (two daemons cannot open two incidents for one camera), and outbox events are written
 * under one lock, so their sequence numbers commit in order and an integration's cursor never
 * passes an event still being written.
 */
export class PgJournal implements Journal, EventSink {
  private batch: Pending[] = [];
  private readonly updates = new StepQueue();
  private retryTimer: NodeJS.Timeout | undefined;
  private events: AlertEvent[] = [];
  private readonly eventListeners: (() => void)[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;

  private readonly listeners = new Set<Client>();
  /** The shared incidents: a claim locks its row, the first wins. */
  readonly incidents: JournalIncidentStore;
  /** Integrations and their cursors: delivered by one daemon at a time. */
  readonly integrations: JournalIntegrationStore;
  /** Chat lines owed: any daemon adds, the cron lease's holder posts. */
  readonly followUps: JournalFollowUps;
  /** Wildix event ids seen by any daemon: an event the PBX sends again (or to another daemon) acts once. */
  readonly seenEvents: SeenEvents;

  private constructor(
    readonly pool: Pool,
    readonly where: string,
    /** Hears about step updates that could not be written (the daemon logs them; they re-run on takeover). */
    public onWriteError: (err: unknown, lost: StepRecord[]) => void,
    private readonly url: string,
  ) {
    const db = new PgDb(pool);
    this.incidents = new JournalIncidentStore(db);
    this.integrations = new JournalIntegrationStore(db);
    this.followUps = new JournalFollowUps(db);
    this.seenEvents = journalSeenEvents(db);
  }

  /** Connects, migrates (under a lock: several daemons may start at once) and returns the journal. */
  static async open(
    url: string,
    onWriteError: (err: unknown, lost: StepRecord[]) => void = () => undefined,
    opts: { max?: number } = {},
  ): Promise<PgJournal> {
    const where = redactUrl(url);
    const pool = openPgPool(url, opts);
    try {
      await migratePg(pool, where);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PgJournal(pool, where, onWriteError, url);
  }

  append(record: NewAlertRecord): Promise<'new' | 'duplicate'> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    return new Promise((resolve, reject) => {
      this.batch.push({ record, resolve, reject });
      this.schedule();
    });
  }

  updateStep(r: StepRecord): void {
    this.updates.push(r);
    this.schedule();
  }

  async commitStep(r: StepRecord, fence?: StepFence): Promise<void> {
    if (!fence) {
      const written = this.updates.pushCommitted(r);
      this.schedule();
      return written;
    }
    // What was queued before it first, so no older update of this step lands after it.
    await this.flushAll();
    if (this.updates.unwritten() > 0) throw new Error('earlier step updates are not written to the journal yet');
    const done = await this.pool.query({
      name: 'fenced-step',
      text: `UPDATE steps SET state = $1, attempts = $2, next_at = $3, last_error = $4, detail = $5, updated_at = $6, call_token = $11, call_state = $12, call_channel = $13
             WHERE alert_id = $7 AND step = $8
               AND EXISTS (SELECT 1 FROM leases WHERE name = $9 AND holder = $10 AND until > (extract(epoch from clock_timestamp()) * 1000)::bigint)`,
      values: [
        r.state,
        r.attempts,
        r.nextAt,
        pgText(r.lastError),
        pgText(r.detail),
        r.updatedAt,
        r.alertId,
        r.step,
        fence.lease,
        fence.holder,
        r.call?.token ?? null,
        r.call?.state ?? null,
        pgText(r.call?.channel ?? null),
      ],
    });
    if (done.rowCount === 0) throw new FenceLost(fence);
  }

  recordEvent(event: AlertEvent): void {
    this.events.push(event);
    this.schedule();
  }

  onEventsWritten(listener: () => void): void {
    this.eventListeners.push(listener);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flushAll());
  }

  /** One commit at a time; what arrives meanwhile waits for the next. Resolves when all is written (or failed). */
  private async flushAll(): Promise<void> {
    this.scheduled = false;
    while (this.flushing) await this.flushing;
    if (this.batch.length === 0 && this.updates.length === 0 && this.events.length === 0) return;
    const batch = this.batch;
    const updates = this.updates.take();
    const events = this.events;
    this.batch = [];
    this.events = [];
    let ok = false;
    this.flushing = this.commit(batch, updates, events)
      .then((r) => {
        ok = r;
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
    // Alerts or events waiting: at once (each gets its answer). Failed step updates alone: in a second.
    if (this.batch.length > 0 || this.events.length > 0 || (ok && this.updates.length > 0)) return this.flushAll();
    if (!ok && this.updates.length > 0 && !this.retryTimer && !this.closed) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.schedule();
      }, 1000);
      this.retryTimer.unref();
    }
  }

  /** True when committed. */
  private async commit(
    batch: Pending[],
    updates: ReturnType<StepQueue['take']>,
    events: AlertEvent[],
  ): Promise<boolean> {
    let results: Map<Pending, 'new' | 'duplicate'>;
    let eventsWritten = 0;
    try {
      results = await inTransaction(this.pool, async (client) => {
        const keepEvents = await eventsWanted(client);
        const inserted = await this.insertAlerts(client, batch);
        const toWrite = keepEvents
          ? [...batch.filter((b) => inserted.get(b) === 'new').flatMap((b) => b.record.events ?? []), ...events]
          : [];
        await this.writeSteps(
          client,
          updates.map((u) => u.record),
        );
        await insertEvents(client, toWrite);
        eventsWritten = toWrite.length;
        // The daemons holding these alerts' conferences start their steps, the one delivering
        // events sends these (both told at commit).
        if (toWrite.length > 0 || batch.some((b) => inserted.get(b) === 'new' && b.record.steps.length > 0)) {
          await client.query({
            name: 'notify-steps',
            text: 'SELECT pg_notify($1, $2)',
            values: [STEPS_CHANNEL, 'new'],
          });
        }
        return inserted;
      });
    } catch (err) {
      for (const b of batch) b.reject(err);
      const failing = this.updates.failed(updates, err, !this.closed);
      if (failing.length > 0) this.onWriteError(err, failing);
      return false;
    }
    for (const b of batch) b.resolve(results.get(b) ?? 'duplicate');
    this.updates.written(updates);
    if (eventsWritten > 0) for (const l of this.eventListeners) l();
    return true;
  }

  /** In id order (see the class comment); the first of two same ids in a batch is the new one. */
  private async insertAlerts(client: PoolClient, batch: Pending[]): Promise<Map<Pending, 'new' | 'duplicate'>> {
    const results = new Map<Pending, 'new' | 'duplicate'>();
    if (batch.length === 0) return results;
    const sorted = [...batch].sort((a, b) =>
      a.record.alert.id < b.record.alert.id ? -1 : a.record.alert.id > b.record.alert.id ? 1 : 0,
    );
    const r = await client.query<{ id: string }>({
      name: 'insert-alerts',
      text: `INSERT INTO alerts (id, received_at, store_id, status, alert_json, raw_body)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
             ON CONFLICT (id) DO NOTHING RETURNING id`,
      values: [
        sorted.map((b) => b.record.alert.id),
        sorted.map((b) => b.record.receivedAt),
        sorted.map((b) => b.record.alert.storeId),
        sorted.map((b) => b.record.status),
        sorted.map((b) => JSON.stringify(b.record.alert)),
        sorted.map((b) => b.record.rawBody),
      ],
    });
    const inserted = new Set(r.rows.map((row) => row.id));
    const fresh: Pending[] = [];
    for (const b of batch) {
      const isNew = inserted.delete(b.record.alert.id);
      results.set(b, isNew ? 'new' : 'duplicate');
      if (isNew) fresh.push(b);
    }
    const steps = fresh.flatMap((b) =>
      b.record.steps.map((step) => [b.record.alert.id, step, b.record.receivedAt] as const),
    );
    if (steps.length > 0) {
      await client.query({
        name: 'insert-steps',
        text: `INSERT INTO steps (alert_id, step, state, attempts, updated_at)
               SELECT a, s, 'pending', 0, t FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(a, s, t)`,
        values: [steps.map((s) => s[0]), steps.map((s) => s[1]), steps.map((s) => s[2])],
      });
    }
    const withIncident = fresh.filter((b) => b.record.incident);
    // Every camera's lock first, in one order, then the alerts in the order they came.
    const cameras = [
      ...new Set(withIncident.map((b) => JSON.stringify([b.record.alert.storeId, b.record.alert.cameraId]))),
    ].sort();
    // (unnest yields the sorted array in its order: the locks are taken in that order, in one round trip.)
    if (cameras.length > 0)
      await client.query({
        name: 'camera-locks',
        text: 'SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) AS k',
        values: [cameras],
      });
    for (const b of withIncident) await this.joinOrOpen(client, b.record);
    return results;
  }

  /**
   * The live incident of the alert's camera whose last alert is within the window, or a new one,
   * and the alert pointed at it: one statement (one round trip per alert of the commit). It sees
   * what the statements before it in this transaction wrote (an earlier alert of the camera).
   */
  private async joinOrOpen(client: PoolClient, r: NewAlertRecord): Promise<void> {
    const inc = r.incident as NonNullable<NewAlertRecord['incident']>;
    const { alert } = r;
    await client.query({
      name: 'join-or-open-incident',
      text: `WITH live AS (
               SELECT id FROM incidents WHERE store_id = $1 AND camera_id = $2 AND state IN ('open', 'claimed') AND last_alert_at >= $3
               ORDER BY last_alert_at DESC LIMIT 1),
             joined AS (
               UPDATE incidents SET alerts = alerts + 1, last_alert_id = $4, last_alert_at = $5, updated_at = $5
               WHERE id IN (SELECT id FROM live) RETURNING id),
             opened AS (
               INSERT INTO incidents (id, store_id, camera_id, room, state, opened_at, first_alert_id, last_alert_id, last_alert_at, next_repeat_at, updated_at)
               SELECT $6, $1, $2, $7, 'open', $5, $4, $4, $5, $8, $5 WHERE NOT EXISTS (SELECT 1 FROM live) RETURNING id)
             UPDATE alerts SET incident_id = (SELECT id FROM joined UNION ALL SELECT id FROM opened LIMIT 1) WHERE id = $4`,
      values: [
        alert.storeId,
        alert.cameraId,
        r.receivedAt - inc.windowMs,
        alert.id,
        r.receivedAt,
        `inc_${randomUUID()}`,
        inc.room,
        inc.firstRepeatAt ?? null,
      ],
    });
  }

  private async writeSteps(client: PoolClient, updates: StepRecord[]): Promise<void> {
    if (updates.length === 0) return;
    // The last update of a step in this batch wins (they were made in this order).
    const last = new Map(updates.map((u) => [`${u.alertId}\u0000${u.step}`, u]));
    const rows = [...last.values()].sort((a, b) =>
      a.alertId === b.alertId ? (a.step < b.step ? -1 : 1) : a.alertId < b.alertId ? -1 : 1,
    );
    await client.query({
      name: 'update-steps',
      text: `UPDATE steps SET state = u.state, attempts = u.attempts, next_at = u.next_at, last_error = u.last_error, detail = u.detail, updated_at = u.updated_at,
               call_token = u.call_token, call_state = u.call_state, call_channel = u.call_channel
             FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[])
               AS u(alert_id, step, state, attempts, next_at, last_error, detail, updated_at, call_token, call_state, call_channel)
             WHERE steps.alert_id = u.alert_id AND steps.step = u.step`,
      values: [
        rows.map((u) => u.alertId),
        rows.map((u) => u.step),
        rows.map((u) => u.state),
        rows.map((u) => u.attempts),
        rows.map((u) => u.nextAt),
        rows.map((u) => pgText(u.lastError)),
        rows.map((u) => pgText(u.detail)),
        rows.map((u) => u.updatedAt),
        rows.map((u) => u.call?.token ?? null),
        rows.map((u) => u.call?.state ?? null),
        rows.map((u) => pgText(u.call?.channel ?? null)),
      ],
    });
  }

  /**
   * A call another daemon placed was answered (seen on the AMI): its steps say so, should that
   * daemon die before it writes it, so whoever takes its conference over does not place it again.
   */
  async recordAnswered(token: string, channel: string): Promise<void> {
    await this.pool.query({
      name: 'answered-elsewhere',
      text: `WITH s AS (UPDATE steps SET call_state = 'answered', call_channel = $2 WHERE call_token = $1 AND call_state = 'calling' AND step = 'announce' AND state = 'running')
             UPDATE incidents SET call_state = 'answered', call_channel = $2 WHERE call_token = $1 AND call_state = 'calling' AND state = 'open'`,
      values: [token, pgText(channel)],
    });
  }

  /**
   * Writes what waits for the group commit now, trying again until `withinMs` (a stop: before its
   * conferences are handed over). True when nothing is left unwritten.
   */
  async flush(withinMs = 0): Promise<boolean> {
    const end = Date.now() + withinMs;
    for (;;) {
      await this.flushAll();
      if (this.updates.unwritten() === 0) return true;
      if (Date.now() >= end) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Updates still waiting for the group commit are written first: the answer is current. */
  async unfinishedSteps(): Promise<StepRecord[]> {
    await this.flushAll();
    // A step whose final state could not be written yet would look unfinished: not now.
    if (this.updates.unwritten() > 0)
      throw new Error(
        `${this.updates.unwritten()} step update(s) not written to the journal yet (retried every second)`,
      );
    const r = await this.pool.query<StepRow>({
      name: 'unfinished',
      text: `SELECT s.* FROM steps s JOIN alerts a ON a.id = s.alert_id
             WHERE s.state IN ('pending', 'running') ORDER BY a.received_at, s.alert_id, s.step`,
    });
    return r.rows.map(toStepRecord);
  }

  async getAlert(id: string): Promise<StoredAlert | undefined> {
    const r = await this.pool.query<{ alert_json: string; status: string; received_at: number }>({
      name: 'get-alert',
      text: 'SELECT alert_json, status, received_at FROM alerts WHERE id = $1',
      values: [id],
    });
    const row = r.rows[0];
    return (
      row && {
        alert: JSON.parse(row.alert_json) as Alert,
        status: row.status as AlertStatus,
        receivedAt: row.received_at,
      }
    );
  }

  async getAlerts(ids: readonly string[]): Promise<Map<string, StoredAlert>> {
    const r = await this.pool.query<{ id: string; alert_json: string; status: string; received_at: number }>({
      name: 'get-alerts',
      text: 'SELECT id, alert_json, status, received_at FROM alerts WHERE id = ANY($1)',
      values: [[...ids]],
    });
    return new Map(
      r.rows.map((row) => [
        row.id,
        { alert: JSON.parse(row.alert_json) as Alert, status: row.status as AlertStatus, receivedAt: row.received_at },
      ]),
    );
  }

  /** A write probe for /readyz: false when the server is gone or refuses writes (read-only, full disk). */
  async writable(): Promise<boolean> {
    try {
      await withClient(this.pool, async (client) => {
        await client.query('BEGIN');
        try {
          // A real write: a read-only session refuses it, a temporary table alone would not tell.
          await client.query({ name: 'write-probe', text: 'UPDATE journal_schema SET version = version' });
        } finally {
          await client.query('ROLLBACK');
        }
      });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Hears STEPS_CHANNEL on a connection of its own (LISTEN cannot share a pooled one), and
   * connects again after the server went away, calling `onNotify` once reconnected (what was
   * said meanwhile was missed). Returns the stop function.
   */
  listen(onNotify: () => void, onError: (err: unknown) => void): () => Promise<void> {
    let stopped = false;
    let current: Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = async () => {
      if (stopped) return;
      // Keepalives from 10 s: a connection dropped without a word (a NAT, a failover) is noticed.
      const client = new pg.Client({
        connectionString: this.url,
        application_name: 'veesion-bridge listener',
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        connectionTimeoutMillis: 10_000,
      });
      const lost = (err?: unknown) => {
        if (current !== client) return;
        current = undefined;
        this.listeners.delete(client);
        if (err) onError(err);
        void client.end().catch(() => undefined);
        if (!stopped) retry = setTimeout(() => void connect(), 1000);
      };
      client.on('error', lost);
      client.on('end', () => lost());
      client.on('notification', () => onNotify());
      current = client;
      this.listeners.add(client);
      try {
        await client.connect();
        await client.query(`LISTEN ${STEPS_CHANNEL}`);
        onNotify(); // what was committed before LISTEN took effect (or while reconnecting)
      } catch (err) {
        lost(err);
      }
    };
    void connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      const c = current;
      current = undefined;
      if (c) {
        this.listeners.delete(c);
        await c.end().catch(() => undefined);
      }
    };
  }

  /** Housekeeping: drops alerts received before `cutoff` whose every step is final (as on SQLite), old Wildix event ids, settled events, delivery records and settled follow-ups. */
  async prune(cutoff: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await inTransaction(this.pool, async (client) => {
        const ids = (
          await client.query<{ id: string }>({
            name: 'prune-pick',
            text: `SELECT id FROM alerts a WHERE a.received_at < $1 AND NOT EXISTS (
                   SELECT 1 FROM steps s WHERE s.alert_id = a.id AND s.state IN ('pending', 'running'))
                 LIMIT 500 FOR UPDATE SKIP LOCKED`,
            values: [cutoff],
          })
        ).rows.map((r) => r.id);
        if (ids.length === 0) return 0;
        await client.query({ name: 'prune-steps', text: 'DELETE FROM steps WHERE alert_id = ANY($1)', values: [ids] });
        await client.query({ name: 'prune-alerts', text: 'DELETE FROM alerts WHERE id = ANY($1)', values: [ids] });
        return ids.length;
      });
      if (n === 0) break;
      total += n;
    }
    await this.pool.query({
      name: 'prune-wildix',
      text: 'DELETE FROM wildix_events WHERE received_at < $1',
      values: [cutoff],
    });
    // Events every enabled integration is past (as on SQLite), and old delivery records.
    await this.pool.query({
      name: 'prune-events',
      text: 'DELETE FROM events WHERE time < $1 AND seq <= COALESCE((SELECT MIN(cursor) FROM integrations WHERE enabled = 1), seq)',
      values: [cutoff],
    });
    await this.pool.query({ name: 'prune-deliveries', text: 'DELETE FROM deliveries WHERE at < $1', values: [cutoff] });
    await this.pool.query({
      name: 'prune-followups',
      text: 'DELETE FROM followups WHERE next_at IS NULL AND created_at < $1',
      values: [cutoff],
    });
    return total;
  }

  /** Unfinished steps per step name (the steps-waiting gauge). */
  async waitingSteps(): Promise<Record<string, number>> {
    const r = await this.pool.query<{ step: string; n: number }>({
      name: 'waiting',
      text: `SELECT step, COUNT(*)::bigint AS n FROM steps WHERE state IN ('pending', 'running') GROUP BY step`,
    });
    return Object.fromEntries([['announce', 0], ['chat', 0], ...r.rows.map((row) => [row.step, row.n])]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.flushAll();
    await Promise.all([...this.listeners].map((c) => c.end().catch(() => undefined)));
    await this.pool.end();
  }
}

function toStepRecord(r: StepRow): StepRecord {
  return {
    alertId: r.alert_id,
    step: r.step as StepName,
    state: r.state as StepState,
    attempts: r.attempts,
    nextAt: r.next_at,
    lastError: r.last_error,
    detail: r.detail,
    updatedAt: r.updated_at,
    windowFrom: r.window_from,
    call: stepCall(r),
  };
}
