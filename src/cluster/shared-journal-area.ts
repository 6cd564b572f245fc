import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../log/logger';
import { type Area, type ReadinessCheck, type StopDeadline, outlastsDeadline } from '../area';
import { LeaseKeeper } from './lease-keeper';
import { lostSteps } from '../log/step-log';
import { PgLeaseStore, type DaemonRow, type Lease } from './leases';
import type { PgJournal } from '../journal/pg/pg-journal';

export interface SharedJournalDeps {
  journal: PgJournal;
  logger: Logger;
  /** The conference rooms of this daemon's stores: whoever holds `room:<id>` announces there. */
  rooms: () => string[];
  /** Starts the unfinished steps this daemon now holds (the daemon's rescan). */
  rescan: () => Promise<unknown>;
  /** The cron lease was taken (true) or lost (false): hook reconciliation runs where it is held. */
  onCron: (held: boolean) => void;
  /**
   * Whether this daemon can place calls now (its AMI logged in): conferences are taken only then,
   * and a daemon that sees the PBX can tell which of a dead daemon's calls were answered.
   */
  canCall: () => boolean;
  /** Conferences this daemon just took over: told before their steps are started. */
  onRoomsTaken: (rooms: string[]) => void;
  /** Resolves once no call this daemon placed is playing: its conferences are handed over after that. */
  callsEnded: () => Promise<void>;
  ttlMs?: number;
  /** How often free leases are looked for (default 1 s). */
  roundMs?: number;
}

/** Who shares the journal and which leases each holds, as of the last round. */
export interface SharedJournalView {
  self: string;
  daemons: { id: string; host: string; pid: number; seenS: number; holds: string[] }[];
}

export const CRON_LEASE = 'cron';
/**
 * While steps wait, a rescan at least this often besides the notifications. Only a safety net: a
 * listener connection that drops is reconnected and rescans, and a failed rescan is tried again
 * at the next round; each rescan reads every unfinished step, thousands in a flood.
 */
const RESCAN_EVERY_MS = 15_000;
/** The least time the last step states get to be written at stop, whatever is left of the deadline. */
const FLUSH_AT_LEAST_MS = 3_000;
const ROOM_PREFIX = 'room:';
export const roomLease = (room: string) => `${ROOM_PREFIX}${room}`;

/**
 * A daemon among several on one PostgreSQL journal. Work is shared out by leases: the holder of
 * `room:<conference>` does every step of that conference's stores (announcements one at a time
 * and in order, chat posts), the holder of `cron` the hook reconciliation and housekeeping. Any
 * daemon acknowledges alerts; the commit NOTIFYs the others, and the room's holder starts the
 * steps. Each second a daemon takes the leases nobody holds (a dead daemon's lapse within the
 * lease term) and starts what it took over.
 */
export class SharedJournalArea implements Area {
  readonly name = 'cluster';
  readonly keeper: LeaseKeeper;
  readonly self: Omit<DaemonRow, 'seenAt'>;
  private view: { now: number; daemons: DaemonRow[]; leases: Lease[] } = { now: 0, daemons: [], leases: [] };
  private writable = true;
  /** Unfinished steps per step name, as of the last round (the steps-waiting gauge reads it). */
  waiting: Record<string, number> = { announce: 0, chat: 0 };
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private rescanning = false;
  private rescanAgain = false;
  /** The last rescan failed: the next round tries again (no notification may come to retry it). */
  private rescanFailed = false;
  private rounds = Promise.resolve();
  private stopped = false;
  /** No new leases or rescans (a stop under way: the steps in hand finish, then the leases go). */
  private taking = true;
  private lastRescan = 0;

  private readonly leases: PgLeaseStore;

