import { alertVariables, type Alert, type StoreRoute } from './alert';
import type { Clock, StepCall } from './ports';
import { claimedLine, escalatedLine, resolvedLine, unheardLine, type FollowUpKind, type FollowUps } from './follow-up';
import { DEFAULT_SUMMARY_TEXT, type SpeakOutcome, type SpeakRequest } from './announcer';
import { cameraList, sentencesFor, type Sentences } from './sentences';
import type { Awaitable, ClaimResult, ClaimVia, Incident, IncidentStore, Outcome, ResolveResult } from './incident';
import { incidentEvent, type EventSink, type IncidentEventType } from './alert-event';
import { renderTemplate } from './template';

/** How long an incident whose repeats ran out can still be claimed by a key press. */
const UNCLAIMED_CLAIMABLE_MS = 10 * 60_000;

/** How often a repeat looks again for its alert's own announcement still under way past the expiry. */
const PENDING_RECHECK_MS = 1_000;

/** An unclaimed incident whose escalation was cut short is called again only this soon after it opened. */
const ESCALATION_RESUMABLE_MS = 60 * 60_000;

/** What is said in the conference when someone takes an incident. */
export const DEFAULT_CLAIMED_TEXT = '${by} is handling camera ${cameraId}';

export interface IncidentLoopDeps {
  incidents: IncidentStore;
  clock: Clock;
  stores: () => ReadonlyMap<string, StoreRoute>;
  alert: (id: string) => Awaitable<Alert | undefined>;
  speak: (req: SpeakRequest) => Promise<SpeakOutcome>;
  /** The store's conversation gets one line per change (claimed, resolved, escalated). */
  followUps?: FollowUps;
  muted?: (store: StoreRoute, now: number) => string | undefined;
  /** BRIDGE_REPEAT_S and BRIDGE_REPEAT_MAX (announcements in all, the first included). */
  repeatMs: number;
  repeatMax: number;
  /**
   * BRIDGE_ANNOUNCE_EXPIRE_S: no announcement of an incident is attempted this long after its
   * last alert; then it ends, unheard when none could be placed. Default: never.
   */
  expireMs?: number;
  /**
   * Whether the PBX repeats this store's announcements itself (x-hoppers Smart Notifications, until
   * a headset accepts or BRIDGE_ESCALATE_AFTER_S passes): the bridge then places no repeats there.
   */
  repeatsOnPbx?: (store: StoreRoute) => boolean;
  /** Whether the PBX was seen answering the call of this token (a repeat in flight when its daemon died). */
  answeredOnPbx?: (callToken: string) => boolean | undefined;
  alertText: string;
  /** Several incidents of one room due together: one sentence (`${count}`, `${cameras}`). */
  summaryText?: string;
  claimedText: string;
  events?: EventSink;
  /** Tells logs and metrics what happened to an incident. */
  report?: (e: IncidentNews) => void;
  /** BRIDGE_ESCALATE_AFTER_S: an incident still open this long after its alert is escalated. */
  escalateAfterMs?: number;
  /** Told about an error in background incident work (a journal write failing): it is logged, the daemon goes on. */
  onError?: (err: unknown) => void;
  /** Calls one person of the store's escalation list with the announcement; never throws. */
  callPerson?: (channel: string, req: EscalationCall) => Promise<{ answered: true } | { answered: false; why: string }>;
  /**
   * On a shared journal: whether this daemon holds the conference `room` (default: always).
   * Repeats, escalations, key presses and telling the room happen on its holder only; a claim
   * taken elsewhere reaches the holder through its journal rescan (resume).
   */
  owns?: (room: string) => boolean;
  /**
   * On a shared journal resume() runs at each notification of every daemon's commits: at most
   * once per this many ms (the last call is never dropped). Default: every call runs.
   */
  resumeEveryMs?: number;
}

/** What an escalation call carries: the alert's sentence, and the room a key press claims in. */
export interface EscalationCall {
  incidentId: string;
  alert: Alert;
  store: StoreRoute;
  text: string;
  room: string;
}

export type IncidentNews =
  | { kind: 'announced'; incident: Incident; announcements: number }
  | { kind: 'unclaimed'; incident: Incident }
  | { kind: 'unheard'; incident: Incident; why: string }
  | { kind: 'claimed'; incident: Incident }
  | { kind: 'told'; incident: Incident; heard: boolean; error?: string }
  | { kind: 'resolved'; incident: Incident }
  | { kind: 'repeat-failed'; incident: Incident; error: string }
  | {
      kind: 'escalated';
      incident: Incident;
      outcome: 'answered' | 'nobody-answered' | 'no-list' | 'taken';
      to: string | null;
      note: string;
    };

