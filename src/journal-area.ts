import type { Settings } from './config/settings-schema';
import type { Area, ReadinessCheck } from './area';
import { retentionMs } from './housekeeping';
import type { Logger } from './log/logger';
import { lostSteps } from './log/step-log';
import { DataDirLock } from './journal/data-dir-lock';
import { journalFile } from './journal/journal-file';
import { SqliteJournal } from './journal/sqlite-journal';
import { type JournalParts, journalParts } from './journal/journal-parts';
import type { PgJournal } from './journal/pg/pg-journal';
import type { SharedJournalArea } from './cluster/shared-journal-area';

/**
 * The journal behind the data directory's lock: this host's SQLite file (watched, so an `rm` is
 * noticed within seconds) or, with BRIDGE_JOURNAL_URL, the PostgreSQL journal the daemons share
 * and no file of this host's. Early in the list, so it closes after every area that writes to
 * it has stopped.
 */
export class JournalArea implements Area {
  readonly name = 'journal';
  /** Absent on a shared journal: nothing of the journal is kept on this host. */
  readonly local: SqliteJournal | undefined;
  /** What each area reads and writes, from the journal it shares with the others. */
  readonly parts: JournalParts;
  /** On a shared journal the cluster's probe of PostgreSQL answers for the journal instead. */
  readonly readiness: ReadinessCheck | undefined;
  private readonly lock: DataDirLock;
  private watch: NodeJS.Timeout | undefined;

  /** Takes the data directory's lock first: a second daemon there fails here, having touched nothing. */
  constructor(
    private readonly s: Settings,
    logger: Logger,
    private readonly shared?: { journal: PgJournal; area: SharedJournalArea },
  ) {
    this.lock = DataDirLock.acquire(s.BRIDGE_DATA_DIR);
    try {
      this.local = shared
        ? undefined
        : new SqliteJournal(
            journalFile(s.BRIDGE_DATA_DIR),
            lostSteps(() => logger, 'after a restart'),
          );
    } catch (err) {
      this.lock.release(); // e.g. a journal newer than this code: the next start may succeed
      throw err;
    }
    const local = this.local;
    this.parts = journalParts(
      local,
      shared && {
        ...shared,
        onError: (err, failed) =>
          failed === 'write'
            ? logger.warn('could not record a sign-out or a spent sign-in code in the journal; the browser was told', {
                err,
              })
            : logger.warn('could not read the silences or sign-outs from the journal; the last ones read still apply', {
                err,
              }),
      },
    );
    this.readiness = !local
      ? undefined
      : {
          name: 'journal',
          ok: () => local.writable(),
          reason: () => local.lost ?? 'the journal refuses writes: disk full or read-only? (see the log)',
        };
    local?.onLost((reason) =>
      logger.error(
        'journal lost: new alerts are refused (503); the daemon stops and, under systemd, starts again on a new journal',
        { reason },
      ),
    );
  }

  async start(): Promise<void> {
    // Seconds, not the next alert: readiness (and systemd's watchdog) must notice an `rm`.
    if (this.local) this.watch = setInterval(() => this.local?.stillOnDisk(), 2_000).unref();
    await this.parts.start(); // the silences in force, before any announcement
  }

  drain(): void {
    clearInterval(this.watch);
  }

  /** Closes the journals, then lets the next daemon into the data directory. */
  async stop(): Promise<void> {
    this.parts.stop();
    await this.local?.close();
    await this.shared?.journal.close();
    this.lock.release();
  }

  /** The shared journal's alerts by the cron lease's holder; this daemon's own file always. */
  async housekeep(now: number): Promise<Record<string, number>> {
    const cutoff = now - retentionMs(this.s);
    return {
      alertsRemoved: await this.parts.pruneAlerts(cutoff),
      eventsRemoved: (await this.local?.pruneEvents(cutoff)) ?? 0,
      chatRowsRemoved: (await this.local?.chat.prune(cutoff)) ?? 0,
      auditRemoved: this.parts.housekeeps()
        ? await this.parts.audit.prune(now - this.s.BRIDGE_AUDIT_RETENTION_DAYS * 86_400_000)
        : 0,
    };
  }
}
