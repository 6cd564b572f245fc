import { STEP_NAMES, type Alert, type StepName, type StoreRoute } from './alert';
import { callDetail } from './call-details';
import {
  FenceLost,
  type CallOriginator,
  type StepCall,
  type ChatPoster,
  type Clock,
  type Journal,
  type SpeechRenderer,
  type StepFence,
  type StepListener,
  type StepRecord,
  type StoredAlert,
} from './ports';
import { DEFAULT_POLICIES, nextAttempt, type RetryPolicy } from './retry-policy';
import { asStepError, StepError, Stopping } from './step-error';
import { Semaphore } from './semaphore';
import { RateLimiter } from './rate-limiter';
import { Announcer, DEFAULT_MANY_ALERTS_TEXT, type SpeakOutcome } from './announcer';
import { receivedEvent, stepEvent, type EventSink } from './alert-event';
import { IncidentLoop, DEFAULT_CLAIMED_TEXT, type IncidentLoopDeps, type IncidentNews } from './incident-loop';
import type { FollowUps } from './follow-up';
import type { IncidentStore } from './incident';

export interface PipelineDeps {
  journal: Journal;
  speech: SpeechRenderer;
  originator: CallOriginator;
  chat: ChatPoster;
  clock: Clock;
  /** The current stores by store_veesion_id (a function: the store list can be reloaded). */
  stores: () => ReadonlyMap<string, StoreRoute>;
  alertText: string;
  /** Said for several alerts of one camera merged into one announcement (`${count}`). */
  manyAlertsText?: string;
  /** Said for several cameras of one conference due at once (`${count}`, `${cameras}`). */
  summaryText?: string;
  /** Storm control: one announcement per camera per window (0: off), waiting announcements per conference. */
  storm?: { windowMs?: number; queueMax?: number };
  /** Why announcements for this store are muted now (quiet hours, `silence`), or undefined. */
  muted?: (store: StoreRoute, now: number) => string | undefined;
  policies?: Record<StepName, RetryPolicy>;
  /** Where alert events for integrations go (the journal); none: no events. */
  events?: EventSink;
  /** Concurrent speech renderings (CPU-bound engine + ffmpeg) and chat posts; chat posts a second. */
  limits?: { renders?: number; chatPosts?: number; chatPerSecond?: number };
  /** Incidents: repeated until claimed, then told. None: alerts only. */
  incidents?: {
    store: IncidentStore;
    /** The alert behind an incident, from the journal the incidents are in. */
    alert: IncidentLoopDeps['alert'];
    /** Several daemons: whether this one holds conference `room` (its repeats, escalations, key presses). */
    owns?: (room: string) => boolean;
    /** Several daemons: resume() at most this often (it runs at each of their commits' notifications). */
    resumeEveryMs?: number;
    repeatMs: number;
    repeatMax: number;
    claimedText?: string;
    report?: (e: IncidentNews) => void;
    escalateAfterMs?: number;
    callPerson?: IncidentLoopDeps['callPerson'];
    onError?: (err: unknown) => void;
    repeatsOnPbx?: IncidentLoopDeps['repeatsOnPbx'];
    followUps?: FollowUps;
  };
  /**
   * Several daemons on one journal: whether this one does the store's steps now (it holds the
   * lease of the store's conference). A step of a store it does not own is left to the owner,
   * and one under way is abandoned, unrecorded, before its call or post. None: all are ours.
   */
  owns?: (store: StoreRoute) => boolean;
  /** The lease a call's record depends on (a shared journal): written only while it is held. */
  fence?: (store: StoreRoute) => StepFence | undefined;
  /** Whether an announcement is playing in a conference now (AMI ConfbridgeList); none: not asked. */
  announcing?: (room: string) => Promise<boolean>;
  /** Whether anyone is in the store's conference room (AMI ConfbridgeList); none: not asked. */
  roomPresence?: (store: StoreRoute) => Promise<'occupied' | 'empty' | 'unknown'>;
}

export type IngestOutcome = 'accepted' | 'duplicate' | 'unroutable';

interface Work {
  alert: Alert;
  store: StoreRoute;
  /** Where the step's retry window starts: receipt, or the replay that restarted it. */
  windowFrom: number;
}