/**
 * Closes the loop on incidents: repeats an open incident every `repeatMs` until someone claims
 * it or it has been announced `repeatMax` times (then it is unclaimed), tells the conference
 * and the chat once who took it, and resolves it. Repeats go through the announcer's
 * conference queue, so they never talk over another announcement, and a claim that lands
 * while a repeat waits or renders cancels it. State lives in the journal: `resume()` picks the
 * schedule up after a restart, after a takeover, and claims made by an operator or another daemon.
 */
export class IncidentLoop {
  private readonly timers = new Map<string, { cancel(): void }>();
  /** The call that last counted for each incident: one merged announcement counts once. */
  private readonly countedCall = new Map<string, string>();
  /** Incidents whose repeat failed: reported once, not at every attempt. */
  private readonly failedRepeat = new Set<string>();
  /** Alerts whose heard announcement is being counted (their incident not looked up yet). */
  private readonly arriving = new Map<string, number>();
  private readonly telling = new Set<string>();
  private readonly escalationTimers = new Map<string, { cancel(): void }>();
  /** Repeats and escalations under way (their timer is gone): a resume must not start them again. */
  private readonly busy = new Set<string>();
  /** Incidents known here to be claimed or resolved: a repeat waiting its turn is no longer wanted. */
  private readonly settled = new Set<string>();
  /** One change of an incident's count at a time (its announcement and a repeat may end together). */
  private readonly counting = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private resuming: Promise<void> | undefined;
  private resumeAgain = false;
  private lastResumeAt = -Infinity;
  private resumeTimer: { cancel(): void } | undefined;
  private stopped = false;

  constructor(private readonly deps: IncidentLoopDeps) {}

  /** Whether this daemon does the incident work of conference `room` (always, on its own journal). */
  hears(room: string): boolean {
    return this.deps.owns?.(room) ?? true;
  }

  /**
   * An alert's announcement was heard (here, or before a restart or a takeover): its incident's
   * count goes up once per call, the next repeat is set. Settles once counted (never rejects).
   */
  announced(alertId: string, callToken: string): Promise<void> {
    // Known at once, before the journal is asked which incident it is: a repeat or an ending due
    // meanwhile waits for this count instead of acting on the count before it.
    this.arriving.set(alertId, (this.arriving.get(alertId) ?? 0) + 1);
    const work = (async () => {
      const incident = await this.deps.incidents.find(alertId);
      if (
        incident?.state !== 'open' ||
        this.countedCall.get(incident.id) === callToken ||
        incident.lastCall === callToken
      )
        return;
      this.countedCall.set(incident.id, callToken);
      await this.count(incident.id, true, incident, callToken);
    })();
    const done = work.finally(() => {
      const left = (this.arriving.get(alertId) ?? 1) - 1;
      if (left > 0) this.arriving.set(alertId, left);
      else this.arriving.delete(alertId);
    });
    this.track(done);
    return done.catch(() => undefined);
  }

  /**
   * A new incident: its repeat schedule and its escalation start now, whatever becomes of its
   * first announcement (muted, dropped, an empty room): no incident is left open with nothing
   * due. A played announcement moves the next repeat to a full interval after it. Never throws:
   * the alert is already journaled, and its steps must start (and its 200 go out) even when this
   * bookkeeping cannot be written (a full disk).
   */
  opened(alertId: string): void {
    // Shared journal: its schedule was written with it, and the next resume (within a second)
    // starts it; no query per alert.
    if (this.deps.resumeEveryMs !== undefined) return this.track(this.resume());
    this.track(
      (async () => {
        const incident = await this.deps.incidents.find(alertId);
        if (incident?.state !== 'open' || incident.announcements > 0 || incident.firstAlertId !== alertId) return;
        if (!this.hears(incident.room)) return; // the conference's holder picks it up from the journal
        // Written with the alert (one commit per acknowledgement, not two); older rows get it here.
        let next = incident.nextRepeatAt;
        if (next === null) {
          next = this.deps.clock.now() + this.deps.repeatMs;
          try {
            await this.deps.incidents.recordAnnouncement(incident.id, 0, next, 'open', this.deps.clock.now());
          } catch (err) {
            this.deps.onError?.(err); // the schedule still runs here; only a restart would lose the repeat time
          }
        }
        this.scheduleRepeat(incident.id, next);
        this.scheduleEscalation(incident);
      })(),
    );
  }

