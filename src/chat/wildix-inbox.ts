import type { StoreRoute } from '../pipeline/alert';
import type { IncidentLoop } from '../pipeline/incident-loop';
import type { IncidentStore } from '../pipeline/incident';
import type { Clock } from '../pipeline/ports';
import type { Logger } from '../log/logger';
import { parseActionId } from './alert-actions';
import type { ClaimWords } from './claim-words';
import { postingUserId, type XbeesIdentity } from './xbees-identity';
import type { WildixEvent } from './wildix-event';
import { ConferenceSubjects } from './conference-subjects';

type ConferenceEvent = Extract<WildixEvent, { kind: 'conference' }>;
type Result = { outcome: InboxOutcome; incidentId?: string };

/** Events further than this from now (either way) are refused as stale: the PBX sends within seconds. */
const MAX_EVENT_AGE_MS = 60 * 60_000;

/** How long after an incident's last change call and conference events are still its activity. */
const ACTIVITY_WINDOW_MS = 10 * 60_000;

export type InboxOutcome =
  | 'duplicate'
  | 'claimed'
  | 'already-claimed'
  | 'closed'
  | 'resolved'
  | 'already-resolved'
  | 'nothing-open'
  | 'unknown-alert'
  | 'unknown-channel'
  | 'not-a-claim'
  | 'own-message'
  | 'recorded'
  | 'no-incident'
  | 'ignored'
  | 'stale'
  /** A conference join kept until its conference's subject is known. */
  | 'held';

export interface InboxDeps {
  /** Event ids seen: true the first time; forgotten again when acting on it failed. */
  seen: { firstSeen(id: string, type: string, at: number): Promise<boolean>; forget(id: string): Promise<void> };
  incidents: Pick<IncidentStore, 'find' | 'latestInRoom' | 'recordActivity'>;
  /** The incident loop (absent while incidents are off). */
  loop: () => Pick<IncidentLoop, 'claim' | 'resolve' | 'claimOldestIn'> | undefined;
  stores: () => ReadonlyMap<string, StoreRoute>;
  claimWords: ClaimWords;
  /** Who the bridge posts as: its own messages come back as events, and are not claims. */
  identity: XbeesIdentity;
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
  /** Conference subjects by id, and the joins waiting for theirs (this daemon's memory). */
  private readonly conferences = new ConferenceSubjects<ConferenceEvent>();

  constructor(private readonly deps: InboxDeps) {}

  async handle(event: WildixEvent): Promise<Result> {
    for (const join of this.conferences.expire(this.deps.clock.now())) this.unmatched(join, 'expired');
    if (event.kind === 'other' || event.kind === 'unread') return { outcome: 'ignored' };
    // Signed but old: a captured event sent again after its id was pruned claims nothing.
    if (Math.abs(this.deps.clock.now() - event.time) > MAX_EVENT_AGE_MS) return { outcome: 'stale' };
    // Seen first, so Wildix's retry of a slow answer acts once. A journal error throws out of
    // here (503) with the event forgotten again: the retry gets another go. (A claim or resolve
    // that was written before the error answers `already` to the retry.) A retry is the same
    // body; the id alone is not enough, as Wildix gives a call's or a conference's successive
    // events (start, update, end, progress) the same id.
    const key = `${event.type}|${event.id}|${event.time}`;
    if (!(await this.deps.seen.firstSeen(key, event.type, this.deps.clock.now())))
      return this.logged(event, { outcome: 'duplicate' });
    let result: Result;
    try {
      result = await this.act(event);
    } catch (err) {
      await this.deps.seen.forget(key).catch(() => undefined);
      throw err;
    }
    return this.logged(event, result);
  }

  private logged(
    event: WildixEvent,
    result: { outcome: InboxOutcome; incidentId?: string },
  ): { outcome: InboxOutcome; incidentId?: string } {
    this.deps.logger.info('Wildix event', {
      eventId: event.id,
      type: event.type,
      outcome: result.outcome,
      incidentId: result.incidentId,
    });
    return result;
  }

  private act(event: Exclude<WildixEvent, { kind: 'other' | 'unread' }>): Promise<Result> {
    switch (event.kind) {
      case 'chat-action':
        return this.button(event);
      case 'chat-message':
        return this.reply(event);
      case 'call': {
        const rooms = new Set(this.rooms());
        const room = [event.destination, ...event.parties.filter((p) => p.role === 'callee').map((p) => p.phone)].find(
          (x) => x !== null && rooms.has(x),
        );
        const who =
          event.parties
            .map((p) => p.who)
            .filter((w) => w !== null)
            .join(' -> ') || null;
        return this.activity(room ?? null, event, who, event.status);
      }
      case 'conference':
        return this.conference(event);
    }
  }

