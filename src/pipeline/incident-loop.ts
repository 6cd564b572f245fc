import { alertVariables, type Alert, type StoreRoute } from './alert';
import type { ChatPoster, Clock } from './ports';
import type { SpeakOutcome, SpeakRequest } from './announcer';
import type { ClaimResult, ClaimVia, Incident, IncidentStore, Outcome, ResolveResult } from './incident';
import { incidentEvent, type EventSink } from './alert-event';
import { renderTemplate } from './template';

/** What is said in the conference when someone takes an incident. */
export const DEFAULT_CLAIMED_TEXT = '${by} is handling camera ${cameraId}';

export interface IncidentLoopDeps {
  incidents: IncidentStore;
  clock: Clock;
  stores: () => ReadonlyMap<string, StoreRoute>;
  alert: (id: string) => Alert | undefined;
  speak: (req: SpeakRequest) => Promise<SpeakOutcome>;
  chat: ChatPoster;
  muted?: (store: StoreRoute, now: number) => string | undefined;
  /** BRIDGE_REPEAT_S and BRIDGE_REPEAT_MAX (announcements in all, the first included). */
  repeatMs: number;
  repeatMax: number;
  alertText: string;
  claimedText: string;
  events?: EventSink;
  /** Tells logs and metrics what happened to an incident. */
  report?: (e: IncidentNews) => void;
}

export type IncidentNews =
  | { kind: 'announced'; incident: Incident; announcements: number }
  | { kind: 'unclaimed'; incident: Incident }
  | { kind: 'claimed'; incident: Incident }
  | { kind: 'told'; incident: Incident; heard: boolean; posted: boolean; error?: string }
  | { kind: 'resolved'; incident: Incident }
  | { kind: 'repeat-failed'; incident: Incident; error: string };

/**
 * Closes the loop on incidents: repeats an open incident every `repeatMs` until someone claims
 * it or it has been announced `repeatMax` times (then it is unclaimed), tells the conference
 * and the chat once who took it, and resolves it. Repeats go through the announcer's
 * conference queue, so they never talk over another announcement, and a claim that lands
 * while a repeat waits or renders cancels it. State lives in the journal: `resume()` picks the
 * schedule up after a restart, and claims an operator wrote while the daemon was down.
 */