  /**
   * After a restart, a takeover or an operator's change (SIGUSR2): repeats rescheduled, claims
   * made elsewhere told. Calls arriving while one runs are folded into one more run.
   */
  resume(): Promise<void> {
    const every = this.deps.resumeEveryMs;
    if (every !== undefined && !this.resuming) {
      const wait = this.lastResumeAt + every - this.deps.clock.now();
      if (wait > 0) {
        // Soon, once: the calls meanwhile are one run.
        this.resumeTimer ??= this.deps.clock.setTimeout(() => {
          this.resumeTimer = undefined;
          if (!this.stopped) this.track(this.resume());
        }, wait);
        return Promise.resolve();
      }
    }
    if (this.resuming) {
      this.resumeAgain = true;
      return this.resuming;
    }
    const run = async () => {
      do {
        this.resumeAgain = false;
        this.lastResumeAt = this.deps.clock.now();
        await this.resumeOnce();
      } while (this.resumeAgain && !this.stopped && this.deps.resumeEveryMs === undefined);
    };
    this.resuming = run().finally(() => {
      this.resuming = undefined;
      if (this.resumeAgain && !this.stopped) {
        this.resumeAgain = false;
        this.track(this.resume()); // asked for after the last run had read the journal (throttled, on a shared one)
      }
    });
    return this.resuming;
  }

  private async resumeOnce(): Promise<void> {
    const live = await this.deps.incidents.live();
    const open = new Set(live.filter((i) => i.state === 'open').map((i) => i.id));
    // Resolved or claimed meanwhile (by another daemon, or the CLI): their repeats are off, a repeat
    // waiting its turn too. (One opened since the list was read is not in it: its state is read again.)
    const repeating = [...this.busy].filter((k) => k.startsWith('repeat/')).map((k) => k.slice('repeat/'.length));
    for (const id of new Set([...this.timers.keys(), ...repeating])) {
      if (open.has(id)) continue;
      const now = await this.deps.incidents.get(id);
      if (now && now.state !== 'open') this.settle(id);
    }
    for (const incident of live) {
      if (!this.hears(incident.room)) continue;
      if (incident.state === 'unclaimed' || incident.state === 'unheard') {
        // Its repeats ran out and its escalation list was being called (or about to be) when its
        // daemon stopped or died: called now, unless it is old news.
        if (
          incident.openedAt >= this.deps.clock.now() - ESCALATION_RESUMABLE_MS &&
          !this.busy.has(`escalate/${incident.id}`)
        ) {
          this.track(
            this.escalate(
              incident.id,
              'unclaimed; resumed after a restart or a takeover',
              incident.escalatedAt !== null,
            ),
          );
        }
        continue;
      }
      if (incident.state === 'claimed') {
        // Claimed outside this process (the CLI, another daemon), or told only in part before a crash.
        if (!this.telling.has(incident.id)) this.onClaimed(incident, 'elsewhere');
        continue;
      }
      const repeating = this.timers.has(incident.id) || this.busy.has(`repeat/${incident.id}`);
      // A call that already counted (its answer written after the count) is no call in flight.
      const call = incident.call && incident.call.token !== incident.lastCall ? incident.call : null;
      if (call && !repeating && this.heardBefore(call)) {
        // A repeat answered before a restart or a takeover: it counts (and sets the next one).
        // One incident's write failing must not leave the ones after it with nothing scheduled.
        this.busy.add(`repeat/${incident.id}`);
        await this.count(incident.id, true, undefined, call.token)
          .catch((err: unknown) => {
            this.deps.onError?.(err);
            this.scheduleRepeat(incident.id, this.deps.clock.now() + this.deps.repeatMs);
          })
          .finally(() => this.busy.delete(`repeat/${incident.id}`));
      } else if (incident.nextRepeatAt !== null && !repeating) {
        // A repeat placed by another daemon (its conference just came here) whose answer is not
        // known yet: once it is, it counts here; until then another repeat would say it twice.
        const placedElsewhere = call !== null && call.state === 'calling';
        this.scheduleRepeat(
          incident.id,
          placedElsewhere
            ? Math.max(incident.nextRepeatAt, this.deps.clock.now() + this.deps.repeatMs)
            : incident.nextRepeatAt,
        );
      }
      if (incident.escalatedAt !== null && incident.escalationNote === null) {
        // Stopped or crashed while calling the list: the calls go on where they were.
        if (!this.busy.has(`escalate/${incident.id}`))
          this.track(this.escalate(incident.id, 'resumed after a restart', true));
      } else {
        this.scheduleEscalation(incident);
      }
    }
  }

  /**
   * Nobody can hear it (the room is empty) or nobody took it in time: the store's escalation
   * list is called, one after the other, until someone answers; that person can press 1 to
   * claim. Once per incident. No list: logged and reported as unheard.
   */
  escalateNow(ref: string, why: string): void {
    this.track(
      (async () => {
        const incident = await this.deps.incidents.find(ref);
        if (incident) await this.escalate(incident.id, why);
      })(),
    );
  }

  /** One accept for several alerts (a summary notification): each of their incidents, once. */
  async claimAll(refs: readonly string[], by: string, via: ClaimVia): Promise<ClaimResult[]> {
    const found = await Promise.all([...new Set(refs)].map((ref) => this.deps.incidents.find(ref)));
    const ids = [...new Set(found.filter((i): i is Incident => i !== undefined).map((i) => i.id))];
    const results: ClaimResult[] = [];
    for (const id of ids) results.push(await this.claim(id, by, via));
    return results;
  }

