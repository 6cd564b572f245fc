import type { Logger } from './logger';

export interface OutageOptions {
  logger: Logger;
  /** Who is out: 'AMI', 'Veesion', 'x-bees'. */
  system: string;
  /** Where we were trying to reach it (host:port or base URL). */
  where: string;
  /** What the outage means for alerts, in operator words. */
  impact: string;
  /** At most one "still" line this often while it lasts (default 1 min). */
  repeatMs?: number;
  now?: () => number;
}

/**
 * Turns a stream of failures into the three lines an operator needs: once when an outage
 * begins (where, and what it means for alerts), at most once a minute while it lasts, once
 * when it ends. Without it a reconnect loop logs a warning every few seconds (900 an hour)
 * and none says what it costs. Keeps the last reason for /readyz and `status`.
 */
export class OutageReporter {
  private since: number | undefined;
  private lastLine = 0;
  private failures = 0;
  private reason: string | undefined;

  constructor(private readonly opts: OutageOptions) {}

  get down(): boolean {
    return this.since !== undefined;
  }

  /** Why it is down and since when, for /readyz; undefined while it works. */
  get summary(): string | undefined {
    if (this.since === undefined) return undefined;
    return `${this.opts.system} at ${this.opts.where} unreachable since ${new Date(this.since).toISOString()}: ${this.reason ?? 'unknown'}`;
  }

  /** `severity: 'error'` for a cause only an operator can fix (a refused login). */
  failed(reason: string, severity: 'warn' | 'error' = 'warn'): void {
    const now = this.now();
    this.reason = reason;
    this.failures++;
    const { logger, system, where, impact } = this.opts;
    if (this.since === undefined) {
      this.since = now;
      this.lastLine = now;
      return void logger.log(severity, `${system} unreachable`, { where, reason, impact });
    }
    if (now - this.lastLine < (this.opts.repeatMs ?? 60_000)) return;
    this.lastLine = now;
    logger.log(severity, `${system} still unreachable`, {
      where,
      reason,
      impact,
      downForS: Math.round((now - this.since) / 1000),
      failures: this.failures,
    });
  }

  recovered(): void {
    if (this.since === undefined) return;
    const downForS = Math.round((this.now() - this.since) / 1000);
    this.opts.logger.info(`${this.opts.system} reachable again`, {
      where: this.opts.where,
      downForS,
      failures: this.failures,
    });
    this.since = undefined;
    this.reason = undefined;
    this.failures = 0;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
