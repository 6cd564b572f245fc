import type { Logger } from '../log/logger';
import type { KlaxonClient } from './klaxon-client';
import { exponentialBackoff, withJitter } from '../pipeline/backoff';
import { OutageReporter } from '../log/outage';

export interface SessionOptions {
  /** Renew when less than this much lifetime is left (default 5 min). */
  renewMarginMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  onRenewal?: (outcome: 'ok' | 'failed') => void;
}

/**
 * Keeps the Veesion token alive: signs in, checks the remaining lifetime with GET /user-info
 * and signs in again before it runs out; on failure retries with exponential backoff and
 * jitter. Runs beside the alert path: a Veesion outage never blocks ingress, calls or chat.
 */
export class VeesionSession {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private running = false;
  readonly outage: OutageReporter;

  constructor(
    private readonly client: KlaxonClient,
    private readonly logger: Logger,
    private readonly opts: SessionOptions = {},
  ) {
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
    clearTimeout(this.timer);
  }

  private async renew(first: boolean): Promise<void> {
    const margin = this.opts.renewMarginMs ?? 300_000;
    try {
      let remainingMs = first || !this.client.tokenValid ? 0 : (await this.client.remainingSeconds()) * 1000;
      if (remainingMs <= margin) {
        await this.client.login();
        if (!this.running) return;
        remainingMs = ((this.client.tokenExpiresAt ?? Date.now()) - Date.now());
        this.opts.onRenewal?.('ok');
        this.logger.info('Veesion token renewed', { expiresInS: Math.round(remainingMs / 1000) });
      }
      this.failures = 0;
      this.outage.recovered();
      this.schedule(Math.max(1_000, remainingMs - margin));
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
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(false), ms);
    this.timer.unref();
  }
}
