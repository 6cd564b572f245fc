import { alertVariables, type Alert, type StoreRoute } from './alert';
import type { CallOriginator, Clock, PlacedCall, RenderedSpeech, SpeechRenderer } from './ports';
import { KeyedSerialQueue, type Held } from './conference-queue';
import { renderTemplate } from './template';
import { cameraList, sentencesFor, type Sentences } from './sentences';
import type { Semaphore } from './semaphore';
import { StepError, Stopping } from './step-error';

/**
 * A call that ends more than this before its audio's length did not play it (a missing or
 * unreadable file makes Asterisk hang up at once, yet OriginateResponse says Success).
 */
const EARLY_HANGUP_MARGIN_MS = 500;
/** How long past its audio's end a call's Hangup is waited for before the conference moves on. */
const HANGUP_GRACE_MS = 3_000;

/** What is said for several alerts of one camera merged into one announcement. */
export const DEFAULT_MANY_ALERTS_TEXT = 'Attention! ${count} theft alerts in ${storeId} on ${cameraId}';
/** What is said for several cameras (incidents) of one conference due at once. */
export const DEFAULT_SUMMARY_TEXT = 'Attention! ${count} theft alerts in ${storeId}: cameras ${cameras}';

export { cameraList } from './sentences';

export interface AnnouncerDeps {
  speech: SpeechRenderer;
  originator: CallOriginator;
  clock: Clock;
  renders: Semaphore;
  /** Template for one alert, and for several merged ones (`${count}` is their number). */
  alertText: string;
  manyText: string;
  /** Several cameras of one conference due together: one sentence names them all (`${count}`, `${cameras}`). */
  summaryText?: string;
  /** At most one announcement per camera per window; alerts in between are merged. 0: off. */
  windowMs: number;
  /** Members older than this (from their window start) are dropped, not played late. */
  staleAfterMs?: number | undefined;
  /** Announcements waiting per conference; beyond it the oldest waiting one is dropped. */
  queueMax: number;
  /** Keeps the conference while the audio plays (ended early by stop()). */
  hold: (ms: number) => Promise<void>;
  /** Asked just before each call: false when another daemon holds the conference now (the call is not placed). */
  mayCall?: (store: StoreRoute) => boolean;
}

export interface Member {
  alert: Alert;
  store: StoreRoute;
  windowFrom: number;
  /** Told when the call was answered, before it has been heard out (for the journal). */
  answered?: (channel: string, callToken: string) => void;
  /** Told the call's token before it is placed; the call waits until this is durably written. */
  calling?: (callToken: string) => Promise<void>;
  /** A call token already durably written for this member: a call with it needs no `calling`. */
  prepared?: string;
  /** Told once the call's Originate is sent (not answered yet). */
  placed?: () => void;
}

/** `callToken` names the call: the members of one merged announcement share it, so it counts once on an incident. */
export type Outcome = { kind: 'played'; detail: string; callToken: string } | { kind: 'dropped'; reason: string };

/** A sentence of its own (a repeat, "Anna is handling camera 3"), outside storm control. */
export interface SpeakRequest {
  alert: Alert;
  store: StoreRoute;
  text: string;
  /** Every alert the sentence speaks for (a repeat of several incidents): the call names them all. */
  alertIds?: readonly string[];
  /** Asked at its turn and again after rendering: false means it is not wanted any more (claimed meanwhile). */
  stillWanted: () => boolean;
  /** Told the call's token before it is placed; the call waits until this is durably written. */
  calling?: (callToken: string) => Promise<void>;
  /** Told when the call was answered, before it has been heard out (for the journal). */
  answered?: (channel: string, callToken: string) => void;
}

export type SpeakOutcome = { kind: 'played'; detail: string; callToken: string } | { kind: 'skipped' };

interface Group {
  camera: string;
  conference: string;
  members: { member: Member; resolve: (o: Outcome) => void; reject: (e: unknown) => void }[];
  timer?: { cancel(): void };
  /** Closed to new members: started playing, dropped, or stopped. */
  closed: boolean;
}

