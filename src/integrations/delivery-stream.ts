import type { Clock } from '../pipeline/ports';
import type { Logger } from '../log/logger';
import {
  displayUrl,
  wants,
  type DeliveryState,
  type DeliveryStore,
  type Integration,
  type IntegrationType,
  type StoredEvent,
} from './integration';
import { afterFailure } from './delivery-schedule';
import { envelopeBody } from './envelope';
import { deadNotice, goneNotice } from './notice-text';
import type { OperatorNotifier } from './operator-notice';
import type { EventTransport } from './transport';

export type DeliveryOutcome = 'delivered' | 'retry' | 'dead' | 'gone';

export interface StreamDeps {
  store: DeliveryStore;
  transports: Record<IntegrationType, EventTransport>;
  clock: Clock;
  delaysMs: readonly number[];
  notifier: OperatorNotifier | undefined;
  logger: Logger;
  onOutcome?: (type: IntegrationType, outcome: DeliveryOutcome) => void;
  /** On a shared journal: whether this daemon still holds the lease deliveries depend on (asked before each attempt). */
  stillHeld?: () => boolean;
}

const HOUR = 3_600_000;

type Row = Integration & DeliveryState;

/**
 * One integration's deliveries: its events one at a time, in the order they happened, each
 * until it is delivered or given up. Its place and attempts live in the journal, so a restart
 * resumes where it stood (an attempt cut short by a crash is made again: at least once).
 */
export class DeliveryStream {
  private stopped = false;
  private wait: { resolve(): void } | undefined;
  private idle = false;
  private noticeTimer: { cancel(): void } | undefined;
  private running: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly deps: StreamDeps,
  ) {}

  /** `ended` runs when the stream ends on its own (integration removed or disabled). */
  start(ended: () => void): void {
    this.running = this.loop()
      .catch((err: unknown) => {
        this.deps.logger.error('integration deliveries stopped by an internal error; they resume after a restart', {
          integrationId: this.id,
          err,
        });
      })
      .finally(() => {
        if (!this.stopped) ended();
      });
    void (async () => {
      const row = await this.deps.store.get(this.id);
      if (row && row.unnoticedDead > 0) this.scheduleSummary(row);
    })().catch((err: unknown) =>
      this.deps.logger.warn('could not read an integration for its held-back notices', { integrationId: this.id, err }),
    );
  }

  /** New events were written: an idle stream looks again (one waiting out a retry does not). */
  wake(): void {
    if (this.idle) this.wait?.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.noticeTimer?.cancel();
    this.wait?.resolve();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const row = await this.deps.store.get(this.id);
      if (!row?.enabled) return;
      const event = await this.head(row);
      const now = this.deps.clock.now();
      if (!event) await this.pause(undefined);
      else if (row.nextAt !== null && row.nextAt > now) await this.pause(row.nextAt - now);
      else if (this.deps.stillHeld && !this.deps.stillHeld())
        await this.pause(1_000); // the lease is about to go: the next holder sends it
      else await this.attempt(row, event);
    }
  }

  /** The oldest event this integration wants; the ones it does not want are passed over. */
  private async head(row: Row): Promise<StoredEvent | undefined> {
    let cursor = row.cursor;
    for (;;) {
      const page = await this.deps.store.eventsAfter(cursor);
      const wanted = page.find((e) => wants(row, e));
      if (wanted) {
        if (wanted.seq - 1 > row.cursor) await this.deps.store.skipTo(this.id, wanted.seq - 1);
        return this.deps.store.event(wanted.seq);
      }
      const last = page.at(-1);
      if (!last) return undefined;
      cursor = last.seq;
      await this.deps.store.skipTo(this.id, cursor);
    }
  }

  /** Until `ms` pass (a retry), or until woken (idle: no event to send). */
  private pause(ms: number | undefined): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : this.deps.clock.setTimeout(() => done(), ms);
      const done = () => {
        timer?.cancel();
        this.wait = undefined;
        this.idle = false;
        resolve();
      };
      this.idle = ms === undefined;
      this.wait = { resolve: done };
    });
  }

  private async attempt(row: Row, event: StoredEvent): Promise<void> {
    const { store, clock, logger } = this.deps;
    const attempt = row.attempts + 1;
    const body = envelopeBody(event, row.id, attempt);
    const result = await this.deps.transports[row.type].send({
      integration: row,
      eventId: event.id,
      eventType: event.type,
      body,
      now: clock.now(),
    });
    const now = clock.now();
    const fields = {
      integrationId: row.id,
      eventId: event.id,
      eventType: event.type,
      alertId: event.alertId,
      attempt,
      status: result.status,
    };
    if (result.ok) {
      await store.settle(row.id, event, 'delivered', attempt, null, now);
      logger.debug('integration event delivered', fields);
      return this.deps.onOutcome?.(row.type, 'delivered');
    }
    const error = result.answer ? `${result.error}: ${result.answer.slice(0, 200)}` : result.error;
    if (result.gone) {
      const reason = `receiver answered 410 Gone at ${new Date(now).toISOString()}`;
      await store.disable(row.id, reason);
      logger.error('integration disabled: its receiver answered 410 Gone', { ...fields, url: displayUrl(row.url) });
      this.deps.onOutcome?.(row.type, 'gone');
      const notice = goneNotice(row, reason);
      await this.deps.notifier?.notify(notice.subject, notice.text);
      return;
    }
    const next = afterFailure(this.deps.delaysMs, attempt, event.time, now, result.retryAfterMs);
    if (next.kind === 'retry') {
      await store.retryAt(row.id, attempt, next.at, error);
      logger.warn('integration event not delivered, will retry', {
        ...fields,
        error,
        nextAttemptAt: new Date(next.at).toISOString(),
      });
      return this.deps.onOutcome?.(row.type, 'retry');
    }
    await store.settle(row.id, event, 'dead', attempt, `${error} (${next.reason})`, now);
    logger.error('integration event given up', { ...fields, error, reason: next.reason });
    this.deps.onOutcome?.(row.type, 'dead');
    await this.noticeDead({ event, attempts: attempt, error });
  }

  /**
   * At most one notice an hour per integration; the ones held back are counted in the next.
   * Without `given` it is that summary alone.
   */
  private async noticeDead(given?: { event: StoredEvent; attempts: number; error: string }): Promise<void> {
    const row = await this.deps.store.get(this.id);
    if (!row || !this.deps.notifier) return;
    const now = this.deps.clock.now();
    if (row.lastNoticeAt !== null && now - row.lastNoticeAt < HOUR) return this.scheduleSummary(row);
    const notice = deadNotice(row, given, row.unnoticedDead - (given ? 1 : 0));
    if (await this.deps.notifier.notify(notice.subject, notice.text)) await this.deps.store.noticeSent(this.id, now);
  }

  /** Events given up while notices were held back are told when the hour is over. */
  private scheduleSummary(row: Row): void {
    if (this.noticeTimer || !this.deps.notifier) return;
    const due = Math.max(0, (row.lastNoticeAt ?? 0) + HOUR - this.deps.clock.now());
    this.noticeTimer = this.deps.clock.setTimeout(() => {
      this.noticeTimer = undefined;
      void (async () => {
        const fresh = await this.deps.store.get(this.id);
        if (!this.stopped && fresh && fresh.unnoticedDead > 0) await this.noticeDead();
      })().catch((err: unknown) =>
        this.deps.logger.warn('could not send the held-back integration notice', { integrationId: this.id, err }),
      );
    }, due);
  }
}