  async claim(ref: string, by: string, via: ClaimVia): Promise<ClaimResult> {
    const found = await this.deps.incidents.find(ref);
    if (!found) return { kind: 'not-found', ref };
    const result = await this.deps.incidents.claim(found.id, by, via, this.deps.clock.now());
    if (result.kind === 'claimed') this.onClaimed(result.incident, 'here');
    return result;
  }

  /**
   * A claim: nothing more is repeated or escalated, everyone is told once. The claim's event,
   * follow-up and news come from where it was made (`here`); the conference hears it from its
   * holder, who finds a claim made elsewhere in the journal.
   */
  private onClaimed(incident: Incident, where: 'here' | 'elsewhere'): void {
    this.settle(incident.id);
    if (where === 'here') {
      this.publish('alert.claimed', incident);
      this.followUp(incident, 'claimed', claimedLine(incident));
    }
    // An operator's claim (the CLI wrote its event and follow-up) is news where it is found.
    if (where === 'here' || incident.claimedVia === 'cli') this.deps.report?.({ kind: 'claimed', incident });
    if (this.hears(incident.room)) this.tell(incident);
  }

  /** A key press in conference room `room`: the oldest open incident there. */
  async claimInRoom(
    room: string,
    by: string,
    via: ClaimVia,
  ): Promise<ClaimResult | { kind: 'nothing-open'; room: string }> {
    const result = await this.claimOldestIn([room], by, via);
    return result.kind === 'nothing-open' ? { kind: 'nothing-open', room } : result;
  }

  /** A reply in a store's conversation: the oldest open incident of its rooms (a channel may serve several stores). */
  async claimOldestIn(
    rooms: readonly string[],
    by: string,
    via: ClaimVia,
  ): Promise<ClaimResult | { kind: 'nothing-open' }> {
    // An unclaimed incident stays claimable for a while: the escalated person may press 1.
    const since = this.deps.clock.now() - UNCLAIMED_CLAIMABLE_MS;
    const found = await Promise.all(rooms.map((room) => this.deps.incidents.oldestOpenInRoom(room, since)));
    const oldest = found.filter((i): i is Incident => i !== undefined).sort((a, b) => a.openedAt - b.openedAt)[0];
    return oldest ? this.claim(oldest.id, by, via) : { kind: 'nothing-open' };
  }

  async resolve(ref: string, outcome: Outcome, by: string | null): Promise<ResolveResult> {
    const found = await this.deps.incidents.find(ref);
    if (!found) return { kind: 'not-found', ref };
    const result = await this.deps.incidents.resolve(found.id, outcome, by, this.deps.clock.now());
    if (result.kind === 'resolved') {
      this.settle(found.id);
      this.publish('alert.resolved', result.incident);
      this.followUp(result.incident, 'resolved', resolvedLine(result.incident));
      this.deps.report?.({ kind: 'resolved', incident: result.incident });
    }
    return result;
  }

  /**
   * Housekeeping: a claimed incident nobody resolved since before `cutoff` is closed with the
   * outcome `no-outcome`. Returns how many.
   */
  async closeUnresolved(cutoff: number): Promise<number> {
    let closed = 0;
    for (const incident of await this.deps.incidents.claimedBefore(cutoff)) {
      if ((await this.resolve(incident.id, 'no-outcome', null)).kind === 'resolved') closed++;
    }
    return closed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resumeTimer?.cancel();
    for (const t of [...this.timers.values(), ...this.escalationTimers.values()]) t.cancel();
    this.timers.clear();
    this.escalationTimers.clear();
    await Promise.allSettled([...this.inFlight, this.resuming]);
  }

  /** Taken or closed: its repeat and its escalation are off, a repeat waiting its turn is dropped. */
  private settle(id: string): void {
    this.cancelRepeat(id);
    this.cancelEscalation(id);
    this.forget(id);
    this.settled.add(id);
    if (this.settled.size > 10_000) this.settled.delete(this.settled.values().next().value as string); // the oldest
  }

  /** What is kept in memory for an incident that no longer repeats. */
  private forget(id: string): void {
    this.countedCall.delete(id);
    this.failedRepeat.delete(id);
  }

  /** Whether a call found in flight on an incident was heard (recorded as answered, or seen answered on the PBX). */
  private heardBefore(call: StepCall): boolean {
    return call.state === 'answered' || this.deps.answeredOnPbx?.(call.token) === true;
  }

  /**
   * One more announcement turn (`heard`: said, not skipped for quiet hours or a silence).
   * `callToken`: the call that was heard, counted once whoever reports it.
   */
  private count(id: string, heard = true, fresh?: Incident, callToken?: string): Promise<void> {
    // Just read, and no other count of it queued: no need to read it again.
    const known = this.counting.has(id) ? undefined : fresh;
    return this.serially(id, () => this.countNow(id, heard, known, callToken));
  }