/**
 * Storm control for announcements. Alerts of one store and camera are merged into one group
 * while the group waits: for its conference (one announcement at a time, in order) or for the
 * camera's window since its last announcement. A group plays once, for all its members ("3
 * alerts on camera 4"); each member still keeps its own journal step (and its own chat post).
 * Waiting is bounded: members past `staleAfterMs` are dropped at their turn, and a conference
 * holding more than `queueMax` waiting groups drops the oldest.
 */
export class Announcer {
  private readonly conferences = new KeyedSerialQueue();
  private readonly open = new Map<string, Group>();
  /** When each camera's last announcement was answered (failed calls do not count). */
  private readonly lastPlayed = new Map<string, number>();
  private readonly waiting = new Map<string, Group[]>();
  private stopped = false;

  constructor(private readonly deps: AnnouncerDeps) {}

  /** The store's sentences: its own, its language's, or the global templates. */
  private sentences(store: StoreRoute): Sentences {
    return sentencesFor(store, {
      single: this.deps.alertText,
      many: this.deps.manyText,
      summary: this.deps.summaryText ?? DEFAULT_SUMMARY_TEXT,
      claimed: '',
      and: 'and',
    });
  }

  announce(member: Member): Promise<Outcome> {
    if (this.stopped) return Promise.reject(new Stopping());
    const camera = cameraKey(member);
    return new Promise((resolve, reject) => {
      // In its group before the group can start: a quiet conference plays it at once.
      const open = this.open.get(camera);
      if (open) open.members.push({ member, resolve, reject });
      else this.openGroup(camera, member.store.audio_conf_id, { member, resolve, reject });
    });
  }

  /**
   * Says one sentence in the store's conference, in turn with the other announcements (never
   * over one). Not wanted any more at its turn, or once rendered: skipped, nothing placed.
   */
  speak(req: SpeakRequest): Promise<SpeakOutcome> {
    if (this.stopped) return Promise.reject(new Stopping());
    return this.conferences.run(req.store.audio_conf_id, async (): Promise<Held<SpeakOutcome>> => {
      if (this.stopped) throw new Stopping();
      if (!req.stillWanted()) return { value: { kind: 'skipped' } };
      const speech = await this.deps.renders.run(() => this.deps.speech.render(req.text, req.store.language));
      if (this.stopped) throw new Stopping();
      if (!req.stillWanted()) return { value: { kind: 'skipped' } };
      const callToken = globalThis.crypto.randomUUID();
      await req.calling?.(callToken);
      // Asked once more after that write: another daemon may have taken the conference meanwhile.
      if (this.stopped || !req.stillWanted()) return { value: { kind: 'skipped' } };
      const alertIds = req.alertIds && req.alertIds.length > 0 ? { alertIds: req.alertIds } : {};
      const call = await this.deps.originator.originate({
        alertId: req.alert.id,
        ...alertIds,
        store: req.store,
        speech,
        text: req.text,
        variables: alertVariables(req.alert, req.store),
        callToken,
      });
      if (call.ended) req.answered?.(call.channel, callToken);
      const { rest: release } = await this.playedThrough(call, speech.durationMs, this.deps.clock.now());
      const detail = `${call.channel} ${playedText(call, speech)}${call.via ? ` via ${call.via}` : ''}`;
      return { value: { kind: 'played', detail, callToken }, release };
    });
  }

  /** Every group not yet playing ends with Stopping (its steps stay pending in the journal). */
  stop(): void {
    this.stopped = true;
    for (const list of this.waiting.values()) for (const g of [...list]) this.close(g, (m) => m.reject(new Stopping()));
  }

