import type { ClaimResult, ClaimVia, Outcome, ResolveResult } from './incident';
import { ClaimTelling } from './incidents/claim-telling';
import { LoopCommands } from './incidents/commands';
import { Escalation } from './incidents/escalation';
import { LoopContext } from './incidents/loop-context';
import type { IncidentLoopDeps } from './incidents/loop-deps';
import { Outbox } from './incidents/outbox';
import { Repeats } from './incidents/repeats';
import { Resume } from './incidents/resume';

export type { EscalationCall, IncidentLoopDeps, IncidentNews } from './incidents/loop-deps';

/** What is said in the conference when someone takes an incident. */
export const DEFAULT_CLAIMED_TEXT = '${by} is handling camera ${cameraId}';

/**
 * Closes the loop on incidents: repeats an open incident every `repeatMs` until someone claims
 * it or it has been announced `repeatMax` times (then it is unclaimed), tells the conference
 * and the chat once who took it, and resolves it. Repeats go through the announcer's
 * conference queue, so they never talk over another announcement, and a claim that lands
 * while a repeat waits or renders cancels it. State lives in the journal: `resume()` picks the
 * schedule up after a restart, after a takeover, and claims made by an operator or another daemon.
 *
 * Its parts (in ./incidents) share one live-incident object per incident, which owns the
 * incident's timers and knows the work under way on it.
 */
export class IncidentLoop {
  private readonly ctx: LoopContext;
  private readonly repeats: Repeats;
  private readonly escalation: Escalation;
  private readonly commands: LoopCommands;
  private readonly resumer: Resume;

  constructor(private readonly deps: IncidentLoopDeps) {
    this.ctx = new LoopContext(deps);
    const outbox = new Outbox(this.ctx);
    this.escalation = new Escalation(this.ctx, outbox);
    this.repeats = new Repeats(this.ctx, this.escalation, outbox);
    this.commands = new LoopCommands(this.ctx, new ClaimTelling(this.ctx));
    this.resumer = new Resume(this.ctx, this.repeats, this.escalation, this.commands);
  }

  /** Whether this daemon does the incident work of conference `room` (always, on its own journal). */
  hears(room: string): boolean {
    return this.ctx.hears(room);
  }

  /**
   * An alert's announcement was heard (here, or before a restart or a takeover): its incident's
   * count goes up once per call, the next repeat is set. Settles once counted (never rejects).
   */
  announced(alertId: string, callToken: string): Promise<void> {
    const done = this.repeats.announced(alertId, callToken);
    this.ctx.track(done);
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
    if (this.deps.resumeEveryMs !== undefined) return this.ctx.track(this.resumer.resume());
    this.ctx.track(this.repeats.opened(alertId));
  }

  /**
   * After a restart, a takeover or an operator's change (SIGUSR2): repeats rescheduled, claims
   * made elsewhere told. Calls arriving while one runs are folded into one more run.
   */
  resume(): Promise<void> {
    return this.resumer.resume();
  }

  /**
   * Nobody can hear it (the room is empty) or nobody took it in time: the store's escalation
   * list is called, one after the other, until someone answers; that person can press 1 to
   * claim. Once per incident. No list: logged and reported as unheard.
   */
  escalateNow(ref: string, why: string): void {
    this.ctx.track(
      (async () => {
        const incident = await this.deps.incidents.find(ref);
        if (incident) await this.escalation.escalate(incident.id, why);
      })(),
    );
  }

  /** One accept for several alerts (a summary notification): each of their incidents, once. */
  claimAll(refs: readonly string[], by: string, via: ClaimVia): Promise<ClaimResult[]> {
    return this.commands.claimAll(refs, by, via);
  }

  claim(ref: string, by: string, via: ClaimVia): Promise<ClaimResult> {
    return this.commands.claim(ref, by, via);
  }

  /** A key press in conference room `room`: the oldest open incident there. */
  claimInRoom(room: string, by: string, via: ClaimVia): Promise<ClaimResult | { kind: 'nothing-open'; room: string }> {
    return this.commands.claimInRoom(room, by, via);
  }

  /** A reply in a store's conversation: the oldest open incident of its rooms (a channel may serve several stores). */
  claimOldestIn(rooms: readonly string[], by: string, via: ClaimVia): Promise<ClaimResult | { kind: 'nothing-open' }> {
    return this.commands.claimOldestIn(rooms, by, via);
  }

  resolve(ref: string, outcome: Outcome, by: string | null): Promise<ResolveResult> {
    return this.commands.resolve(ref, outcome, by);
  }

  /**
   * Housekeeping: a claimed incident nobody resolved since before `cutoff` is closed with the
   * outcome `no-outcome`. Returns how many.
   */
  closeUnresolved(cutoff: number): Promise<number> {
    return this.commands.closeUnresolved(cutoff);
  }

  async stop(): Promise<void> {
    this.ctx.stopped = true;
    const resuming = this.resumer.stop();
    this.ctx.live.stopTimers();
    await Promise.allSettled([...this.ctx.underWay(), resuming]);
  }
}
