import type { Settings } from './config/settings-schema';
import type { Logger } from './log/logger';

/** What the housekeeping job prunes; each part knows its own rows or files. */
export interface HousekeepingParts {
  pruneAlerts(cutoff: number): Promise<number>;
  pruneEvents(cutoff: number): number;
  pruneAudio(maxAgeMs: number, now: number): Promise<number>;
  /** Claimed incidents nobody resolved since `cutoff` are closed `no-outcome`. */
  closeUnresolved(cutoff: number): Promise<number>;
  pruneIncidents(cutoff: number): Promise<number>;
  pruneChat(cutoff: number): number;
  pruneStills(maxAgeMs: number, now: number): number;
  /** Wildix capture files past their 7 days. */
  pruneCaptures(now: number): number;
}

const DAY = 86_400_000;

/** The cron job: finished journal rows, unused audio and old stills past their age. Never throws. */
export async function housekeeping(
  parts: HousekeepingParts,
  s: Settings,
  log: Logger,
  now = Date.now(),
): Promise<{ alerts: number; audioFiles: number } | undefined> {
  const started = Date.now();
  const retention = s.BRIDGE_JOURNAL_RETENTION_DAYS * DAY;
  try {
    const alerts = await parts.pruneAlerts(now - retention);
    const events = parts.pruneEvents(now - retention);
    const audioFiles = await parts.pruneAudio(s.BRIDGE_AUDIO_CACHE_DAYS * DAY, now);
    const noOutcome = await parts.closeUnresolved(now - s.BRIDGE_NO_OUTCOME_AFTER_H * 3_600_000);
    const incidents = await parts.pruneIncidents(now - retention);
    const chatRows = parts.pruneChat(now - retention);
    const stills = parts.pruneStills(retention, now);
    const captures = parts.pruneCaptures(now);
    log.info('housekeeping done', {
      alertsRemoved: alerts,
      eventsRemoved: events,
      audioFilesRemoved: audioFiles,
      incidentsClosedNoOutcome: noOutcome,
      incidentsRemoved: incidents,
      chatRowsRemoved: chatRows,
      stillsRemoved: stills,
      capturesRemoved: captures,
      durationMs: Date.now() - started,
    });
    return { alerts, audioFiles };
  } catch (err) {
    log.error('housekeeping failed; it runs again at its next time', { err });
    return undefined;
  }
}