  /**
   * Keeps `conference` until `ended` (at most `maxMs`): a call another daemon placed there before
   * it died may still be playing, and the next one must not talk over it.
   */
  holdConference(conference: string, ended: Promise<void>, maxMs: number): void {
    void this.conferences
      .run(conference, async () => ({ value: undefined, release: Promise.race([ended, this.deps.hold(maxMs)]) }))
      .catch(() => undefined);
  }

  private openGroup(camera: string, conference: string, first: Group['members'][number]): Group {
    const group: Group = { camera, conference, members: [first], closed: false };
    this.open.set(camera, group);
    const list = this.waiting.get(conference) ?? [];
    this.waiting.set(conference, list);
    list.push(group);
    if (list.length > this.deps.queueMax) {
      const oldest = list[0] as Group; // length > queueMax >= 1
      this.close(oldest, (m) =>
        m.resolve({
          kind: 'dropped',
          reason: `conference ${conference} queue full (${this.deps.queueMax} waiting): dropped the oldest`,
        }),
      );
    }
    this.enqueue(group);
    return group;
  }

  /** Queues the group for its conference, once the camera's window since its last announcement is over. */
  private enqueue(group: Group): void {
    const delay = this.windowLeft(group.camera);
    const go = () => void this.conferences.run(group.conference, () => this.play(group)).catch(() => undefined);
    if (delay > 0) group.timer = this.deps.clock.setTimeout(go, delay);
    else go();
  }

  private windowLeft(camera: string): number {
    return (this.lastPlayed.get(camera) ?? -Infinity) + this.deps.windowMs - this.deps.clock.now();
  }

  /** Takes the group out of the waiting lists and settles each member with `settle`. */
  private close(group: Group, settle: (m: Group['members'][number]) => void): Group['members'] {
    if (group.closed) return [];
    group.closed = true;
    group.timer?.cancel();
    if (this.open.get(group.camera) === group) this.open.delete(group.camera);
    const list = this.waiting.get(group.conference) ?? [];
    list.splice(list.indexOf(group), 1);
    if (list.length === 0) this.waiting.delete(group.conference);
    for (const m of group.members) settle(m);
    return group.members;
  }

  /**
   * Where the adapter reports hang-ups, waits until the audio has (nearly) played and fails a
   * call that ended before; returns the rest of the conference hold. Elsewhere the call counts
   * as played once answered, and the conference is held for the audio's length.
   */
  private async playedThrough(
    call: PlacedCall,
    durationMs: number,
    answeredAt: number,
  ): Promise<{ rest: Promise<void> }> {
    if (!call.ended) return { rest: this.deps.hold(durationMs) };
    const mustLast = Math.max(0, durationMs - EARLY_HANGUP_MARGIN_MS);
    const endedEarly = await Promise.race([call.ended.then(() => true), this.deps.hold(mustLast).then(() => false)]);
    if (endedEarly) {
      const lasted = ((this.deps.clock.now() - answeredAt) / 1000).toFixed(1);
      throw new StepError(
        'CALL_ENDED_EARLY',
        'rejected',
        `${call.channel} hung up after ${lasted} s of ${(durationMs / 1000).toFixed(1)} s of audio: the announcement did not play (is the audio file readable by Asterisk?)`,
      );
    }
    // Held until the hang-up itself (the next call must not talk over the tail of this one),
    // but not forever if the event is lost.
    return { rest: Promise.race([call.ended, this.deps.hold(durationMs - mustLast + HANGUP_GRACE_MS)]) };
  }

