import type { StoreRoute } from '../pipeline/alert';
import type { IncidentLoop } from '../pipeline/incident-loop';
import type { IncidentStore } from '../pipeline/incident';
import type { Clock } from '../pipeline/ports';
import type { Logger } from '../log/logger';
import { parseActionId } from './alert-actions';
import type { ClaimWords } from './claim-words';
import type { WildixEvent } from './wildix-event';

/** Events further than this from now (either way) are refused as stale: the PBX sends within seconds. */
const MAX_EVENT_AGE_MS = 60 * 60_000;

/** How long after an incident's last change call and conference events are still its activity. */
const ACTIVITY_WINDOW_MS = 10 * 60_000;

export type InboxOutcome =
  | 'duplicate' | 'claimed' | 'already-claimed' | 'closed' | 'resolved' | 'already-resolved'
  | 'nothing-open' | 'unknown-alert' | 'unknown-channel' | 'not-a-claim' | 'own-message' | 'recorded' | 'no-incident' | 'ignored' | 'stale';

export interface InboxDeps {
  /** Event ids seen: true the first time. */
  seen: { firstSeen(id: string, type: string, at: number): boolean };
  /** Runs `fn` in one journal transaction: the event is seen, and acted on, or neither. */
  atomically: <T>(fn: () => T) => T;
  incidents: Pick<IncidentStore, 'find' | 'latestInRoom' | 'recordActivity'>;
  /** The incident loop (absent while incidents are off). */
  loop: () => Pick<IncidentLoop, 'claim' | 'resolve' | 'claimOldestIn'> | undefined;
  stores: () => ReadonlyMap<string, StoreRoute>;
  claimWords: ClaimWords;
  clock: Clock;
  logger: Logger;
}

/**
 * What people did in Wildix, acted on once per event (Wildix repeats an event it thinks was
 * not received): a button on an alert's message claims or resolves that alert's incident; a
 * claim word in a store's conversation claims its oldest open incident; call and conference
 * events of a store's room are kept against the incident that was playing there.
 */
export class WildixInbox {
  constructor(private readonly deps: InboxDeps) {}

  handle(event: WildixEvent): { outcome: InboxOutcome; incidentId?: string } {
    if (event.kind === 'other') return { outcome: 'ignored' };
    // Signed but old: a captured event sent again after its id was pruned claims nothing.
    if (Math.abs(this.deps.clock.now() - event.time) > MAX_EVENT_AGE_MS) return { outcome: 'stale' };
    // A journal error throws out of here (503) with nothing kept: Wildix's retry gets another go.
    const result = this.deps.atomically(() => {
      if (!this.deps.seen.firstSeen(event.id, event.type, this.deps.clock.now())) return { outcome: 'duplicate' as const };
      return this.act(event);
    });
    this.deps.logger.info('Wildix event', { eventId: event.id, type: event.type, outcome: result.outcome, incidentId: result.incidentId });
    return result;
  }

  private act(event: Exclude<WildixEvent, { kind: 'other' }>): { outcome: InboxOutcome; incidentId?: string } {
    switch (event.kind) {
      case 'chat-action':
        return this.button(event);
      case 'chat-message':
        return this.reply(event);
      case 'call': {
        const rooms = new Set(this.rooms());
        const room = [event.destination, ...event.parties.filter((p) => p.role === 'callee').map((p) => p.phone)].find((x) => x !== null && rooms.has(x));
        const who = event.parties.map((p) => p.who).filter((w) => w !== null).join(' -> ') || null;
        return this.activity(room ?? null, event, who, event.status);
      }
      case 'conference': {
        const room = this.roomNamed(event.subject);
        return this.activity(room, event, event.participants.join(', ') || null, null);
      }
    }
  }

  private button(event: Extract<WildixEvent, { kind: 'chat-action' }>): { outcome: InboxOutcome; incidentId?: string } {
    const pressed = parseActionId(event.actionId);
    const loop = this.deps.loop();
    if (!pressed || !loop) return { outcome: 'ignored' };
    const incident = this.deps.incidents.find(pressed.alertId);
    // A press names its alert, and it must come from that alert's own conversation.
    const store = incident && this.deps.stores().get(incident.storeId);
    if (!incident || !store) return { outcome: 'unknown-alert' };
    if (store.xbees_channel_id !== event.channelId) return { outcome: 'unknown-channel', incidentId: incident.id };
    if (pressed.action.what === 'claim') {
      const r = loop.claim(incident.id, event.user.display, 'chat');
      return { outcome: r.kind === 'claimed' ? 'claimed' : r.kind === 'already' ? 'already-claimed' : r.kind === 'closed' ? 'closed' : 'unknown-alert', incidentId: incident.id };
    }
    const r = loop.resolve(incident.id, pressed.action.outcome, event.user.display);
    return { outcome: r.kind === 'resolved' ? 'resolved' : r.kind === 'already' ? 'already-resolved' : 'unknown-alert', incidentId: incident.id };
  }

  private reply(event: Extract<WildixEvent, { kind: 'chat-message' }>): { outcome: InboxOutcome; incidentId?: string } {
    const stores = [...this.deps.stores().values()].filter((s) => s.xbees_channel_id === event.channelId);
    if (stores.length === 0) return { outcome: 'unknown-channel' };
    // The bridge's own messages come back as events too.
    if (event.user.bot || stores.some((s) => s.veesion_user_extension === event.user.id)) return { outcome: 'own-message' };
    if (!this.deps.claimWords.matches(event.text)) return { outcome: 'not-a-claim' };
    const loop = this.deps.loop();
    if (!loop) return { outcome: 'ignored' };
    const r = loop.claimOldestIn(stores.map((s) => s.audio_conf_id), event.user.display, 'chat');
    if (r.kind === 'nothing-open') return { outcome: 'nothing-open' };
    const outcome: InboxOutcome = r.kind === 'claimed' ? 'claimed' : r.kind === 'already' ? 'already-claimed' : r.kind === 'closed' ? 'closed' : 'unknown-alert';
    return r.kind === 'not-found' ? { outcome } : { outcome, incidentId: r.incident.id };
  }

  private activity(room: string | null, event: WildixEvent, who: string | null, detail: string | null): { outcome: InboxOutcome; incidentId?: string } {
    if (room === null) return { outcome: 'no-incident' };
    const incident = this.deps.incidents.latestInRoom(room, event.time, event.time - ACTIVITY_WINDOW_MS);
    if (!incident) return { outcome: 'no-incident' };
    this.deps.incidents.recordActivity({ incidentId: incident.id, at: event.time, kind: event.type, who, detail });
    return { outcome: 'recorded', incidentId: incident.id };
  }

  private rooms(): string[] {
    return [...this.deps.stores().values()].map((s) => s.audio_conf_id);
  }

  /** A Wildix conference's subject names the room by its number (audio_conf_id) or its store's name. */
  private roomNamed(subject: string | null): string | null {
    if (subject === null) return null;
    const s = subject.trim();
    const store = [...this.deps.stores().values()].find((x) => x.audio_conf_id === s || x.name === s);
    return store?.audio_conf_id ?? null;
  }
}
