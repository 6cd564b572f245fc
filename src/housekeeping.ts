import cron, { type ScheduledTask } from 'node-cron';
import type { Settings } from './config/settings-schema';
import type { Area } from './area';
import type { Logger } from './log/logger';

export const DAY_MS = 86_400_000;

/** How long the journal keeps finished rows (BRIDGE_JOURNAL_RETENTION_DAYS), and the stills with them. */
export const retentionMs = (s: Settings): number => s.BRIDGE_JOURNAL_RETENTION_DAYS * DAY_MS;

/**
 * The cron job (BRIDGE_HOUSEKEEPING_CRON): each area's housekeep() in the list's order, finished
 * journal rows, unused audio, old stills and captures past their age, one log line for the run.
 */
export class HousekeepingArea implements Area {
  readonly name = 'housekeeping';
  private task: ScheduledTask | undefined;

  constructor(
    private readonly s: Pick<Settings, 'BRIDGE_HOUSEKEEPING_CRON'>,
    /** The daemon's areas (read at each run). */
    private readonly areas: () => readonly Area[],
    private readonly log: Logger,
  ) {}

  start(): void {
    this.task = cron.schedule(this.s.BRIDGE_HOUSEKEEPING_CRON, () => this.run(), { noOverlap: true });
  }

  async drain(): Promise<void> {
    await this.task?.stop();
  }

  stop(): void {}

  /** One run (the cron's, or a test's at a time of its choosing). Never throws. */
  async run(now = Date.now()): Promise<{ alerts: number; audioFiles: number } | undefined> {
    const started = Date.now();
    try {
      const removed: Record<string, number> = {};
      for (const area of this.areas()) Object.assign(removed, await area.housekeep?.(now));
      this.log.info('housekeeping done', { ...removed, durationMs: Date.now() - started });
      return { alerts: removed.alertsRemoved ?? 0, audioFiles: removed.audioFilesRemoved ?? 0 };
    } catch (err) {
      this.log.error('housekeeping failed; it runs again at its next time', { err });
      return undefined;
    }
  }
}
