import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../log/logger';
import type { ReadinessCheck } from '../area';
import { LeaseKeeper } from './lease-keeper';
import { lostSteps } from '../log/step-log';
import { PgLeaseStore, type DaemonRow, type Lease } from './leases';
import type { PgJournal } from './pg/pg-journal';

export interface SharedJournalDeps {
  journal: PgJournal;
  logger: Logger;
  /** The conference rooms of this daemon's stores: whoever holds `room:<id>` announces there. */
  rooms: () => string[];
  /** Starts the unfinished steps this daemon now holds (the daemon's rescan). */
  rescan: () => Promise<unknown>;
  /** The cron lease was taken (true) or lost (false): hook reconciliation runs where it is held. */
  onCron: (held: boolean) => void;
  ttlMs?: number;
  /** How often free leases are looked for (default 1 s). */
  roundMs?: number;
}

export const CRON_LEASE = 'cron';
export const roomLease = (room: string) => `room:${room}`;

/**
 * A daemon among several on one PostgreSQL journal. Work is shared out by leases: the holder of
 * `room:<conference>` does every step of that conference's stores (announcements one at a time
 * and in order, chat posts), the holder of `cron` the hook reconciliation and housekeeping. Any
 * daemon acknowledges alerts; the commit NOTIFYs the others, and the room's holder starts the
 * steps. Each second a daemon takes the leases nobody holds (a dead daemon's lapse within the
 * lease term) and starts what it took over.
 */
export class SharedJournalArea {
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
  private rounds = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: SharedJournalDeps) {
    deps.journal.onWriteError = lostSteps(() => deps.logger, 'once its conference is taken over (or after a restart)');
    this.self = { id: `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`, host: hostname(), pid: process.pid, startedAt: Date.now() };
    this.keeper = new LeaseKeeper({
      store: new PgLeaseStore(deps.journal.pool),
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
      (err) => this.deps.logger.warn('lost the journal notifications; reconnecting (steps are found again once back)', { err }),
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

  /** Takes the free leases, starts what came with them, and refreshes the view and the write probe. */
  private async round(): Promise<void> {
    if (this.stopped) return;
    try {
      const wanted = [...new Set(this.deps.rooms())].map(roomLease);
      const taken = await this.keeper.takeAll([...wanted.filter((n) => !this.keeper.holds(n)), ...(this.holdsCron() ? [] : [CRON_LEASE])]);
      if (taken.includes(CRON_LEASE)) this.deps.onCron(true);
      const rooms = taken.filter((n) => n !== CRON_LEASE);
      if (taken.length > 0) this.deps.logger.info('leases taken', { leases: taken });
      if (rooms.length > 0) this.wake();
      this.view = await new PgLeaseStore(this.deps.journal.pool).view();
      this.waiting = await this.deps.journal.waitingSteps();
    } catch (err) {
      this.deps.logger.warn('could not look for free leases; retrying', { err });
    }
    this.writable = await this.deps.journal.writable();
  }

  /** Starts the steps this daemon holds; calls arriving meanwhile are folded into one more run. */
  wake(): void {
    if (this.stopped) return;
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
        } catch (err) {
          this.deps.logger.error('could not read unfinished steps from the journal; retried at the next notification', { err });
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
  details(): { self: string; daemons: { id: string; host: string; pid: number; seenS: number; holds: string[] }[] } {
    const { now, daemons, leases } = this.view;
    return {
      self: this.self.id,
      daemons: daemons.map((d) => ({
        id: d.id, host: d.host, pid: d.pid, seenS: Math.max(0, Math.round((now - d.seenAt) / 1000)),
        holds: leases.filter((l) => l.holder === d.id).map((l) => l.name),
      })),
    };
  }

  /** Hands every lease back, so the others take over at once rather than after the lease term. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.rounds;
    await this.unlisten?.();
    await this.keeper.stop();
  }
}