  private async play(group: Group): Promise<{ value: undefined; release?: Promise<void> }> {
    if (group.closed) return { value: undefined }; // dropped or stopped while waiting
    if (this.windowLeft(group.camera) > 0) {
      // The camera was announced while this group queued: wait out its window, still open to new alerts.
      this.enqueue(group);
      return { value: undefined };
    }
    const now = this.deps.clock.now();
    const stale = this.deps.staleAfterMs;
    // One sentence per conference: the other cameras waiting here whose window is over join
    // this call instead of queueing one sentence each (a storm across cameras).
    const joining = (this.waiting.get(group.conference) ?? []).filter(
      (g) => g !== group && !g.closed && this.windowLeft(g.camera) <= 0,
    );
    const members = [group, ...joining].flatMap((g) => this.close(g, () => undefined));
    const fresh = members.filter((m) => stale === undefined || now - m.member.windowFrom <= stale);
    for (const m of members.filter((x) => !fresh.includes(x))) {
      m.resolve({ kind: 'dropped', reason: `stale: waited over ${(stale ?? 0) / 1000} s for the conference` });
    }
    const leader = fresh[0];
    if (!leader) return { value: undefined };
    try {
      const { alert, store } = leader.member;
      const cameras = [...new Set(fresh.map((m) => m.member.alert.cameraId))];
      const summary = cameras.length > 1;
      const says = this.sentences(store);
      const variables = {
        ...alertVariables(alert, store),
        count: String(summary ? cameras.length : fresh.length),
        cameras: cameraList(cameras, says.and),
      };
      const template = summary ? says.summary : fresh.length > 1 ? says.many : says.single;
      const text = renderTemplate(template, variables);
      // Audio already rendered is taken on the spot: the call is placed in this same turn.
      const speech =
        this.deps.speech.cached?.(text, store.language) ??
        (await this.deps.renders.run(() => this.deps.speech.render(text, store.language)));
      if (this.stopped || this.deps.mayCall?.(store) === false) throw new Stopping();
      // Journaled before the call is placed: a daemon taking over after a crash asks the PBX
      // whether this very call was answered, rather than placing it a second time.
      // A member's token written with its alert is used, so that member's write is already made.
      const callToken = fresh.find((m) => m.member.prepared)?.member.prepared ?? globalThis.crypto.randomUUID();
      const writes = fresh.flatMap((m) => (m.member.prepared === callToken ? [] : [m.member.calling?.(callToken)]));
      // Nothing to wait for (its call written with the alert): no turn given away before the call.
      if (writes.length > 0) await Promise.all(writes);
      const placing = this.deps.originator.originate({
        alertId: alert.id,
        alertIds: fresh.map((m) => m.member.alert.id),
        store,
        speech,
        text,
        variables,
        callToken,
      });
      for (const m of fresh) m.member.placed?.();
      const call = await placing;
      const answeredAt = this.deps.clock.now();
      if (call.ended) for (const m of fresh) m.member.answered?.(call.channel, callToken);
      const { rest: release } = await this.playedThrough(call, speech.durationMs, answeredAt);
      for (const m of fresh) this.lastPlayed.set(cameraKey(m.member), answeredAt);
      const together =
        fresh.length > 1 ? ` for ${fresh.length} alerts (${someIds(fresh.map((m) => m.member.alert.id))})` : '';
      const via = call.via ? ` via ${call.via}` : '';
      const detail = `${call.channel} ${playedText(call, speech)}${via}${together}`;
      for (const m of fresh) m.resolve({ kind: 'played', detail, callToken });
      return { value: undefined, release };
    } catch (err) {
      for (const m of fresh) m.reject(err);
      return { value: undefined };
    }
  }
}

/** Ids named in each merged step's detail: every member's step says it, so a storm's list stays short. */
const IDS_NAMED = 10;

function someIds(ids: string[]): string {
  const named = ids.slice(0, IDS_NAMED).join(', ');
  return ids.length > IDS_NAMED ? `${named} and ${ids.length - IDS_NAMED} more` : named;
}

function cameraKey(m: Member): string {
  return `${m.store.store_veesion_id}\u0000${m.alert.cameraId}`;
}

/** What the step's detail says of a call: the audio it played, or, for a notification x-hoppers speaks itself, that. */
function playedText(call: PlacedCall, speech: RenderedSpeech): string {
  if (call.requestId !== undefined) return 'announced to the broadcast';
  return `played ${speech.playbackPath}${speech.cached ? ' (cached)' : ''}`;
}
