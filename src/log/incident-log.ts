import type { Logger } from './logger';
import type { IncidentNews } from '../pipeline/incident-loop';
import type { BridgeMetrics } from '../http/metrics';

/** One line per change of an incident, each with its id, store and camera. */
export function logIncident(log: Logger, e: IncidentNews): void {
  const i = e.incident;
  const fields = { incidentId: i.id, store: i.storeId, camera: i.cameraId, room: i.room, alerts: i.alerts };
  switch (e.kind) {
    case 'announced':
      return void log.info('incident announced', {
        ...fields,
        announcements: e.announcements,
        nextRepeatAt: i.nextRepeatAt && new Date(i.nextRepeatAt).toISOString(),
      });
    case 'unclaimed':
      // Nobody took it: the theft may be happening unwatched. Loud on purpose.
      return void log.error('incident unclaimed: nobody took it after every repeat', {
        ...fields,
        announcements: i.announcements,
      });
    case 'unheard':
      // Nobody in the store heard it: the theft may be happening unwatched. Loud on purpose, once.
      return void log.error('incident unheard: none of its announcements could be placed', { ...fields, why: e.why });
    case 'claimed':
      return void log.info('incident claimed', {
        ...fields,
        by: i.claimedBy,
        via: i.claimedVia,
        afterS: i.claimedAt !== null ? Math.round((i.claimedAt - i.openedAt) / 1000) : null,
      });
    case 'told':
      return void (e.heard
        ? log.info('incident claim told to the conference', fields)
        : log.warn('incident claim not heard in the conference', { ...fields, error: e.error }));
    case 'resolved':
      return void log.info('incident resolved', { ...fields, outcome: i.outcome, by: i.resolvedBy });
    case 'repeat-failed':
      return void log.warn('incident repeat failed, trying again while it can help', { ...fields, error: e.error });
    case 'escalated':
      if (e.outcome === 'answered')
        return void log.warn('incident escalated: answered', { ...fields, to: e.to, note: e.note });
      if (e.outcome === 'taken')
        return void log.info('incident escalation stopped: taken meanwhile', { ...fields, note: e.note });
      // Unheard already said so, loudly, once: that nobody could be called adds no alarm.
      if (i.state === 'unheard' && e.outcome === 'no-list')
        return void log.info('incident escalation: no escalation list to call', { ...fields, note: e.note });
      // Nobody in the store took it and nobody on the list answered: the theft goes unwatched.
      return void log.error(
        e.outcome === 'no-list'
          ? 'incident escalation reached nobody: no escalation list'
          : 'incident escalation reached nobody: nobody on the escalation list answered',
        { ...fields, note: e.note },
      );
    default: {
      const never: never = e;
      throw new Error(`unknown incident news ${JSON.stringify(never)}`);
    }
  }
}

/** The incident loop's news: logged, counted, and the consoles nudged. */
export function incidentReporter(
  log: Logger,
  metrics: BridgeMetrics,
  changed: (e: IncidentNews) => void,
): (e: IncidentNews) => void {
  return (e) => {
    logIncident(log, e);
    changed(e);
    if (e.kind === 'claimed' && e.incident.claimedAt !== null)
      metrics.incidentTimeToClaim.observe((e.incident.claimedAt - e.incident.openedAt) / 1000);
    if (e.kind === 'escalated') metrics.incidentEscalations.inc({ outcome: e.outcome });
  };
}
