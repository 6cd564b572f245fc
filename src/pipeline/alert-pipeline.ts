import { STEP_NAMES, type Alert, type StepName, type StoreRoute } from './alert';
import type { StepListener, StepRecord, StoredAlert } from './ports';
import { DEFAULT_POLICIES, nextAttempt, type RetryPolicy } from './retry-policy';
import { asStepError, Stopping } from './step-error';
import { Semaphore } from './semaphore';
import { RateLimiter } from './rate-limiter';
import { Announcer, DEFAULT_MANY_ALERTS_TEXT, type SpeakOutcome } from './announcer';
import { receivedEvent } from './alert-event';
import type { IncidentLoop } from './incident-loop';
import type { IngestOutcome, PipelineDeps, Work } from './pipeline-deps';
import { StepRecorder } from './step-recorder';
import { announceStep, heardBefore } from './announce-step';
import { incidentLoopFor } from './pipeline-incidents';

export type { IngestOutcome, PipelineDeps } from './pipeline-deps';

/** How long a room waits at most for a call a dead daemon left playing, and how often it looks. */
const ORPHAN_CALL_MAX_MS = 60_000;
const TAKEOVER_POLL_MS = 250;

/**
 * The alert engine: journals each alert, then runs its announce and chat steps, each with its
 * own attempts and retry policy, recording every outcome in the journal. No I/O of its own:
 * everything goes through the ports.
 */
export class AlertPipeline {
  private readonly recorder: StepRecorder;
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
    this.recorder = new StepRecorder(deps);
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
    this.incidents = incidentLoopFor(deps, this.announcer, this.policies.announce.deadlineMs);
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
    this.recorder.onStep(listener);
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
    // The first call's state rides in this commit, so the call waits for no second write. Not on
    // a shared journal: there the call's record is written fenced, by the conference's holder.
    const firstCall = store && !this.deps.fence && !this.deps.owns ? globalThis.crypto.randomUUID() : undefined;
    const result = await this.deps.journal.append({
      alert,
      status,
      rawBody,
      receivedAt,
      steps,
      events,
      ...(incident ? { incident } : {}),
      ...(firstCall ? { announceCall: firstCall } : {}),
    });
    if (result === 'duplicate') return 'duplicate';
    if (!store) return 'unroutable';
    if (!this.owned(store)) return 'accepted'; // its conference's daemon starts the steps
    const work: Work = { alert, store, windowFrom: receivedAt, ...(firstCall ? { firstCall } : {}) };
    for (const step of STEP_NAMES) this.schedule(work, step, 0, 0);
    // After the call is on its way: the incident's bookkeeping does not delay it.
    this.incidents?.opened(alert.id);
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
        // Counted first, as a call that ends here is: a second death in between finds it answered again.
        counting.push(
          Promise.resolve(this.incidents?.announced(rec.alertId, call.token)).then(() =>
            this.recorder.record(work, 'announce', rec.attempts, 'succeeded', null, heard, this.deps.clock.now()),
          ),
        );
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
    const running = { alertId: alert.id, step, state: 'running' as const, attempt, storeId: store.store_veesion_id };
    // Its observers (log, metrics, console) hear of an announcement once its call can be on its way.
    if (step === 'announce') this.recorder.emitSoon(running);
    else this.recorder.emit(running);
    try {
      const detail =
        step === 'announce'
          ? await announceStep(
              { deps: this.deps, recorder: this.recorder, announcer: this.announcer, incidents: this.incidents },
              work,
              attempt,
              started,
            )
          : await this.postChat(work);
      if (step === 'chat') this.recorder.record(work, step, attempt, 'succeeded', null, detail, started);
      return false;
    } catch (err) {
      if (err instanceof Stopping) return false; // not attempted: the journal still says pending
      const error = asStepError(err);
      const now = this.deps.clock.now();
      const next = nextAttempt(this.policies[step], attempt, now, windowFrom, error.retryable);
      const message = `${error.code}: ${error.message}`;
      if (next.kind === 'retry') {
        this.recorder.record(work, step, attempt, 'pending', message, null, started, next.at);
        this.schedule(work, step, attempt, next.at - now);
        return true;
      }
      this.recorder.record(work, step, attempt, next.state, `${message} (${next.reason})`, null, started);
      return false;
    }
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
}
