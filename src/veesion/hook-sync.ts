import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log/logger';
import type { HookStateRow } from '../journal/hook-state';
import { exponentialBackoff } from '../pipeline/backoff';
import type { KlaxonClient } from './klaxon-client';
import { hookStates, reconcileHooks, type HookReport } from './hook-reconciler';

export interface HookSyncOptions {
  /** VEESION_HOOK_URL with its token. */
  hookUrl: string;
  cronExpression: string;
  /** The configured store ids now (x-hoppers.json can be reloaded). */
  stores: () => string[];
  /** Keeps the outcome per store (the journal's hooks table). */
  record: (rows: HookStateRow[]) => void;
  logger: Logger;
  /** First retry delay after a failed run (doubles up to 5 min). */
  retryMs?: number;
  /** True while the Veesion session already reports an outage: its failures are then debug only. */
  veesionDown?: () => boolean;
}

/**
 * Reconciles Veesion's hooks at start, on demand (reload) and on a cron schedule; a failed
 * run is retried with backoff until one succeeds.
 */
export class HookSync {
  private task: ScheduledTask | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Set by stop(): a run still waiting on Veesion then ends without a word or a journal write. */
  private stopped = false;
  last: HookReport | undefined;

  constructor(
    private readonly client: KlaxonClient,
    private readonly opts: HookSyncOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.trigger();
    this.task = cron.schedule(this.opts.cronExpression, () => this.trigger(), { noOverlap: true });
  }

  /** Runs a reconciliation now (a pending retry is replaced by it). */
  trigger(): void {
    clearTimeout(this.retryTimer);
    void this.run(0, new Set());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.task?.stop();
  }

  /** One outage, one story: while the session says Veesion is down, each retry is not news. */
  private failureLevel(): 'warn' | 'debug' {
    return this.opts.veesionDown?.() ? 'debug' : 'warn';
  }

  /** `done`: stores registered by earlier tries of this run (each is posted once per run). */
  private async run(attempt: number, done: Set<string>): Promise<void> {
    const log = this.opts.logger;
    let retry = false;
    try {
      const report = await reconcileHooks(this.client, this.opts.stores(), this.opts.hookUrl, done);
      if (this.stopped) return;
      for (const store of report.registered) done.add(store);
      this.last = report;
      this.opts.record(hookStates(report, Date.now()));
      log.info('hooks reconciled', { registered: report.registered, notConfigured: report.notConfigured });
      if (report.missingAtVeesion.length > 0)
        log.warn('configured stores unknown to Veesion: check store_veesion_id', { stores: report.missingAtVeesion });
      for (const f of report.failed)
        log.log(this.failureLevel(), 'hook registration failed', { store: f.store, error: f.error });
      retry = report.failed.length > 0;
    } catch (err) {
      if (this.stopped) return;
      log.log(this.failureLevel(), 'hook reconciliation failed', { err });
      retry = true;
    }
    if (retry && !this.stopped) {
      this.retryTimer = setTimeout(
        () => void this.run(attempt + 1, done),
        exponentialBackoff(attempt, this.opts.retryMs ?? 5_000, 300_000),
      );
      this.retryTimer.unref();
    }
  }
}