  /** One change of an incident's count or end at a time, in the order asked. */
  private serially(id: string, work: () => Promise<void>): Promise<void> {
    const turn = (this.counting.get(id) ?? Promise.resolve()).then(work);
    const tail = turn.catch(() => undefined);
    this.counting.set(id, tail);
    void tail.then(() => this.counting.get(id) === tail && this.counting.delete(id));
    return turn;
  }

  private async countNow(id: string, heard: boolean, known?: Incident, callToken?: string): Promise<void> {
    const incident = known ?? (await this.deps.incidents.get(id));
    if (incident?.state !== 'open' || (callToken !== undefined && incident.lastCall === callToken)) return;
    this.scheduleEscalation(incident);
    const now = this.deps.clock.now();
    const announcements = incident.announcements + 1;
    const onPbx = this.repeatsOnPbx(incident);
    const last = !onPbx && announcements >= this.deps.repeatMax;
    // Repeated by x-hoppers: the next look is when it stops waiting for an accept.
    const nextRepeatAt = last ? null : onPbx ? Math.max(now, this.pbxRepeatsEndAt(incident)) : now + this.deps.repeatMs;
    const applied = await this.deps.incidents.recordAnnouncement(
      id,
      announcements,
      nextRepeatAt,
      last ? 'unclaimed' : 'open',
      now,
      callToken,
    );
    // Claimed meanwhile, or this call counted already (by a daemon before a restart): read what it is now.
    const updated: Incident = applied
      ? {
          ...incident,
          announcements,
          nextRepeatAt,
          state: last ? 'unclaimed' : 'open',
          lastCall: callToken ?? incident.lastCall,
          call: null,
        }
      : ((await this.deps.incidents.get(id)) ?? incident);
    if (!applied && callToken !== undefined && updated.lastCall === callToken) return;
    this.failedRepeat.delete(id); // heard again: a later failure is news again
    if (heard) this.deps.report?.({ kind: 'announced', incident: updated, announcements });
    if (last) {
      this.cancelRepeat(id);
      this.forget(id);
      if (updated.state === 'unclaimed') {
        this.deps.report?.({ kind: 'unclaimed', incident: updated });
        // Repeats ran out with nobody taking it: the escalation list is called now.
        this.track(this.escalate(id, `unclaimed after ${announcements} announcements`));
      }
      return;
    }
    if (nextRepeatAt !== null && updated.state === 'open') this.scheduleRepeat(id, nextRepeatAt);
  }

  private scheduleRepeat(id: string, at: number): void {
    if (this.stopped) return;
    this.cancelRepeat(id);
    const timer = this.deps.clock.setTimeout(
      () => {
        this.timers.delete(id);
        // A repeat of it is already under way (set going before a count moved the schedule): that
        // one counts and sets the next; a second now would say it twice.
        if (this.busy.has(`repeat/${id}`)) return;
        this.busy.add(`repeat/${id}`);
        this.track(this.repeat(id).finally(() => this.busy.delete(`repeat/${id}`)));
      },
      Math.max(0, at - this.deps.clock.now()),
    );
    this.timers.set(id, timer);
  }

  private cancelEscalation(id: string): void {
    this.escalationTimers.get(id)?.cancel();
    this.escalationTimers.delete(id);
  }

  private cancelRepeat(id: string): void {
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
  }