/** How long a room waits at most for a call a dead daemon left playing, and how often it looks. */
const ORPHAN_CALL_MAX_MS = 60_000;
const TAKEOVER_POLL_MS = 250;

/**
 * The alert engine: journals each alert, then runs its announce and chat steps, each with its
 * own attempts and retry policy, recording every outcome in the journal. No I/O of its own:
 * everything goes through the ports.
 */
export class AlertPipeline {
  private readonly listeners: StepListener[] = [];
  private readonly timers = new Map<string, { cancel(): void }>();
  private readonly inFlight = new Set<Promise<void>>();
  /** `alertId/step` of every step scheduled or running here: a rescan never starts one twice. */
  private readonly active = new Set<string>();
  /** Open while a resume() reads the journal: the steps that ended meanwhile (its snapshot may predate them). */
  private readonly ending = new Set<Set<string>>();
  private readonly holds = new Set<() => void>();
  private readonly policies: Record<StepName, RetryPolicy>;
  private stopped = false;
  private readonly renders: Semaphore;
  private readonly chatPosts: Semaphore;
  private readonly chatPace: RateLimiter;
  private readonly announcer: Announcer;
  /** The incident loop, when incidents are on: claims, resolutions, repeats. */
  readonly incidents: IncidentLoop | undefined;

  constructor(private readonly deps: PipelineDeps) {
    this.policies = deps.policies ?? DEFAULT_POLICIES;
    this.renders = new Semaphore(deps.limits?.renders ?? 2);
    this.chatPosts = new Semaphore(deps.limits?.chatPosts ?? 8);
    this.chatPace = new RateLimiter(deps.limits?.chatPerSecond ?? 20, deps.clock);
    this.announcer = new Announcer({
      speech: deps.speech,
      originator: deps.originator,
      clock: deps.clock,
      renders: this.renders,
      alertText: deps.alertText,
      manyText: deps.manyAlertsText ?? DEFAULT_MANY_ALERTS_TEXT,
      ...(deps.summaryText ? { summaryText: deps.summaryText } : {}),
      windowMs: deps.storm?.windowMs ?? 0,
      staleAfterMs: this.policies.announce.deadlineMs,
      queueMax: deps.storm?.queueMax ?? 20,
      hold: (ms) => this.hold(ms),
      ...(deps.owns ? { mayCall: deps.owns } : {}),
    });
    const inc = deps.incidents;
    this.incidents =
      inc &&
      new IncidentLoop({
        incidents: inc.store,
        clock: deps.clock,
        stores: deps.stores,
        alert: inc.alert,
        speak: (req) => this.announcer.speak(req),
        ...(deps.muted ? { muted: deps.muted } : {}),
        repeatMs: inc.repeatMs,
        repeatMax: inc.repeatMax,
        expireMs: this.policies.announce.deadlineMs,
        ...(deps.originator.answered ? { answeredOnPbx: (token: string) => deps.originator.answered?.(token) } : {}),
        alertText: deps.alertText,
        ...(deps.summaryText ? { summaryText: deps.summaryText } : {}),
        claimedText: inc.claimedText ?? DEFAULT_CLAIMED_TEXT,
        ...(deps.events ? { events: deps.events } : {}),
        ...(inc.report ? { report: inc.report } : {}),
        ...(inc.escalateAfterMs !== undefined ? { escalateAfterMs: inc.escalateAfterMs } : {}),
        ...(inc.callPerson ? { callPerson: inc.callPerson } : {}),
        ...(inc.onError ? { onError: inc.onError } : {}),
        ...(inc.followUps ? { followUps: inc.followUps } : {}),
        ...(inc.owns ? { owns: inc.owns } : {}),
        ...(inc.resumeEveryMs !== undefined ? { resumeEveryMs: inc.resumeEveryMs } : {}),
        ...(inc.repeatsOnPbx ? { repeatsOnPbx: inc.repeatsOnPbx } : {}),
      });
  }

  /**
   * `veesion-bridge say --call`: one sentence in a store's conference, in turn with the
   * announcements (never over one). `alert` names the call (a test alert, never journaled).
   */
  say(alert: Alert, store: StoreRoute, text: string): Promise<SpeakOutcome> {
    return this.announcer.speak({ alert, store, text, stillWanted: () => true });
  }

