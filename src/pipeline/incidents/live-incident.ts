import type { Clock } from '../ports';

type Timer = { cancel(): void };

/** How many incidents settled here are remembered after their object is gone (the oldest is forgotten first). */
const SETTLED_REMEMBERED = 10_000;

/**
 * One incident in flight on this daemon and everything held in memory about it: its next repeat
 * and its escalation (the timers it owns), the work under way on it (a repeat, an escalation, the
 * room being told of its claim, a change of its count), and the call that last counted. Settling it
 * stops all of that at once. Its state lives in the journal; this is only what a running daemon
 * must not lose between two reads of it.
 */
export class LiveIncident {
  /** The call that last counted: one merged announcement counts once. */
  countedCall: string | undefined;
  /** Its repeat failed: reported once, not at every attempt. */
  repeatFailed = false;
  /** Claimed or resolved, as known here: a repeat waiting its turn is no longer wanted. */
  settled: boolean;
  private repeatTimer: Timer | undefined;
  private escalationTimer: Timer | undefined;
  private repeatingNow = false;
  private escalatingNow = false;
  private tellingNow = false;
  /** The last change of its count or its end queued (one at a time, in the order asked). */
  private counting: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly clock: Clock,
    settled: boolean,
    private readonly onIdle: (live: LiveIncident) => void,
  ) {
    this.settled = settled;
  }

  /** A repeat timer is set. */
  get repeatDue(): boolean {
    return this.repeatTimer !== undefined;
  }

  /** An escalation timer is set. */
  get escalationDue(): boolean {
    return this.escalationTimer !== undefined;
  }

  /** A repeat of it is under way (its timer is gone): nothing may start another. */
  get repeating(): boolean {
    return this.repeatingNow;
  }

  /** Its escalation list is being called here. */
  get escalating(): boolean {
    return this.escalatingNow;
  }

  /** Its conference is being told who claimed it. */
  get telling(): boolean {
    return this.tellingNow;
  }

  /** A change of its count (or its end) is queued or under way. */
  get countUnderWay(): boolean {
    return this.counting !== undefined;
  }

  /** Its next repeat at `at`, replacing any set before; `fire` runs then. */
  repeatAt(at: number, fire: () => void): void {
    this.repeatTimer?.cancel();
    this.repeatTimer = this.clock.setTimeout(
      () => {
        this.repeatTimer = undefined;
        fire();
        this.releaseIfIdle();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  cancelRepeat(): void {
    this.repeatTimer?.cancel();
    this.repeatTimer = undefined;
    this.releaseIfIdle();
  }

  /** Its escalation at `at`; `fire` runs then. */
  escalateAt(at: number, fire: () => void): void {
    this.escalationTimer?.cancel();
    this.escalationTimer = this.clock.setTimeout(
      () => {
        this.escalationTimer = undefined;
        fire();
        this.releaseIfIdle();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  cancelEscalation(): void {
    this.escalationTimer?.cancel();
    this.escalationTimer = undefined;
    this.releaseIfIdle();
  }

  /** A repeat of it starts: false when one is already under way (a second would say it twice). */
  beginRepeat(): boolean {
    if (this.repeatingNow) return false;
    this.repeatingNow = true;
    return true;
  }

  endRepeat(): void {
    this.repeatingNow = false;
    this.releaseIfIdle();
  }

  /** Its escalation starts here: false when it already is under way. */
  beginEscalation(): boolean {
    if (this.escalatingNow) return false;
    this.escalatingNow = true;
    return true;
  }

  endEscalation(): void {
    this.escalatingNow = false;
    this.releaseIfIdle();
  }

  /** Telling its conference of its claim starts: false when that already is under way. */
  beginTelling(): boolean {
    if (this.tellingNow) return false;
    this.tellingNow = true;
    return true;
  }

  endTelling(): void {
    this.tellingNow = false;
    this.releaseIfIdle();
  }

  /**
   * One change of its count or its end at a time, in the order asked: its announcement and a
   * repeat may end together, and an ending must read what a count under way wrote.
   */
  serially(work: () => Promise<void>): Promise<void> {
    const turn = (this.counting ?? Promise.resolve()).then(work);
    const tail = turn.catch(() => undefined);
    this.counting = tail;
    void tail.then(() => {
      if (this.counting !== tail) return;
      this.counting = undefined;
      this.releaseIfIdle();
    });
    return turn;
  }

  /** It no longer repeats (repeats ran out, or it ended untaken): what was kept for its repeats goes. */
  ended(): void {
    this.forget();
    this.cancelRepeat();
  }

  /** Taken or closed: its repeat and its escalation are off, a repeat waiting its turn is no longer wanted. */
  settle(): void {
    this.settled = true;
    this.forget();
    this.repeatTimer?.cancel();
    this.repeatTimer = undefined;
    this.cancelEscalation();
  }

  /** The daemon stops: no timer of it fires any more. */
  stopTimers(): void {
    this.repeatTimer?.cancel();
    this.repeatTimer = undefined;
    this.escalationTimer?.cancel();
    this.escalationTimer = undefined;
  }

  /** Nothing due and nothing under way: the registry may let it go (what it knew is in the journal). */
  get idle(): boolean {
    return (
      this.repeatTimer === undefined &&
      this.escalationTimer === undefined &&
      !this.repeatingNow &&
      !this.escalatingNow &&
      !this.tellingNow &&
      this.counting === undefined
    );
  }

  /**
   * Looked at once the current synchronous work is done: a timer replaced, or an object just
   * made whose work starts in the same turn, is never let go in between.
   */
  releaseIfIdle(): void {
    queueMicrotask(() => {
      if (this.idle) this.onIdle(this);
    });
  }

  private forget(): void {
    this.countedCall = undefined;
    this.repeatFailed = false;
  }
}

/** The live incidents of this daemon, one object per incident id, kept while something is due or under way. */
export class LiveIncidents {
  private readonly byId = new Map<string, LiveIncident>();
  /** Incidents settled here: an object made for one again (a resume's stale read) is born settled. */
  private readonly settledIds = new Set<string>();

  constructor(private readonly clock: Clock) {}

  /** Its object, made if there is none; work on it must start in the same synchronous turn. */
  of(id: string): LiveIncident {
    let live = this.byId.get(id);
    if (!live) {
      live = new LiveIncident(id, this.clock, this.settledIds.has(id), (idle) => {
        if (this.byId.get(idle.id) === idle) this.byId.delete(idle.id);
      });
      this.byId.set(id, live);
      live.releaseIfIdle();
    }
    return live;
  }

  /** Its object if it has one (nothing due or under way otherwise). */
  peek(id: string): LiveIncident | undefined {
    return this.byId.get(id);
  }

  all(): LiveIncident[] {
    return [...this.byId.values()];
  }

  /** Claimed or resolved: see LiveIncident.settle. Remembered even with no object now. */
  settle(id: string): void {
    this.settledIds.add(id);
    if (this.settledIds.size > SETTLED_REMEMBERED)
      this.settledIds.delete(this.settledIds.values().next().value as string); // the oldest
    this.byId.get(id)?.settle();
  }

  stopTimers(): void {
    for (const live of this.byId.values()) live.stopTimers();
  }
}