  constructor(private readonly deps: SharedJournalDeps) {
    this.leases = new PgLeaseStore(deps.journal.pool);
    deps.journal.onWriteError = lostSteps(() => deps.logger, 'once its conference is taken over (or after a restart)');
    this.self = {
      id: `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
      host: hostname(),
      pid: process.pid,
      startedAt: Date.now(),
    };
    this.keeper = new LeaseKeeper({
      store: this.leases,
      self: this.self,
      ...(deps.ttlMs ? { ttlMs: deps.ttlMs } : {}),
      onLost: (name, why) => {
        deps.logger.warn('lease lost: another daemon does this work now', { lease: name, why });
        if (name === CRON_LEASE) deps.onCron(false);
      },
      onError: (err) => deps.logger.warn('lease renewal failed; retrying', { err }),
    });
  }

  async start(): Promise<void> {
    await this.keeper.start();
    await this.round();
    this.unlisten = this.deps.journal.listen(
      () => this.wake(),
      (err) =>
        this.deps.logger.warn('lost the journal notifications; reconnecting (steps are found again once back)', {
          err,
        }),
    );
    this.timer = setInterval(() => {
      this.rounds = this.rounds.then(() => this.round());
    }, this.deps.roundMs ?? 1000);
    this.timer.unref();
  }

  /** Whether this daemon does the steps of the stores announcing into `room`. */
  owns(room: string): boolean {
    return this.keeper.holds(roomLease(room));
  }

  holdsCron(): boolean {
    return this.keeper.holds(CRON_LEASE);
  }

  /** The lease a call's journal record depends on (written only while it is held). */
  fence(room: string): { lease: string; holder: string } {
    return { lease: roomLease(room), holder: this.self.id };
  }

  /**
   * Takes the free leases (conferences only while calls can be placed), starts what came with
   * them, refreshes the view and the write probe, tries a failed rescan again, and while steps
   * wait looks for them every RESCAN_EVERY_MS anyway (a listener connection dead without a word).
   */
  private async round(): Promise<void> {
    if (this.stopped || !this.taking) return;
    try {
      const wanted = this.deps.canCall() ? [...new Set(this.deps.rooms())].map(roomLease) : [];
      const taken = await this.keeper.takeAll([
        ...wanted.filter((n) => !this.keeper.holds(n)),
        ...(this.holdsCron() ? [] : [CRON_LEASE]),
      ]);
      if (taken.includes(CRON_LEASE)) this.deps.onCron(true);
      if (taken.length > 0) this.deps.logger.info('leases taken', { leases: taken });
      const rooms = taken.filter((n) => n.startsWith(ROOM_PREFIX)).map((n) => n.slice(ROOM_PREFIX.length));
      if (rooms.length > 0) {
        this.deps.onRoomsTaken(rooms);
        // At once, before the reads below: one failing must not leave the taken steps waiting.
        this.wake();
      }
      this.view = await this.leases.view();
      this.waiting = await this.deps.journal.waitingSteps();
      const waiting = Object.values(this.waiting).some((n) => n > 0);
      if (this.rescanFailed || (waiting && Date.now() - this.lastRescan >= RESCAN_EVERY_MS)) this.wake();
    } catch (err) {
      this.deps.logger.warn('could not look for free leases; retrying', { err });
    }
    this.writable = await this.deps.journal.writable();
  }

  /** A stop begins: no new leases, no new rescans; the leases stay held until stop(). */
  drain(): void {
    this.taking = false;
  }

  /** Starts the steps this daemon holds; calls arriving meanwhile are folded into one more run. */
  wake(): void {
    if (this.stopped || !this.taking) return;
    this.lastRescan = Date.now();
    if (this.rescanning) {
      this.rescanAgain = true;
      return;
    }
    this.rescanning = true;
    void (async () => {
      do {
        this.rescanAgain = false;
        try {
          await this.deps.rescan();
          if (this.rescanFailed) this.deps.logger.info('unfinished steps read from the journal again');
          this.rescanFailed = false;
        } catch (err) {
          if (!this.rescanFailed)
            this.deps.logger.error('could not read unfinished steps from the journal; trying again each second', {
              err,
            });
          this.rescanFailed = true;
        }
      } while (this.rescanAgain && !this.stopped);
      this.rescanning = false;
    })();
  }

  readonly readiness: ReadinessCheck = {
    name: 'journal',
    ok: () => this.writable,
    reason: () => `the PostgreSQL journal ${this.deps.journal.where} refuses writes or cannot be reached (see the log)`,
  };

  /** For /readyz and `status`: who shares the journal and which leases each holds. */
  details(): { journal: SharedJournalView } {
    return { journal: this.sharedView() };
  }

  private sharedView(): SharedJournalView {
    const { now, daemons, leases } = this.view;
    return {
      self: this.self.id,
      daemons: daemons.map((d) => ({
        id: d.id,
        host: d.host,
        pid: d.pid,
        seenS: Math.max(0, Math.round((now - d.seenAt) / 1000)),
        holds: leases.filter((l) => l.holder === d.id).map((l) => l.name),
      })),
    };
  }

  /**
   * Once its calls have ended and its steps' last states are written, hands every lease back, so
   * the others take over at once rather than after the lease term (and do not run those steps again).
   * Both waits end with the stop's one deadline (systemd kills a stop that overruns it), but the
   * last states always get a few seconds: unwritten, they would be announced again elsewhere.
   */
  async stop(deadline: StopDeadline): Promise<void> {
    const { logger, journal } = this.deps;
    if (await outlastsDeadline(this.deps.callsEnded(), deadline))
      logger.warn('a call was still playing at stop; its conference is handed over anyway', {
        deadlineMs: deadline.ms,
      });
    if (!(await journal.flush(Math.max(FLUSH_AT_LEAST_MS, deadline.at - Date.now()))))
      logger.error('step states not written to the journal at stop: the daemon taking over runs those steps again');
    this.stopped = true;
    clearInterval(this.timer);
    await this.rounds;
    await this.unlisten?.();
    await this.keeper.stop();
  }
}