  /**
   * This daemon has just taken `room` over from another (a shared journal): its next call waits
   * until no announcement plays there, since the other daemon may have died mid-call (at most a
   * minute). Call before the rescan that starts the room's steps.
   */
  takeOver(room: string): void {
    const announcing = this.deps.announcing;
    if (!announcing) return;
    const until = this.deps.clock.now() + ORPHAN_CALL_MAX_MS;
    const quiet = (async () => {
      while (!this.stopped && this.deps.clock.now() < until && (await announcing(room).catch(() => false)))
        await this.hold(TAKEOVER_POLL_MS);
    })();
    this.announcer.holdConference(room, quiet, ORPHAN_CALL_MAX_MS);
  }

  onStep(listener: StepListener): void {
    this.listeners.push(listener);
  }

  /** Journals the alert (durably) and starts its steps. Journal errors propagate (-> 503). */
  async ingest(alert: Alert, rawBody: string): Promise<IngestOutcome> {
    const store = this.deps.stores().get(alert.storeId);
    const receivedAt = this.deps.clock.now();
    const status = store ? 'routed' : 'unroutable';
    const steps = store ? [...STEP_NAMES] : [];
    const events = this.deps.events ? [receivedEvent(alert, store, receivedAt)] : [];
    // Storm control's per-camera window is the incident boundary.
    const incident =
      store && this.incidents
        ? {
            room: store.audio_conf_id,
            windowMs: this.deps.storm?.windowMs ?? 0,
            firstRepeatAt: receivedAt + (this.deps.incidents?.repeatMs ?? 0),
          }
        : undefined;
    const result = await this.deps.journal.append({
      alert,
      status,
      rawBody,
      receivedAt,
      steps,
      events,
      ...(incident ? { incident } : {}),
    });
    if (result === 'duplicate') return 'duplicate';
    if (!store) return 'unroutable';
    if (this.owned(store)) this.incidents?.opened(alert.id); // else its conference's holder finds it in the journal
    if (!this.owned(store)) return 'accepted'; // its conference's daemon starts the steps
    for (const step of STEP_NAMES) this.schedule({ alert, store, windowFrom: receivedAt }, step, 0, 0);
    return 'accepted';
  }

  /**
   * Picks up every unfinished step in the journal that is not already scheduled here: after a
   * restart, and whenever an operator has requeued steps (`veesion-bridge replay`). Steps of
   * stores not configured now wait, pending, for a reload that adds the store.
   */
  async resume(): Promise<{ started: number; waitingForStore: string[] }> {
    let started = 0;
    const waitingForStore = new Set<string>();
    const counting: (Promise<void> | undefined)[] = [];
    // A step may end while the journal is read (its final state still on its way to the
    // journal): the snapshot would call it unfinished, and it would run twice.
    const ended = new Set<string>();
    this.ending.add(ended);
    let steps: StepRecord[];
    const alerts = new Map<string, StoredAlert | undefined>();
    try {
      steps = await this.deps.journal.unfinishedSteps();
      const wanted = [
        ...new Set(steps.filter((rec) => !this.active.has(`${rec.alertId}/${rec.step}`)).map((rec) => rec.alertId)),
      ];
      const { journal } = this.deps;
      if (journal.getAlerts) for (const [id, stored] of await journal.getAlerts(wanted)) alerts.set(id, stored);
      else for (const id of wanted) alerts.set(id, await journal.getAlert(id));
    } finally {
      this.ending.delete(ended);
    }
    // From here on, no waiting: what is active or ended is known for every step below.
    for (const rec of steps) {
      const key = `${rec.alertId}/${rec.step}`;
      if (this.active.has(key) || ended.has(key)) continue;
      const stored = alerts.get(rec.alertId);
      if (!stored) continue;
      const store = this.deps.stores().get(stored.alert.storeId);
      if (!store) {
        waitingForStore.add(stored.alert.storeId);
        continue;
      }
      if (!this.owned(store)) continue;
      const work = { alert: stored.alert, store, windowFrom: rec.windowFrom ?? stored.receivedAt };
      const call = rec.step === 'announce' && rec.state === 'running' ? (rec.call ?? undefined) : undefined;
      // A call another daemon placed before it died may still be playing: the room waits for its hang-up.
      const playing = call ? this.deps.originator.callEnded?.(call.token) : undefined;
      if (playing) this.announcer.holdConference(store.audio_conf_id, playing, ORPHAN_CALL_MAX_MS);
      const heard = call && heardBefore(call, this.deps.originator);
      if (call && heard) {
        // Answered before a crash or a takeover: Asterisk plays the call on its own, so it was
        // heard, and it counts on its incident like any other. Placing it again would say it twice.
        this.record(work, 'announce', rec.attempts, 'succeeded', null, heard, this.deps.clock.now());
        counting.push(this.incidents?.announced(rec.alertId, call.token));
        continue;
      }
      // Placed but never recorded as answered: placed again (a missed alert is worse than a repeated one).
      const delay = Math.max(0, (rec.nextAt ?? 0) - this.deps.clock.now());
      this.schedule(work, rec.step, rec.attempts, delay);
      started++;
    }
    // Counted before the incidents resume, so none of them is repeated as if it had not been heard.
    await Promise.all(counting);
    return { started, waitingForStore: [...waitingForStore] };
  }

