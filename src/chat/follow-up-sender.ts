import type { StoreRoute } from '../pipeline/alert';
import type { Clock } from '../pipeline/ports';
import type { Logger } from '../log/logger';
import type { FollowUp, FollowUpOutbox } from '../pipeline/follow-up';

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

  constructor(private readonly deps: FollowUpSenderDeps) {}

  start(): void {
    this.wake();
  }

  /** Something was added (or is due): post now, or right after the round under way. */
  wake(): void {
    if (this.stopped) return;
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
        this.schedule();
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
      for (const f of this.deps.outbox.due(this.deps.clock.now())) {
        if (this.stopped) return;
        await this.send(f);
      }
    } catch (err) {
      this.deps.logger.error('chat follow-ups stopped by a journal error; they are posted after a restart', { err });
    }
  }

  private async send(f: FollowUp): Promise<void> {
    const store = this.deps.stores().get(f.storeId);
    const fields = { incidentId: f.incidentId, kind: f.kind, store: f.storeId };
    if (!store) {
      this.deps.outbox.failed(f.incidentId, f.kind, 'store not in x-hoppers.json', null);
      return void this.deps.logger.warn('chat follow-up not posted: its store left x-hoppers.json', fields);
    }
    try {
      await this.deps.post(store, f.text);
      this.deps.outbox.posted(f.incidentId, f.kind, this.deps.clock.now());
    } catch (err) {
      const delay = this.deps.delaysMs[f.attempts + 1];
      const nextAt = delay === undefined ? null : this.deps.clock.now() + delay;
      const error = err instanceof Error ? err.message : String(err);
      this.deps.outbox.failed(f.incidentId, f.kind, error, nextAt);
      if (nextAt === null) this.deps.logger.error('chat follow-up given up', { ...fields, attempts: f.attempts + 1, error });
      else this.deps.logger.warn('chat follow-up failed, trying again', { ...fields, error, nextAttemptAt: new Date(nextAt).toISOString() });
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    let next: number | null;
    try {
      next = this.deps.outbox.nextDueAt();
    } catch (err) {
      return void this.deps.logger.error('chat follow-ups stopped by a journal error; they are posted after a restart', { err });
    }
    if (next === null) return;
    this.timer = this.deps.clock.setTimeout(() => this.wake(), Math.max(0, next - this.deps.clock.now()));
  }
}