  private async repeat(id: string): Promise<void> {
    const incident = await this.deps.incidents.get(id);
    // Its conference went to another daemon meanwhile: the holder repeats it from the journal.
    if (incident?.state !== 'open' || !this.hears(incident.room)) return;
    const store = this.deps.stores().get(incident.storeId);
    const alert = await this.deps.alert(incident.lastAlertId);
    if (!store || !alert) return;
    const now = this.deps.clock.now();
    if (this.arriving.has(incident.lastAlertId) || this.arriving.has(incident.firstAlertId)) {
      // Its announcement is being counted right now: that count sets the next repeat.
      return this.scheduleRepeat(id, now + PENDING_RECHECK_MS);
    }
    if (this.deps.repeatsOnPbx?.(store)) {
      // x-hoppers repeats it on the headsets until one accepts: the bridge places none of its own,
      // and once x-hoppers stops waiting, the incident ends untaken and is escalated.
      const endAt = this.pbxRepeatsEndAt(incident);
      if (now < endAt) return this.scheduleRepeat(id, endAt);
      return this.giveUp(
        incident,
        `not accepted on a headset within ${Math.round((endAt - incident.openedAt) / 1000)} s`,
      );
    }
    const expiresAt = this.expiresAt(incident);
    if (await this.deps.incidents.announcePending(id)) {
      // Its alert's own announcement has not ended (queued behind others, retrying, or a call a
      // dead daemon left): that is this turn, and a repeat now would say it twice. Counted, it
      // sets the next repeat; given up, this one goes on.
      return this.scheduleRepeat(
        id,
        now >= expiresAt ? now + PENDING_RECHECK_MS : Math.min(now + this.deps.repeatMs, expiresAt),
      );
    }
    if (now >= expiresAt)
      return this.giveUp(
        incident,
        `could not be placed within ${Math.round((this.deps.expireMs ?? 0) / 1000)} s of its alert`,
      );
    if (this.deps.muted?.(store, now) !== undefined) {
      // Quiet: not said, but it uses up its turn, so an alert from the middle of the night is
      // never announced hours later when the quiet hours end.
      return this.count(id, false);
    }
    // One sentence per conference: the other open incidents of this room due within half an
    // interval are said with this one (and their own repeat is this one).
    const live = await this.deps.incidents.live();
    const due = live.filter(
      (i) =>
        i.id !== id &&
        i.state === 'open' &&
        i.room === incident.room &&
        i.storeId === incident.storeId &&
        i.nextRepeatAt !== null &&
        i.nextRepeatAt <= now + this.deps.repeatMs / 2 &&
        now < this.expiresAt(i) &&
        !this.busy.has(`repeat/${i.id}`),
    );
    // Not one whose own first announcement still waits its turn: that one will say it.
    const pending = await Promise.all(due.map((i) => this.deps.incidents.announcePending(i.id)));
    const others = due.filter((i, n) => !pending[n] && !this.busy.has(`repeat/${i.id}`));
    for (const o of others) {
      this.cancelRepeat(o.id);
      this.busy.add(`repeat/${o.id}`);
    }
    const group = [incident, ...others];
    const ids = group.map((i) => i.id);
    const cameras = [...new Set(group.map((i) => i.cameraId))];
    const says = this.sentences(store);
    const vars = {
      ...alertVariables(alert, store),
      count: String(cameras.length),
      cameras: cameraList(cameras, says.and),
    };
    const text = renderTemplate(cameras.length > 1 ? says.summary : says.single, vars);
    const stillOpen = async () => {
      const now = await Promise.all(group.map((i) => this.deps.incidents.get(i.id)));
      return now.filter((i): i is Incident => i?.state === 'open');
    };
    try {
      const outcome = await this.deps.speak({
        alert,
        store,
        text,
        alertIds: group.map((i) => i.lastAlertId),
        stillWanted: () => !this.stopped && this.hears(incident.room) && group.some((i) => !this.settled.has(i.id)),
        // Journaled before the call is placed, and again once answered: a restart or a takeover
        // counts a repeat that was heard instead of saying it again.
        calling: (token) =>
          Promise.resolve().then(() => this.deps.incidents.recordCall(ids, { token, state: 'calling', channel: null })),
        // Never throws into the call: a journal that cannot take it now leaves the repeat to be placed again after a restart.
        answered: (channel, token) =>
          void Promise.resolve()
            .then(() => this.deps.incidents.recordCall(ids, { token, state: 'answered', channel }))
            .catch((err: unknown) => this.deps.onError?.(err)),
      });
      if (outcome.kind === 'played') {
        for (const i of await stillOpen()) {
          this.countedCall.set(i.id, outcome.callToken);
          await this.count(i.id, true, undefined, outcome.callToken);
        }
      }
    } catch (err) {
      if (this.stopped) return;
      // Once per incident, not at every attempt; tried again while it can still help.
      if (!this.failedRepeat.has(id))
        this.deps.report?.({
          kind: 'repeat-failed',
          incident,
          error: err instanceof Error ? err.message : String(err),
        });
      this.failedRepeat.add(id);
      // Not heard (it ended early, or was never answered): a restart must not count it.
      await Promise.resolve()
        .then(() => this.deps.incidents.recordCall(ids, null))
        .catch((e: unknown) => this.deps.onError?.(e));
      for (const i of await stillOpen())
        this.scheduleRepeat(i.id, Math.min(this.deps.clock.now() + this.deps.repeatMs, this.expiresAt(i)));
    } finally {
      for (const o of others) this.busy.delete(`repeat/${o.id}`);
    }
  }

  private repeatsOnPbx(incident: Incident): boolean {
    const store = this.deps.stores().get(incident.storeId);
    return store !== undefined && this.deps.repeatsOnPbx?.(store) === true;
  }

  /** When x-hoppers stops waiting for a headset to accept (its confirmation timeout is BRIDGE_ESCALATE_AFTER_S). */
  private pbxRepeatsEndAt(incident: Incident): number {
    return incident.openedAt + (this.deps.escalateAfterMs ?? this.deps.repeatMs * this.deps.repeatMax);
  }

