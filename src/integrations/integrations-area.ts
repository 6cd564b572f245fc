import type { Settings } from '../config/settings-schema';
import { type Area, type StopDeadline, outlastsDeadline } from '../area';
import type { Logger } from '../log/logger';
import type { Clock } from '../pipeline/ports';
import { IntegrationDispatcher } from './dispatcher';
import { notifierFor, transportsFor } from './from-settings';
import type { DeliveryStore } from './integration';
import type { StreamDeps } from './delivery-stream';
import type { MailNotifier } from './operator-notice';

export interface IntegrationsAreaDeps {
  logger: Logger;
  clock: Clock;
  /** The integrations and their deliveries, in the journal the events are in. */
  store: DeliveryStore;
  /** Tells when the journal committed new events: they are delivered at once. */
  events: { onEventsWritten(listener: () => void): void };
  onOutcome: StreamDeps['onOutcome'];
  /** Several daemons on one journal: whether this one holds the cron lease (deliveries are made by its holder). */
  cronHeld?: () => boolean;
}

/**
 * The integrations: each alert and incident event delivered to every enabled webhook or SQS
 * queue, with its retries, and the operator told by mail of one given up.
 */
export class IntegrationsArea implements Area {
  readonly name = 'integrations';
  readonly dispatcher: IntegrationDispatcher;
  private readonly delivery: ReturnType<typeof transportsFor>;
  private readonly mail: MailNotifier | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    s: Settings,
    private readonly deps: IntegrationsAreaDeps,
  ) {
    this.delivery = transportsFor(s);
    this.mail = notifierFor(s, deps.logger);
    this.dispatcher = new IntegrationDispatcher({
      store: deps.store,
      transports: this.delivery.transports,
      clock: deps.clock,
      delaysMs: s.BRIDGE_INTEGRATION_RETRY_S.map((sec) => sec * 1000),
      notifier: this.mail,
      logger: deps.logger,
      ...(deps.onOutcome ? { onOutcome: deps.onOutcome } : {}),
      ...(deps.cronHeld ? { stillHeld: deps.cronHeld } : {}),
    });
    deps.events.onEventsWritten(() => this.dispatcher.wake());
    if (deps.cronHeld) void this.dispatcher.hold(false); // until this daemon holds the cron lease
  }

  /** How each integration type sends (the admin API's test deliveries use them too). */
  get transports(): ReturnType<typeof transportsFor>['transports'] {
    return this.delivery.transports;
  }

  async start(): Promise<void> {
    await this.dispatcher.start();
    if (!this.mail && this.dispatcher.active.length > 0)
      this.deps.logger.warn(
        'integrations are set up but BRIDGE_SMTP_HOST/BRIDGE_OPERATOR_EMAIL are not: given-up events are only logged',
      );
  }

  onCronLease(held: boolean): void {
    void this.dispatcher.hold(held);
  }

  /** Events an operator command wrote in the journal (a CLI resolve): delivered now. */
  rescan(): void {
    this.dispatcher.wake();
  }

  drain(): void {
    this.stopping = this.dispatcher.stop();
  }

  async stop(deadline: StopDeadline): Promise<void> {
    if (await outlastsDeadline(this.stopping ?? this.dispatcher.stop(), deadline))
      this.deps.logger.warn('integration deliveries still running at stop; they are made again after a restart', {
        deadlineMs: deadline.ms,
      });
    this.delivery.stop();
    this.mail?.close();
  }
}