  /** Stops scheduling; resolves when attempts already under way have settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    for (const release of this.holds) release();
    this.holds.clear();
    this.chatPace.releaseAll();
    this.announcer.stop();
    await Promise.allSettled([...this.inFlight, this.incidents?.stop()]);
  }

  /** The step's next attempt, now or after `delayMs`; it stays active until it is final. */
  private schedule(work: Work, step: StepName, attempts: number, delayMs: number): void {
    const key = `${work.alert.id}/${step}`;
    this.active.add(key);
    if (delayMs <= 0) return this.launch(work, step, attempts);
    const timer = this.deps.clock.setTimeout(() => {
      this.timers.delete(key);
      this.launch(work, step, attempts);
    }, delayMs);
    this.timers.set(key, timer);
  }

  private launch(work: Work, step: StepName, attempts: number): void {
    if (this.stopped) return;
    const key = `${work.alert.id}/${step}`;
    const run = this.attempt(work, step, attempts + 1).then((again) => {
      if (again) return;
      this.active.delete(key);
      for (const ended of this.ending) ended.add(key);
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** One attempt; true when another one is scheduled. */
  private async attempt(work: Work, step: StepName, attempt: number): Promise<boolean> {
    const started = this.deps.clock.now();
    const { alert, store, windowFrom } = work;
    if (!this.owned(store)) return false; // another daemon holds its conference now: its step
    this.emit({ alertId: alert.id, step, state: 'running', attempt, storeId: store.store_veesion_id });
    try {
      const detail = step === 'announce' ? await this.announce(work, attempt, started) : await this.postChat(work);
      if (step === 'chat') this.record(work, step, attempt, 'succeeded', null, detail, started);
      return false;
    } catch (err) {
      if (err instanceof Stopping) return false; // not attempted: the journal still says pending
      const error = asStepError(err);
      const now = this.deps.clock.now();
      const next = nextAttempt(this.policies[step], attempt, now, windowFrom, error.retryable);
      const message = `${error.code}: ${error.message}`;
      if (next.kind === 'retry') {
        this.record(work, step, attempt, 'pending', message, null, started, next.at);
        this.schedule(work, step, attempt, next.at - now);
        return true;
      }
      this.record(work, step, attempt, next.state, `${message} (${next.reason})`, null, started);
      return false;
    }
  }

  /** Records the announcement's outcome itself: played, muted, or dropped by storm control. */
  private async announce(work: Work, attempt: number, started: number): Promise<string> {
    const { alert, store, windowFrom } = work;
    const muted = this.deps.muted?.(store, this.deps.clock.now());
    if (muted !== undefined) {
      this.record(work, 'announce', attempt, 'muted', null, muted, started);
      return muted;
    }
    if (this.incidents && this.deps.roomPresence && (await this.deps.roomPresence(store)) === 'empty') {
      // An empty room is not a successful announcement: nobody would hear it. Escalate now.
      const reason = `room ${store.audio_conf_id} is empty: nobody would hear it; escalated`;
      this.record(work, 'announce', attempt, 'expired', reason, null, started);
      this.incidents.escalateNow(alert.id, `room ${store.audio_conf_id} empty when its announcement was due`);
      return reason;
    }
    const answered = (channel: string, token: string) =>
      this.record(work, 'announce', attempt, 'running', null, null, started, null, {
        token,
        state: 'answered',
        channel,
      });
    const calling = (token: string) => {
      const call: StepCall = { token, state: 'calling', channel: null };
      return this.deps.journal
        .commitStep(
          {
            alertId: alert.id,
            step: 'announce',
            state: 'running',
            attempts: attempt,
            nextAt: null,
            lastError: null,
            detail: callDetail(call),
            updatedAt: this.deps.clock.now(),
            call,
          },
          this.deps.fence?.(store),
        )
        .catch((err: unknown) => {
          // Another daemon holds the conference now: its call, not ours (nothing recorded here).
          if (err instanceof FenceLost) throw new Stopping();
          throw new StepError(
            'JOURNAL_WRITE',
            'internal',
            `the call was not placed: its record could not be written to the journal (${err instanceof Error ? err.message : String(err)})`,
            { cause: err },
          );
        });
    };
    const outcome = await this.announcer.announce({ alert, store, windowFrom, answered, calling });
    if (outcome.kind === 'dropped') {
      this.record(work, 'announce', attempt, 'expired', outcome.reason, null, started);
      return outcome.reason;
    }
    this.record(work, 'announce', attempt, 'succeeded', null, outcome.detail, started);
    void this.incidents?.announced(alert.id, outcome.callToken);
    return outcome.detail;
  }

  private owned(store: StoreRoute): boolean {
    return this.deps.owns?.(store) ?? true;
  }

  /** A wait that stop() ends early: holds are not work, only spacing. */
  private hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => {
        this.holds.delete(release);
        resolve();
      }, ms);
      const release = () => {
        timer.cancel();
        resolve();
      };
      this.holds.add(release);
    });
  }

  private async postChat(work: Work): Promise<string> {
    const { messageId, videoAttached } = await this.chatPosts.run(async () => {
      if (this.stopped) throw new Stopping();
      await this.chatPace.acquire();
      if (this.stopped || !this.owned(work.store)) throw new Stopping();
      return this.deps.chat.post(work.alert, work.store);
    });
    return `message ${messageId}${videoAttached ? ' with video' : ' with link only'}`;
  }

  private record(
    work: Work,
    step: StepName,
    attempts: number,
    state: StepRecord['state'],
    lastError: string | null,
    detail: string | null,
    started: number,
    nextAt: number | null = null,
    call: StepCall | null = null,
  ): void {
    const now = this.deps.clock.now();
    const alertId = work.alert.id;
    detail ??= call && callDetail(call);
    this.deps.journal.updateStep({ alertId, step, state, attempts, nextAt, lastError, detail, updatedAt: now, call });
    // Same tick as the update: the journal writes both in one transaction.
    const sink = this.deps.events;
    const event =
      sink && stepEvent(work.alert, work.store, { name: step, state, attempts, detail, error: lastError }, now);
    if (sink && event) sink.recordEvent(event);
    this.emit({
      alertId,
      step,
      state,
      attempt: attempts,
      storeId: work.store.store_veesion_id,
      durationMs: now - started,
      ...(lastError !== null ? { error: lastError } : {}),
      ...(detail !== null ? { detail } : {}),
      ...(nextAt !== null ? { nextAt, retryInMs: nextAt - now } : {}),
    });
  }

  private emit(event: Parameters<StepListener>[0]): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken observer (log, metric, demo output) must never break an alert.
      }
    }
  }
}

/**
 * Why a call found in flight was heard, or undefined when it may not have been: recorded as
 * answered, or seen answered on the PBX by this daemon though its own daemon died before it wrote that.
 */
function heardBefore(call: StepCall, originator: CallOriginator): string | undefined {
  if (call.state === 'answered')
    return `${call.channel ?? 'the call'} answered before a restart; Asterisk played it without the bridge`;
  if (originator.answered?.(call.token) === true)
    return `call ${call.token} answered before its daemon stopped (seen on the PBX); not placed again`;
  return undefined;
}