  /** When an incident's announcements stop being worth attempting: BRIDGE_ANNOUNCE_EXPIRE_S after its last alert. */
  private expiresAt(incident: Incident): number {
    return this.deps.expireMs === undefined ? Infinity : incident.lastAlertAt + this.deps.expireMs;
  }

  /**
   * Its announcements expired with turns left: nothing more is attempted. Heard at least once, it
   * is unclaimed; never heard, it is unheard: integrations and the store's chat are told that the
   * headsets did not hear it. Either way its escalation list is called.
   */
  private giveUp(seen: Incident, why: string): Promise<void> {
    // After any count of it under way, on what the journal says then: a count that landed
    // meanwhile makes a heard incident, never an unheard one.
    return this.serially(seen.id, async () => {
      const incident = await this.deps.incidents.get(seen.id);
      if (incident?.state === 'open') await this.giveUpNow(incident, why);
    });
  }

  private async giveUpNow(incident: Incident, why: string): Promise<void> {
    const heard = incident.announcements > 0;
    const state = heard ? 'unclaimed' : 'unheard';
    const now = this.deps.clock.now();
    if (!(await this.deps.incidents.recordAnnouncement(incident.id, incident.announcements, null, state, now))) return; // taken meanwhile
    this.cancelRepeat(incident.id);
    this.forget(incident.id);
    const ended: Incident = { ...incident, state, nextRepeatAt: null, call: null };
    if (heard) {
      this.deps.report?.({ kind: 'unclaimed', incident: ended });
      this.track(this.escalate(incident.id, `unclaimed: ${why}`));
      return;
    }
    this.deps.report?.({ kind: 'unheard', incident: ended, why });
    this.publish('alert.unheard', ended);
    this.followUp(ended, 'unheard', unheardLine(ended));
    this.track(this.escalate(incident.id, `unheard: ${why}`));
  }

  private scheduleEscalation(incident: Incident): void {
    const after = this.deps.escalateAfterMs;
    if (after === undefined || this.stopped || incident.escalatedAt !== null || this.escalationTimers.has(incident.id))
      return;
    const timer = this.deps.clock.setTimeout(
      () => {
        this.escalationTimers.delete(incident.id);
        this.track(this.escalate(incident.id, `still open ${Math.round(after / 1000)} s after its alert`));
      },
      Math.max(0, incident.openedAt + after - this.deps.clock.now()),
    );
    this.escalationTimers.set(incident.id, timer);
  }

  private async escalate(id: string, why: string, resumed = false): Promise<void> {
    this.cancelEscalation(id);
    const key = `escalate/${id}`;
    if (this.stopped || this.busy.has(key)) return;
    this.busy.add(key); // before the first await: a resume meanwhile must not start it twice
    try {
      const incident = await this.deps.incidents.get(id);
      if (!incident || !this.hears(incident.room)) return;
      // Resumed from a list read before an escalation here ended: only one still under way goes on.
      if (resumed && (incident.escalatedAt === null || incident.escalationNote !== null)) return;
      if (!resumed && !(await this.deps.incidents.startEscalation(id, this.deps.clock.now()))) return; // taken, closed, or done before
      await this.callTheList(id, why);
    } finally {
      this.busy.delete(key);
    }
  }

  private async callTheList(id: string, why: string): Promise<void> {
    const incident = (await this.deps.incidents.get(id)) as Incident; // just marked
    const store = this.deps.stores().get(incident.storeId);
    const alert = await this.deps.alert(incident.lastAlertId);
    const list = store?.escalation ?? [];
    const called: string[] = [];
    const finish = async (
      outcome: 'answered' | 'nobody-answered' | 'no-list' | 'taken',
      to: string | null,
      note: string,
    ) => {
      await this.deps.incidents.finishEscalation(id, to, note, this.deps.clock.now());
      const done = (await this.deps.incidents.get(id)) ?? incident;
      // Unheard with nobody to call: its own event and chat line said it all; the note keeps why.
      const nothingNew = incident.state === 'unheard' && outcome === 'no-list';
      if (!nothingNew) this.publish('alert.escalated', done);
      // Taken meanwhile: the claim's own follow-up says who.
      if (outcome !== 'taken' && !nothingNew)
        this.followUp(
          done,
          'escalated',
          escalatedLine(
            outcome === 'no-list' && list.length > 0 ? 'not-called' : outcome,
            store,
            to,
            called,
            done.cameraId,
          ),
        );
      this.deps.report?.({ kind: 'escalated', incident: done, outcome, to, note });
    };
    if (!store || !alert || list.length === 0 || !this.deps.callPerson) {
      // Logged and counted as unheard either way; the note (and the chat) says which.
      const reason =
        list.length === 0
          ? 'no escalation list for this store in x-hoppers.json'
          : !this.deps.callPerson
            ? 'no AMI connection configured to call the list with'
            : 'the alert is no longer in the journal';
      return finish('no-list', null, `${why}; ${reason}: nobody was called`);
    }
    const text = renderTemplate(this.sentences(store).single, alertVariables(alert, store));
    const tried: string[] = [];
    for (const channel of list) {
      // Stopping, or its conference went to another daemon: not finished, whoever resumes calls on.
      if (this.stopped || !this.hears(incident.room)) return;
      const now = (await this.deps.incidents.get(id))?.state;
      if (now === 'claimed' || now === 'resolved')
        return finish(
          'taken',
          null,
          `${why}; taken (${now}) while calling, so the calls stopped (${tried.join('; ') || 'nobody called yet'})`,
        );
      called.push(channel);
      const result = await this.deps.callPerson(channel, { incidentId: id, alert, store, text, room: incident.room });
      if (result.answered)
        return finish(
          'answered',
          channel,
          `${why}; answered by ${channel}${tried.length ? ` after ${tried.join('; ')}` : ''}`,
        );
      tried.push(`${channel} ${result.why}`);
    }
    await finish('nobody-answered', null, `${why}; nobody answered: ${tried.join('; ')}`);
  }