export class IncidentLoop {
  private readonly timers = new Map<string, { cancel(): void }>();
  /** The call that last counted for each incident: one merged announcement counts once. */
  private readonly countedCall = new Map<string, number>();
  private readonly telling = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: IncidentLoopDeps) {}

  /** An alert's announcement was heard: its incident's count goes up, the next repeat is set. */
  announced(alertId: string, callId: number): void {
    const incident = this.deps.incidents.find(alertId);
    if (!incident || incident.state !== 'open' || this.countedCall.get(incident.id) === callId) return;
    this.countedCall.set(incident.id, callId);
    this.count(incident);
  }

  /** After a restart or an operator's change (SIGUSR2): repeats rescheduled, pending claims told. */
  resume(): void {
    for (const incident of this.deps.incidents.live()) {
      if (incident.state === 'claimed') {
        if (this.telling.has(incident.id)) continue;
        // Claimed outside this process (the CLI), or told only in part before a crash.
        this.cancelRepeat(incident.id);
        this.publish('alert.claimed', incident);
        this.deps.report?.({ kind: 'claimed', incident });
        this.tell(incident);
      }
      else if (incident.nextRepeatAt !== null && !this.timers.has(incident.id)) this.scheduleRepeat(incident.id, incident.nextRepeatAt);
    }
  }

  claim(ref: string, by: string, via: ClaimVia): ClaimResult {
    const found = this.deps.incidents.find(ref);
    if (!found) return { kind: 'not-found', ref };
    const result = this.deps.incidents.claim(found.id, by, via, this.deps.clock.now());
    if (result.kind === 'claimed') {
      this.cancelRepeat(found.id);
      this.publish('alert.claimed', result.incident);
      this.deps.report?.({ kind: 'claimed', incident: result.incident });
      this.tell(result.incident);
    }
    return result;
  }

  /** A key press in conference room `room`: the oldest open incident there. */
  claimInRoom(room: string, by: string, via: ClaimVia): ClaimResult | { kind: 'nothing-open'; room: string } {
    const oldest = this.deps.incidents.oldestOpenInRoom(room);
    return oldest ? this.claim(oldest.id, by, via) : { kind: 'nothing-open', room };
  }

  resolve(ref: string, outcome: Outcome, by: string | null): ResolveResult {
    const found = this.deps.incidents.find(ref);
    if (!found) return { kind: 'not-found', ref };
    const result = this.deps.incidents.resolve(found.id, outcome, by, this.deps.clock.now());
    if (result.kind === 'resolved') {
      this.cancelRepeat(found.id);
      this.publish('alert.resolved', result.incident);
      this.deps.report?.({ kind: 'resolved', incident: result.incident });
    }
    return result;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private count(incident: Incident): void {
    const now = this.deps.clock.now();
    const announcements = incident.announcements + 1;
    const last = announcements >= this.deps.repeatMax;
    const nextRepeatAt = last ? null : now + this.deps.repeatMs;
    this.deps.incidents.recordAnnouncement(incident.id, announcements, nextRepeatAt, last ? 'unclaimed' : 'open', now);
    const updated = this.deps.incidents.get(incident.id) ?? incident;
    this.deps.report?.({ kind: 'announced', incident: updated, announcements });
    if (last) {
      this.cancelRepeat(incident.id);
      if (updated.state === 'unclaimed') this.deps.report?.({ kind: 'unclaimed', incident: updated });
      return;
    }
    if (nextRepeatAt !== null) this.scheduleRepeat(incident.id, nextRepeatAt);
  }

  private scheduleRepeat(id: string, at: number): void {
    if (this.stopped) return;
    this.cancelRepeat(id);
    const timer = this.deps.clock.setTimeout(() => {
      this.timers.delete(id);
      this.track(this.repeat(id));
    }, Math.max(0, at - this.deps.clock.now()));
    this.timers.set(id, timer);
  }

  private cancelRepeat(id: string): void {
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
  }

  private async repeat(id: string): Promise<void> {
    const incident = this.deps.incidents.get(id);
    if (!incident || incident.state !== 'open') return;
    const store = this.deps.stores().get(incident.storeId);
    const alert = this.deps.alert(incident.lastAlertId);
    if (!store || !alert) return;
    if (this.deps.muted?.(store, this.deps.clock.now()) !== undefined) {
      // Quiet: this repeat is not said and not counted; the next one is tried in turn.
      return this.scheduleRepeat(id, this.deps.clock.now() + this.deps.repeatMs);
    }
    const text = renderTemplate(this.deps.alertText, alertVariables(alert, store));
    const stillOpen = () => !this.stopped && this.deps.incidents.get(id)?.state === 'open';
    try {
      const outcome = await this.deps.speak({ alert, store, text, stillWanted: stillOpen });
      const now = this.deps.incidents.get(id);
      if (outcome.kind === 'played' && now?.state === 'open') {
        this.countedCall.set(id, outcome.callId);
        this.count(now);
      }
    } catch (err) {
      if (this.stopped) return;
      this.deps.report?.({ kind: 'repeat-failed', incident, error: err instanceof Error ? err.message : String(err) });
      this.scheduleRepeat(id, this.deps.clock.now() + this.deps.repeatMs);
    }
  }

  /** Once per claim: the conference hears who took it, the chat gets a line; then it is told. */
  private tell(incident: Incident): void {
    if (this.telling.has(incident.id) || this.stopped) return;
    this.telling.add(incident.id);
    this.track((async () => {
      const store = this.deps.stores().get(incident.storeId);
      const alert = this.deps.alert(incident.lastAlertId);
      try {
        if (!store || !alert) return;
        const by = incident.claimedBy ?? 'someone';
        const text = renderTemplate(this.deps.claimedText, { ...alertVariables(alert, store), by });
        const [heard, posted] = await Promise.allSettled([
          this.deps.speak({ alert, store, text, stillWanted: () => !this.stopped }),
          this.deps.chat.postText(store, claimLine(incident, by)),
        ]);
        if (this.stopped) return; // not told yet: the next start tells it
        const error = [heard, posted].flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error)?.message ?? r.reason)] : [])).join('; ');
        this.deps.incidents.markTold(incident.id, this.deps.clock.now());
        this.deps.report?.({
          kind: 'told', incident,
          heard: heard.status === 'fulfilled' && heard.value.kind === 'played', posted: posted.status === 'fulfilled',
          ...(error ? { error } : {}),
        });
      } finally {
        this.telling.delete(incident.id);
      }
    })());
  }

  private publish(type: 'alert.claimed' | 'alert.resolved', incident: Incident): void {
    const alert = this.deps.alert(incident.firstAlertId);
    if (!alert || !this.deps.events) return;
    this.deps.events.recordEvent(incidentEvent(type, alert, this.deps.stores().get(incident.storeId), incident, this.deps.clock.now()));
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}

/** "Anna is on it (14 s after the alert)" */
function claimLine(incident: Incident, by: string): string {
  const after = incident.claimedAt !== null ? ` (${Math.max(0, Math.round((incident.claimedAt - incident.openedAt) / 1000))} s after the alert)` : '';
  return `${by} is on it: camera ${incident.cameraId}${after}`;
}
