import type { Logger } from '../log/logger';
import type { Clock } from '../pipeline/ports';
import { KlaxonError, type KlaxonClient } from './klaxon-client';
import { renewalDueAt } from './renewal';
import { exponentialBackoff, withJitter } from '../pipeline/backoff';
import { OutageReporter } from '../log/outage';

/** What the session needs of the klaxon client. */
export type SessionClient = Pick<KlaxonClient, 'baseUrl' | 'tokenValid' | 'tokenTimes' | 'login' | 'remainingSeconds'>;

export interface SessionOptions {
  /** Renew when less than this much lifetime is left (default 5 min; half a shorter token's life). */
  renewMarginMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  onRenewal?: (outcome: 'ok' | 'failed') => void;
  /** Must tell time as the client does (tests); by default the system's, timers unref'd. */
  clock?: Clock;
}

/** The session's timer must not keep the process alive on its own. */
const unrefClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/**
 * Keeps the Veesion token alive: signs in, checks the remaining lifetime with GET /user-info
 * and signs in again when renewalDueAt says (a 401/403 there signs in at once); on failure
 * retries with exponential backoff and jitter. Runs beside the alert path: a Veesion outage never blocks ingress, calls or chat.
 */
export class VeesionSession {
  private timer: { cancel(): void } | undefined;
  private failures = 0;
  private running = false;
  readonly outage: OutageReporter;
  private readonly clock: Clock;

  constructor(
    private readonly client: SessionClient,
    private readonly logger: Logger,
    private readonly opts: SessionOptions = {},
  ) {
    this.clock = opts.clock ?? unrefClock;
    this.outage = new OutageReporter({
      logger,
      system: 'Veesion',
      where: client.baseUrl,
      impact: 'alerts still arrive and are announced; hooks cannot be registered or checked until it is back',
    });
  }

  start(): void {
    this.running = true;
    void this.renew(true);
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
  }

  private async renew(first: boolean): Promise<void> {
    const margin = this.opts.renewMarginMs ?? 300_000;
    try {
      const before = this.client.tokenTimes?.signedInAt;
      // Veesion's own count; the client signs in again itself if it had to (expired, 401/403).
      if (!first && this.client.tokenValid) await this.client.remainingSeconds();
      const times = this.client.tokenTimes;
      if (first || !times || !this.client.tokenValid || this.clock.now() >= renewalDueAt(times, margin))
        await this.client.login();
      if (!this.running) return;
      const after = this.client.tokenTimes;
      if (!after) throw new KlaxonError('KLAXON_NO_TOKEN', 'no token after sign-in');
      if (after.signedInAt !== before) {
        this.opts.onRenewal?.('ok');
        this.logger.info('Veesion token renewed', {
          expiresInS: Math.round((after.expiresAt - this.clock.now()) / 1000),
        });
      }
      this.failures = 0;
      this.outage.recovered();
      this.schedule(Math.max(1_000, renewalDueAt(after, margin) - this.clock.now()));
    } catch (err) {
      if (!this.running) return;
      this.opts.onRenewal?.('failed');
      const { initialMs, maxMs } = this.opts.backoff ?? { initialMs: 2_000, maxMs: 300_000 };
      const delay = withJitter(exponentialBackoff(this.failures++, initialMs, maxMs));
      this.logger.debug('Veesion sign-in failed, retrying', { err, retryInMs: delay, failures: this.failures });
      this.outage.failed(`sign-in failed: ${err instanceof Error ? err.message : String(err)}`);
      this.schedule(delay);
    }
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => void this.renew(false), ms);
  }
}
