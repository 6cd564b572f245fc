import type { StoreRoute } from '../pipeline/alert';
import type { Clock } from '../pipeline/ports';
import type { Logger } from '../log/logger';
import type { FollowUp, FollowUpOutbox } from '../pipeline/follow-up';

/** After the journal refused a write (a full disk), the wait before the next round. */
const JOURNAL_RETRY_MS = 30_000;

export interface FollowUpSenderDeps {
  outbox: FollowUpOutbox;
  post: (store: StoreRoute, text: string) => Promise<unknown>;
  stores: () => ReadonlyMap<string, StoreRoute>;
  clock: Clock;
  /** BRIDGE_CHAT_RETRY_S: the wait before each attempt after the first. */
  delaysMs: readonly number[];
  logger: Logger;
}

/**
 * Posts the follow-ups the incident loop left in the journal, in order, one at a time; a
 * failed one is tried again on the chat's retry schedule, then given up (and logged). What is
 * owed survives a restart: `start()` posts it.
 */
export class FollowUpSender {
  private timer: { cancel(): void } | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Set when the journal refused a write: the next round waits, rather than spin. */
  private journalFailedAt: number | undefined;
  /** Posted, but the journal could not record it yet: never posted again by this process. */
  private readonly postedUnrecorded = new Set<string>();
  /** Whether follow-ups are posted here (on a shared journal: by the cron lease's holder). */
  private held = true;

  constructor(private readonly deps: FollowUpSenderDeps) {}

  start(): void {
    this.wake();
  }

  /** While posting here depends on a lease: asked before each post (its loss is told later, by hold(false)). */
  private stillHeld: () => boolean = () => true;

  /**
   * Shared journal: posting starts when this daemon takes the cron lease and ends when it loses
   * it; `stillHeld` is asked before each post, so one about to lapse posts nothing more.
   */
  hold(held: boolean, stillHeld?: () => boolean): void {
    this.held = held;
    if (stillHeld) this.stillHeld = stillHeld;
    if (held) return this.wake();
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Something was added (or is due): post now, or right after the round under way. */
  wake(): void {
    if (this.stopped || !this.held) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer?.cancel();
    this.timer = undefined;
    this.running = this.round().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        void this.schedule();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  private async round(): Promise<void> {
    try {
      for (const f of await this.deps.outbox.due(this.deps.clock.now())) {
        if (this.stopped || !this.held || !this.stillHeld()) return;
        await this.send(f);
      }
      this.journalFailedAt = undefined;
    } catch (err) {
      this.journalFailedAt = this.deps.clock.now();
      this.deps.logger.error(
        `chat follow-ups wait: the journal refused a write; tried again in ${JOURNAL_RETRY_MS / 1000} s`,
        { err },
      );
    }
  }

  /** Posts one follow-up and records the result. Journal errors propagate (the round stops). */
  private async send(f: FollowUp): Promise<void> {
    const key = `${f.incidentId}/${f.kind}`;
    const fields = { incidentId: f.incidentId, kind: f.kind, store: f.storeId };
    if (!this.postedUnrecorded.has(key)) {
      const store = this.deps.stores().get(f.storeId);
      let error: string | undefined;
      if (!store) error = 'its store is not in x-hoppers.json (add it and reload)';
      else {
        try {
          await this.deps.post(store, f.text);
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
        }
      }
      if (error !== undefined) {
        const delay = this.deps.delaysMs[f.attempts + 1];
        const nextAt = delay === undefined ? null : this.deps.clock.now() + delay;
        await this.deps.outbox.failed(f.incidentId, f.kind, error, nextAt);
        if (nextAt === null)
          this.deps.logger.error('chat follow-up given up', { ...fields, attempts: f.attempts + 1, error });
        else
          this.deps.logger.warn('chat follow-up not posted, trying again', {
            ...fields,
            error,
            nextAttemptAt: new Date(nextAt).toISOString(),
          });
        return;
      }
      this.postedUnrecorded.add(key);
    }
    await this.deps.outbox.posted(f.incidentId, f.kind, this.deps.clock.now());
    this.postedUnrecorded.delete(key);
  }

  private async schedule(): Promise<void> {
    if (this.stopped || !this.held) return;
    let next: number | null;
    try {
      next = await this.deps.outbox.nextDueAt();
    } catch (err) {
      this.deps.logger.error(
        `chat follow-ups wait: the journal cannot be read; tried again in ${JOURNAL_RETRY_MS / 1000} s`,
        { err },
      );
      this.timer = this.deps.clock.setTimeout(() => this.wake(), JOURNAL_RETRY_MS);
      return;
    }
    if (next === null || this.stopped || !this.held || this.running) return;
    this.timer?.cancel();
    const at = this.journalFailedAt === undefined ? next : Math.max(next, this.journalFailedAt + JOURNAL_RETRY_MS);
    // A lease about to lapse: look again in a second (its loss, or its renewal, comes meanwhile).
    this.timer = this.deps.clock.setTimeout(
      () => this.wake(),
      this.stillHeld() ? Math.max(0, at - this.deps.clock.now()) : 1_000,
    );
  }
}
