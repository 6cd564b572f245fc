import { randomBytes } from 'node:crypto';
import type { Client, Pool } from 'pg';
import {
  FenceLost,
  type Journal,
  type NewAlertRecord,
  type StepFence,
  type StepRecord,
  type StoredAlert,
} from '../../pipeline/ports';
import { StepQueue } from '../step-queue';
import { type StepRow, toStepRecord } from '../step-call';
import type { Alert, AlertStatus } from '../../pipeline/alert';
import type { AlertEvent, EventSink } from '../../pipeline/alert-event';
import { migratePg } from './pg-schema';
import { openPgPool, pgText, redactUrl, STEPS_CHANNEL, withClient } from './pg-pool';
import { JournalIncidentStore } from '../incident-store';
import { PgDb } from '../sql/pg-db';
import { JournalIntegrationStore } from '../integration-store';
import { JournalFollowUps, journalSeenEvents } from '../follow-ups';
import { commitBatch } from './pg-ingest';
import { prunePg } from './pg-prune';
import { listenOn } from './pg-listen';
import type { SeenEvents } from '../seen-events';
export { STEPS_CHANNEL } from './pg-pool';

type Pending = { record: NewAlertRecord; resolve: (r: 'new' | 'duplicate') => void; reject: (e: unknown) => void };

/**
 * The journal on PostgreSQL, shared by several daemons. Like the SQLite journal, alerts and step
 * updates arriving while a commit is in flight ride in the next one (group commit): one commit
 * acknowledges many alerts, and a commit has returned before any of them is acknowledged.
 *
 * Across daemons: alerts and their incidents are written as pg-ingest.ts says, and outbox events
 * are written under one lock, so their sequence numbers commit in order and an integration's
 * cursor never passes an event still being written.
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
  /**
   * The payload of this journal's own ingest NOTIFYs. This daemon has already started the steps
   * of what it committed (when their conference is its own) and told its own event listeners, so
   * hearing itself would only read every unfinished step again, many times a second in a flood.
   */
  private readonly ownNotice = `ingest:${randomBytes(8).toString('hex')}`;
  /** Whether the last commit found events kept (see commitBatch): until one has, they are taken to be. */
  private eventsKept = true;
  /**
   * This journal's own listeners, woken when a commit failed: it may have been written all the
   * same (its answer lost), and the alerts' retries are then duplicates whose steps nobody starts.
   */
  private readonly ownListeners = new Set<() => void>();
  /** The shared incidents: a claim locks its row, the first wins. */
  readonly incidents: JournalIncidentStore;
  /** Integrations and their cursors: delivered by one daemon at a time. */
  readonly integrations: JournalIntegrationStore;
  /** Chat lines owed: any daemon adds, the cron lease's holder posts. */
  readonly followUps: JournalFollowUps;
  /** Wildix event ids seen by any daemon: an event the PBX sends again (or to another daemon) acts once. */
  readonly seenEvents: SeenEvents;

  /** The group commit's own connection, pipelining: a commit takes two round trips (pg-ingest.ts). */
  private readonly commitPool: Pool;

  private constructor(
    readonly pool: Pool,
    readonly where: string,
    /** Hears about step updates that could not be written (the daemon logs them; they re-run on takeover). */
    public onWriteError: (err: unknown, lost: StepRecord[]) => void,
    private readonly url: string,
  ) {
    this.commitPool = openPgPool(url, {
      max: 1,
      pipeline: true,
      keepIdle: true,
      applicationName: 'veesion-bridge commits',
    });
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
      // The commit reads which rows its own transaction wrote (pg_current_xact_id, from 13 on).
      const server = (
        await pool.query<{ num: string; name: string }>(
          "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS name",
        )
      ).rows[0];
      if (!(Number(server?.num) >= 130000))
        throw new Error(`the journal ${where} runs PostgreSQL ${server?.name ?? '?'}; 13 or later is needed`);
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
    let done: Awaited<ReturnType<typeof commitBatch>>;
    try {
      done = await commitBatch(
        this.commitPool,
        batch.map((b) => b.record),
        updates.map((u) => u.record),
        events,
        this.ownNotice,
        this.eventsKept,
      );
    } catch (err) {
      for (const b of batch) b.reject(err);
      const failing = this.updates.failed(updates, err, !this.closed);
      if (failing.length > 0) this.onWriteError(err, failing);
      if (batch.length > 0) for (const wake of this.ownListeners) wake();
      return false;
    }
    this.eventsKept = done.eventsKept;
    for (const [i, b] of batch.entries()) b.resolve(done.isNew[i] ? 'new' : 'duplicate');
    this.updates.written(updates);
    if (done.eventsWritten > 0) for (const l of this.eventListeners) l();
    return true;
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
   * said meanwhile was missed), and after a commit of this journal's failed. Its own commits'
   * notifications are not passed on. Returns the stop function.
   */
  listen(onNotify: () => void, onError: (err: unknown) => void): () => Promise<void> {
    this.ownListeners.add(onNotify);
    const stop = listenOn(this.url, STEPS_CHANNEL, this.listeners, {
      onNotify: (payload) => {
        if (payload !== this.ownNotice) onNotify();
      },
      onListening: onNotify, // what was committed before LISTEN took effect (or while reconnecting)
      onError,
    });
    return async () => {
      this.ownListeners.delete(onNotify);
      await stop();
    };
  }

  /** Housekeeping: drops alerts received before `cutoff` whose every step is final (as on SQLite), old Wildix event ids, settled events, delivery records and settled follow-ups. */
  prune(cutoff: number): Promise<number> {
    return prunePg(this.pool, cutoff);
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
    await Promise.all([this.pool.end(), this.commitPool.end()]);
  }
}