  /**
   * A conference's events are its room's activity once its subject is known: a progress event
   * names it (and lets go of the joins held for it), a join names only the conference's id.
   */
  private async conference(event: ConferenceEvent): Promise<Result> {
    const id = event.conferenceId;
    let subject = event.subject;
    let released: ConferenceEvent[] = [];
    if (id !== null && subject !== null) released = this.conferences.learn(id, subject);
    if (id !== null && subject === null) {
      subject = this.conferences.subjectOf(id) ?? null;
      if (subject === null) {
        for (const join of this.conferences.hold(id, event, this.deps.clock.now()))
          this.unmatched(join, 'too many held');
        return { outcome: 'held' };
      }
    }
    const result = await this.inRoom(event, subject);
    for (const join of released) {
      // The progress event is done: a held join that cannot be written now is told, not retried.
      await this.inRoom(join, subject).then(
        (r) => this.logged(join, r),
        (err: unknown) => this.deps.logger.warn('held conference join not recorded', { eventId: join.id, err }),
      );
    }
    return result;
  }

  private inRoom(event: ConferenceEvent, subject: string | null): Promise<Result> {
    return this.activity(this.roomNamed(subject), event, event.participants.join(', ') || null, null);
  }

  private unmatched(join: ConferenceEvent, why: 'expired' | 'too many held'): void {
    this.deps.logger.info('conference join dropped: no conference:live:progress of its conference came in time', {
      eventId: join.id,
      why,
    });
  }

  private async button(
    event: Extract<WildixEvent, { kind: 'chat-action' }>,
  ): Promise<{ outcome: InboxOutcome; incidentId?: string }> {
    const pressed = parseActionId(event.actionId);
    const loop = this.deps.loop();
    if (!pressed || !loop) return { outcome: 'ignored' };
    const incident = await this.deps.incidents.find(pressed.alertId);
    // A press names its alert, and it must come from that alert's own conversation.
    const store = incident && this.deps.stores().get(incident.storeId);
    if (!incident || !store) return { outcome: 'unknown-alert' };
    if (store.xbees_channel_id !== event.channelId) return { outcome: 'unknown-channel', incidentId: incident.id };
    if (pressed.action.what === 'claim') {
      const r = await loop.claim(incident.id, event.user.display, 'chat');
      return {
        outcome:
          r.kind === 'claimed'
            ? 'claimed'
            : r.kind === 'already'
              ? 'already-claimed'
              : r.kind === 'closed'
                ? 'closed'
                : 'unknown-alert',
        incidentId: incident.id,
      };
    }
    const r = await loop.resolve(incident.id, pressed.action.outcome, event.user.display);
    return {
      outcome: r.kind === 'resolved' ? 'resolved' : r.kind === 'already' ? 'already-resolved' : 'unknown-alert',
      incidentId: incident.id,
    };
  }

  private async reply(
    event: Extract<WildixEvent, { kind: 'chat-message' }>,
  ): Promise<{ outcome: InboxOutcome; incidentId?: string }> {
    const stores = [...this.deps.stores().values()].filter((s) => s.xbees_channel_id === event.channelId);
    if (stores.length === 0) return { outcome: 'unknown-channel' };
    // The bridge's own messages come back as events too.
    if (event.user.bot || stores.some((s) => postingUserId(this.deps.identity, s) === event.user.id))
      return { outcome: 'own-message' };
    if (!this.deps.claimWords.matches(event.text)) return { outcome: 'not-a-claim' };
    const loop = this.deps.loop();
    if (!loop) return { outcome: 'ignored' };
    const r = await loop.claimOldestIn(
      stores.map((s) => s.audio_conf_id),
      event.user.display,
      'chat',
    );
    if (r.kind === 'nothing-open') return { outcome: 'nothing-open' };
    const outcome: InboxOutcome =
      r.kind === 'claimed'
        ? 'claimed'
        : r.kind === 'already'
          ? 'already-claimed'
          : r.kind === 'closed'
            ? 'closed'
            : 'unknown-alert';
    return r.kind === 'not-found' ? { outcome } : { outcome, incidentId: r.incident.id };
  }

  private async activity(
    room: string | null,
    event: WildixEvent,
    who: string | null,
    detail: string | null,
  ): Promise<{ outcome: InboxOutcome; incidentId?: string }> {
    if (room === null) return { outcome: 'no-incident' };
    const incident = await this.deps.incidents.latestInRoom(room, event.time, event.time - ACTIVITY_WINDOW_MS);
    if (!incident) return { outcome: 'no-incident' };
    await this.deps.incidents.recordActivity({
      incidentId: incident.id,
      at: event.time,
      kind: event.type,
      who,
      detail,
    });
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
