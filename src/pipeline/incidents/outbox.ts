import { type IncidentEventType, incidentEvent } from '../alert-event';
import type { FollowUpKind } from '../follow-up';
import type { Incident } from '../incident';
import type { LoopContext } from './loop-context';

/** What an incident's changes owe the outside: an event for integrations and a line in the store's conversation. */
export class Outbox {
  constructor(private readonly ctx: LoopContext) {}

  /**
   * One line per change in the store's conversation, owed in the journal until posted. A write
   * the journal refuses (a server gone a moment) is tried again, 1 s then 5 s later, before it is reported.
   */
  followUp(incident: Incident, kind: FollowUpKind, text: string, tries = 3): void {
    const { deps } = this.ctx;
    const req = { incidentId: incident.id, storeId: incident.storeId, kind, text };
    const again = (err: unknown) => {
      if (tries <= 1 || this.ctx.stopped) return deps.onError?.(err);
      deps.clock.setTimeout(() => this.followUp(incident, kind, text, tries - 1), tries === 3 ? 1_000 : 5_000);
    };
    try {
      // Asked in this turn (a journal that answers at once has it written now); a refusal, thrown or rejected, is tried again.
      void Promise.resolve(deps.followUps?.add(req, deps.clock.now())).then(undefined, again);
    } catch (err) {
      again(err);
    }
  }

  /** The incident's event for integrations, written with the next journal commit. */
  publish(type: IncidentEventType, incident: Incident): void {
    const { deps } = this.ctx;
    const events = deps.events;
    if (!events) return;
    const at = deps.clock.now();
    this.ctx.track(
      (async () => {
        const alert = await deps.alert(incident.firstAlertId);
        if (alert) events.recordEvent(incidentEvent(type, alert, deps.stores().get(incident.storeId), incident, at));
      })(),
    );
  }
}
