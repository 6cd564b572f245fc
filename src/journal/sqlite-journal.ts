import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Journal, NewAlertRecord, StepRecord, StoredAlert } from '../pipeline/ports';
import type { Alert, AlertStatus } from '../pipeline/alert';
import type { AlertEvent, EventSink } from '../pipeline/alert-event';
import { MIGRATIONS, migrateJournal } from './schema';
import { WalCheckpointer } from './checkpointer';
import { pruneFinishedAlerts, pruneSettledEvents } from './housekeeping';
import { JournalIntegrationStore } from './integration-store';
import { SqliteChatStore } from './chat-store';
import { JournalFollowUps, journalSeenEvents } from './follow-ups';
import type { SeenEvents } from './seen-events';
import { JournalIncidentStore } from './incident-store';
import { joinOrOpenIncident } from './sqlite-incident-join';
import { SqliteDb } from './sql/sqlite-db';
import { JournalAudit } from './audit';
import { JournalUsers } from './users';
import { JournalSessions } from './console-sessions';
import { JournalUserTokens } from './user-tokens';
import { recordHookStates, type HookStateRow } from './hook-state';
import { JournalAdmin } from './admin-journal';
import { journalSeenLately } from './seen-lately';
import type { SeenInJournal } from '../tts/prerender';
import { StepQueue } from './step-queue';
import { openJournalFile } from './journal-file';
import { firstCall, type StepRow, toStepRecord } from './step-call';
import { callDetail } from '../pipeline/call-details';

/**
 * The SQLite journal (WAL, synchronous=FULL: a commit is on disk before it returns). Alerts
 * arriving in the same event-loop turn are written in one transaction (group commit), so one
 * fsync acknowledges many alerts.
 */
export class SqliteJournal implements Journal, EventSink {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly sql: SqliteDb;
  private batch: { record: NewAlertRecord; resolve: (r: 'new' | 'duplicate') => void; reject: (e: unknown) => void }[] =
    [];
  private readonly updates = new StepQueue();
  private retryTimer: NodeJS.Timeout | undefined;
  private events: AlertEvent[] = [];
  private readonly eventListeners: (() => void)[] = [];
  /** Integrations with their delivery state (the dispatcher's view of the outbox), and incidents (what staff claim). */
  /** Who changed what (the audit trail). */
  readonly audit: JournalAudit;
  /** The people who sign in to the console, and their sessions. */
  readonly users: JournalUsers;
  readonly sessions: JournalSessions;
  readonly userTokens: JournalUserTokens;
  readonly integrations: JournalIntegrationStore;
  readonly incidents: JournalIncidentStore;
  /** Console sessions signed out, and the chat tables' housekeeping. */
  readonly chat: SqliteChatStore;
  /** Chat lines owed to the stores' conversations, and Wildix event ids seen (one the PBX sends again acts once). */
  readonly followUps: JournalFollowUps;
  readonly seenEvents: SeenEvents;
  /** The admin API's reads and operator changes (alerts, replay, silence, stats), and what pre-rendering reads. */
  readonly admin: JournalAdmin;
  readonly seenLately: SeenInJournal;
  private flushScheduled = false;
  private readonly checkpointer: WalCheckpointer;
  /** The file this connection has open: a deleted or replaced journal is another inode. */
  private readonly identity: { dev: number; ino: number };
  /** Set once the file is found deleted or replaced; every later write is refused. */
  lost: string | undefined;
  private readonly lostListeners: ((reason: string) => void)[] = [];