  /** Once per claim: the conference hears who took it; then it is told (the chat has its follow-up). */
  private tell(incident: Incident): void {
    if (this.telling.has(incident.id) || this.stopped) return;
    this.telling.add(incident.id);
    this.track(
      (async () => {
        const store = this.deps.stores().get(incident.storeId);
        try {
          // Told meanwhile (a resume that read the list before the last telling ended): not again.
          const fresh = await this.deps.incidents.get(incident.id);
          if (!fresh || fresh.told || fresh.state !== 'claimed') return;
          const alert = await this.deps.alert(incident.lastAlertId);
          if (!store || !alert || this.deps.repeatsOnPbx?.(store)) {
            // Nothing to say it with (the store left x-hoppers.json), or the headsets hear it from
            // x-hoppers (a sentence would be one more notification to accept): told as far as it can be.
            await this.deps.incidents.markTold(incident.id, this.deps.clock.now());
            return;
          }
          const by = incident.claimedBy ?? 'someone';
          const text = renderTemplate(this.sentences(store).claimed, { ...alertVariables(alert, store), by });
          const [heard] = await Promise.allSettled([
            this.deps.speak({ alert, store, text, stillWanted: () => !this.stopped && this.hears(incident.room) }),
          ]);
          if (this.stopped || !this.hears(incident.room)) return; // not told yet: the next start (or holder) tells it
          await this.deps.incidents.markTold(incident.id, this.deps.clock.now());
          this.deps.report?.({
            kind: 'told',
            incident,
            heard: heard.status === 'fulfilled' && heard.value.kind === 'played',
            ...(heard.status === 'rejected' ? { error: String((heard.reason as Error)?.message ?? heard.reason) } : {}),
          });
        } finally {
          this.telling.delete(incident.id);
        }
      })(),
    );
  }

  /**
   * One line per change in the store's conversation, owed in the journal until posted. A write
   * the journal refuses (a server gone a moment) is tried again, 1 s then 5 s later, before it is reported.
   */
  private followUp(incident: Incident, kind: FollowUpKind, text: string, tries = 3): void {
    const req = { incidentId: incident.id, storeId: incident.storeId, kind, text };
    const again = (err: unknown) => {
      if (tries <= 1 || this.stopped) return this.deps.onError?.(err);
      this.deps.clock.setTimeout(() => this.followUp(incident, kind, text, tries - 1), tries === 3 ? 1_000 : 5_000);
    };
    try {
      const added = this.deps.followUps?.add(req, this.deps.clock.now());
      if (added instanceof Promise) void added.then(undefined, again);
    } catch (err) {
      again(err);
    }
  }

  /** The incident's event for integrations, written with the next journal commit. */
  private publish(type: IncidentEventType, incident: Incident): void {
    const events = this.deps.events;
    if (!events) return;
    const at = this.deps.clock.now();
    this.track(
      (async () => {
        const alert = await this.deps.alert(incident.firstAlertId);
        if (alert)
          events.recordEvent(incidentEvent(type, alert, this.deps.stores().get(incident.storeId), incident, at));
      })(),
    );
  }

  /** The store's sentences: its own, its language's, or the global templates. */
  private sentences(store: StoreRoute | undefined): Sentences {
    return sentencesFor(store, {
      single: this.deps.alertText,
      many: this.deps.alertText,
      summary: this.deps.summaryText ?? DEFAULT_SUMMARY_TEXT,
      claimed: this.deps.claimedText,
      and: 'and',
    });
  }

  /** Background work: kept for stop(), and never an unhandled rejection (a journal error is reported). */
  private track(work: Promise<void>): void {
    const safe = work.catch((err: unknown) => this.deps.onError?.(err));
    this.inFlight.add(safe);
    void safe.finally(() => this.inFlight.delete(safe));
  }
}