  /** `onWriteError` hears about step updates that could not be written (they re-run after a restart). */
  constructor(
    readonly file: string,
    private readonly onWriteError: (err: unknown, lost: StepRecord[]) => void = () => undefined,
  ) {
    ({ db: this.db, identity: this.identity } = openJournalFile(file));
    migrateJournal(this.db, file);
    this.checkpointer = new WalCheckpointer(file, 1000, (message) =>
      this.onWriteError(new Error(`WAL checkpoint: ${message}`), []),
    );
    this.checkpointer.start();
    this.stmts = {
      insertAlert: this.db.prepare(
        `INSERT INTO alerts (id, received_at, store_id, status, alert_json, raw_body)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
      ),
      insertStep: this.db.prepare(
        `INSERT INTO steps (alert_id, step, state, attempts, updated_at, call_token, call_state, detail) VALUES (?, ?, ?, 0, ?, ?, ?, ?)`,
      ),
      updateStep: this.db.prepare(
        `UPDATE steps SET state = ?, attempts = ?, next_at = ?, last_error = ?, detail = ?, updated_at = ?, call_token = ?, call_state = ?, call_channel = ?
         WHERE alert_id = ? AND step = ?`,
      ),
      unfinished: this.db.prepare(
        `SELECT s.* FROM steps s JOIN alerts a ON a.id = s.alert_id
         WHERE s.state IN ('pending', 'running') ORDER BY a.received_at, s.alert_id, s.step`,
      ),
      getAlert: this.db.prepare(`SELECT alert_json, status, received_at FROM alerts WHERE id = ?`),
      silence: this.db.prepare(`SELECT until FROM silences WHERE store_id = ? AND until > ?`),
      anyIntegration: this.db.prepare(`SELECT 1 FROM integrations WHERE enabled = 1 LIMIT 1`),
      waiting: this.db.prepare(
        `SELECT step, COUNT(*) AS n FROM steps WHERE state IN ('pending', 'running') GROUP BY step`,
      ),
      insertEvent: this.db.prepare(
        `INSERT INTO events (id, type, alert_id, store_id, location, time, data_json) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    this.sql = new SqliteDb(this.db);
    const db = this.sql;
    this.integrations = new JournalIntegrationStore(db);
    this.audit = new JournalAudit(db);
    this.users = new JournalUsers(db);
    this.sessions = new JournalSessions(db);
    this.userTokens = new JournalUserTokens(db);
    this.incidents = new JournalIncidentStore(db, () => {
      for (const l of this.eventListeners) l();
    });
    this.followUps = new JournalFollowUps(db);
    this.seenEvents = journalSeenEvents(db);
    this.chat = new SqliteChatStore(this.db);
    this.admin = new JournalAdmin(db, () => this.flush());
    this.seenLately = journalSeenLately(db);
  }

  append(record: NewAlertRecord): Promise<'new' | 'duplicate'> {
    return new Promise((resolve, reject) => {
      this.batch.push({ record, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Step updates ride in the next group commit: one fsync for everything of this tick. */
  updateStep(r: StepRecord): void {
    this.updates.push(r);
    this.scheduleFlush();
  }

  commitStep(r: StepRecord): Promise<void> {
    const written = this.updates.pushCommitted(r);
    this.scheduleFlush();
    return written;
  }

  /** Kept only while some integration is enabled: nobody would ever read it otherwise. */
  recordEvent(event: AlertEvent): void {
    this.events.push(event);
    this.scheduleFlush();
  }

  /** Called after a commit that wrote events (the dispatcher wakes up). */
  onEventsWritten(listener: () => void): void {
    this.eventListeners.push(listener);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    const updates = this.updates.take();
    const events = this.events;
    this.batch = [];
    this.events = [];
    if (batch.length === 0 && updates.length === 0 && events.length === 0) return;
    if (!this.db.open || !this.stillOnDisk()) {
      const closed = new Error(this.lost ?? 'journal is closed');
      for (const b of batch) b.reject(closed);
      const lost = this.updates.failed(updates, closed, false);
      if (lost.length > 0) this.onWriteError(closed, lost);
      return;
    }
    let results: ('new' | 'duplicate')[];
    let eventsWritten = 0;
    try {
      results = this.db.transaction(() => {
        const keepEvents = this.stmts.anyIntegration.get() !== undefined;
        const writeEvent = (e: AlertEvent) => {
          if (!keepEvents) return;
          this.stmts.insertEvent.run(
            `evt_${randomUUID()}`,
            e.type,
            e.alertId,
            e.storeId,
            e.location,
            e.time,
            JSON.stringify(e.data),
          );
          eventsWritten++;
        };
        const inserted = batch.map(({ record }) => this.insert(record, writeEvent));
        for (const u of updates) this.writeStep(u.record);
        events.forEach(writeEvent);
        return inserted;
      })();
    } catch (err) {
      for (const b of batch) b.reject(err);
      const failing = this.updates.failed(updates, err, true);
      if (failing.length > 0) this.onWriteError(err, failing);
      // Written again in a second (a full disk may have room by then), not lost.
      if (this.updates.length > 0 && !this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.scheduleFlush();
        }, 1000);
        this.retryTimer.unref();
      }
      return;
    }
    for (const [i, b] of batch.entries()) b.resolve(results[i] ?? 'duplicate');
    this.updates.written(updates);
    if (eventsWritten > 0) for (const l of this.eventListeners) l();
  }

  private insert(r: NewAlertRecord, writeEvent: (e: AlertEvent) => void): 'new' | 'duplicate' {
    const { alert } = r;
    const info = this.stmts.insertAlert.run(
      alert.id,
      r.receivedAt,
      alert.storeId,
      r.status,
      JSON.stringify(alert),
      r.rawBody,
    );
    if (info.changes === 0) return 'duplicate';
    for (const step of r.steps) {
      const call = firstCall(r, step);
      this.stmts.insertStep.run(
        alert.id,
        step,
        call ? 'running' : 'pending',
        r.receivedAt,
        call?.token ?? null,
        call?.state ?? null,
        call ? callDetail(call) : null,
      );
    }
    if (r.incident) {
      joinOrOpenIncident(this.sql, {
        alertId: alert.id,
        storeId: alert.storeId,
        cameraId: alert.cameraId,
        room: r.incident.room,
        at: r.receivedAt,
        windowMs: r.incident.windowMs,
        firstRepeatAt: r.incident.firstRepeatAt,
      });
    }
    for (const e of r.events ?? []) writeEvent(e);
    return 'new';
  }

  private writeStep(r: StepRecord): void {
    this.stmts.updateStep.run(
      r.state,
      r.attempts,
      r.nextAt,
      r.lastError,
      r.detail,
      r.updatedAt,
      r.call?.token ?? null,
      r.call?.state ?? null,
      r.call?.channel ?? null,
      r.alertId,
      r.step,
    );
  }

  /** Updates still waiting for the group commit are written first: the answer is current. */
  unfinishedSteps(): Promise<StepRecord[]> {
    try {
      this.flush();
      // A step whose final state could not be written yet would look unfinished: not now.
      if (this.updates.unwritten() > 0)
        throw new Error(
          `${this.updates.unwritten()} step update(s) not written to the journal yet (retried every second)`,
        );
      return Promise.resolve((this.stmts.unfinished.all() as StepRow[]).map(toStepRecord));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  getAlert(id: string): Promise<StoredAlert | undefined> {
    try {
      return Promise.resolve(this.storedAlert(id));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** getAlert without the wait: for the SQLite-only readers (the incident loop, the CLI). */
  storedAlert(id: string): StoredAlert | undefined {
    const row = this.stmts.getAlert.get(id) as { alert_json: string; status: string; received_at: number } | undefined;
    if (!row) return undefined;
    return {
      alert: JSON.parse(row.alert_json) as Alert,
      status: row.status as AlertStatus,
      receivedAt: row.received_at,
    };
  }

  /** Housekeeping: drops finished alerts received before `cutoff`; never one with a pending step. */
  prune(cutoff: number): Promise<number> {
    return pruneFinishedAlerts(this.sql, cutoff);
  }

  /** Housekeeping: events every integration is past, and delivery outcomes, from before `cutoff`. */
  pruneEvents(cutoff: number): Promise<number> {
    return pruneSettledEvents(this.sql, cutoff);
  }

  /** Until when `veesion-bridge silence` mutes this store's announcements, if it does at `now`. */
  silencedUntil(storeId: string, now: number): number | undefined {
    return (this.stmts.silence.get(storeId, now) as { until: number } | undefined)?.until;
  }

  /** The last hook reconciliation, per store (read by `veesion-bridge stores`). */
  recordHooks(rows: readonly HookStateRow[]): Promise<void> {
    return recordHookStates(new SqliteDb(this.db), rows);
  }

  /** Unfinished steps per step name (the steps-waiting gauge). */
  waitingSteps(): Record<string, number> {
    const rows = this.stmts.waiting.all() as { step: string; n: number }[];
    return Object.fromEntries([['announce', 0], ['chat', 0], ...rows.map((r) => [r.step, r.n])]);
  }

  /** Hears, once, that the journal file was deleted or replaced under the daemon. */
  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  /**
   * True while the file at our path is the one we have open. SQLite keeps writing to an
   * unlinked file without complaint, so an administrator's `rm` would turn every later 200
   * into an alert the next restart has never heard of: checked before every commit.
   */
  stillOnDisk(): boolean {
    if (this.lost) return false;
    let reason: string | undefined;
    try {
      const { dev, ino } = statSync(this.file);
      if (dev !== this.identity.dev || ino !== this.identity.ino)
        reason = `journal ${this.file} was replaced under the running daemon`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return true; // cannot tell (e.g. EACCES): the commit itself will say
      reason = `journal ${this.file} was deleted under the running daemon`;
    }
    if (!reason) return true;
    this.lost = reason;
    for (const l of this.lostListeners) l(reason);
    return false;
  }

  /** A write probe for /readyz: false when the disk or database refuses writes. */
  writable(): boolean {
    if (!this.stillOnDisk()) return false;
    try {
      // A real write (rolled back): taking the lock alone succeeds on a read-only database.
      this.db.transaction(() => {
        this.db.pragma(`user_version = ${MIGRATIONS.length}`);
        throw new Rollback();
      })();
    } catch (err) {
      return err instanceof Rollback;
    }
    return false;
  }

  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.flush();
    await this.checkpointer.stop();
    if (this.db.open) this.db.close();
  }
}

class Rollback extends Error {}
