import type { StepCall } from '../step-call';
import type { LoopContext } from './loop-context';
import type { Escalation } from './escalation';
import type { LoopCommands } from './commands';
import type { Repeats } from './repeats';

/** An unclaimed incident whose escalation was cut short is called again only this soon after it opened. */
const ESCALATION_RESUMABLE_MS = 60 * 60_000;

/**
 * Picks the incidents' work up from the journal after a restart, a takeover or an operator's
 * change (SIGUSR2): repeats rescheduled, a repeat answered before a death counted, escalations cut
 * short called on, claims made elsewhere told. Calls arriving while one runs are folded into one
 * more run; on a shared journal, at most one run per `resumeEveryMs`.
 */
export class Resume {
  private resuming: Promise<void> | undefined;
  private again = false;
  private lastAt = -Infinity;
  private timer: { cancel(): void } | undefined;

  constructor(
    private readonly ctx: LoopContext,
    private readonly repeats: Repeats,
    private readonly escalation: Escalation,
    private readonly commands: LoopCommands,
  ) {}

  resume(): Promise<void> {
    const { deps } = this.ctx;
    const every = deps.resumeEveryMs;
    if (every !== undefined && !this.resuming) {
      const wait = this.lastAt + every - deps.clock.now();
      if (wait > 0) {
        // Soon, once: the calls meanwhile are one run.
        this.timer ??= deps.clock.setTimeout(() => {
          this.timer = undefined;
          if (!this.ctx.stopped) this.ctx.track(this.resume());
        }, wait);
        return Promise.resolve();
      }
    }
    if (this.resuming) {
      this.again = true;
      return this.resuming;
    }
    const run = async () => {
      do {
        this.again = false;
        this.lastAt = deps.clock.now();
        await this.resumeOnce();
      } while (this.again && !this.ctx.stopped && deps.resumeEveryMs === undefined);
    };
    this.resuming = run().finally(() => {
      this.resuming = undefined;
      if (this.again && !this.ctx.stopped) {
        this.again = false;
        this.ctx.track(this.resume()); // asked for after the last run had read the journal (throttled, on a shared one)
      }
    });
    return this.resuming;
  }

  /** The daemon stops: no run is started any more; settles once the one under way ended. */
  stop(): Promise<void> | undefined {
    this.timer?.cancel();
    return this.resuming;
  }

  private async resumeOnce(): Promise<void> {
    const { deps, live: lives } = this.ctx;
    const live = await deps.incidents.live();
    const open = new Set(live.filter((i) => i.state === 'open').map((i) => i.id));
    // Resolved or claimed meanwhile (by another daemon, or the CLI): their repeats are off, a repeat
    // waiting its turn too. (One opened since the list was read is not in it: its state is read again.)
    for (const { id } of lives.all().filter((l) => l.repeatDue || l.repeating)) {
      if (open.has(id)) continue;
      const now = await deps.incidents.get(id);
      if (now && now.state !== 'open') lives.settle(id);
    }
    for (const incident of live) {
      if (!this.ctx.hears(incident.room)) continue;
      const here = lives.peek(incident.id);
      if (incident.state === 'unclaimed' || incident.state === 'unheard') {
        // Its repeats ran out and its escalation list was being called (or about to be) when its
        // daemon stopped or died: called now, unless it is old news.
        if (incident.openedAt >= deps.clock.now() - ESCALATION_RESUMABLE_MS && !here?.escalating) {
          this.ctx.track(
            this.escalation.escalate(
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
        if (!here?.telling) this.commands.onClaimed(incident, 'elsewhere');
        continue;
      }
      const repeating = here?.repeatDue === true || here?.repeating === true;
      // A call that already counted (its answer written after the count) is no call in flight.
      const call = incident.call && incident.call.token !== incident.lastCall ? incident.call : null;
      if (call && !repeating && this.heardBefore(call)) {
        // A repeat answered before a restart or a takeover: it counts (and sets the next one).
        // One incident's write failing must not leave the ones after it with nothing scheduled.
        const counting = lives.of(incident.id);
        counting.beginRepeat();
        await this.repeats
          .count(incident.id, true, undefined, call.token)
          .catch((err: unknown) => {
            deps.onError?.(err);
            this.repeats.schedule(incident.id, deps.clock.now() + deps.repeatMs);
          })
          .finally(() => counting.endRepeat());
      } else if (incident.nextRepeatAt !== null && !repeating) {
        // A repeat placed by another daemon (its conference just came here) whose answer is not
        // known yet: once it is, it counts here; until then another repeat would say it twice.
        const placedElsewhere = call !== null && call.state === 'calling';
        this.repeats.schedule(
          incident.id,
          placedElsewhere ? Math.max(incident.nextRepeatAt, deps.clock.now() + deps.repeatMs) : incident.nextRepeatAt,
        );
      }
      if (incident.escalatedAt !== null && incident.escalationNote === null) {
        // Stopped or crashed while calling the list: the calls go on where they were.
        if (!lives.peek(incident.id)?.escalating)
          this.ctx.track(this.escalation.escalate(incident.id, 'resumed after a restart', true));
      } else {
        this.escalation.schedule(incident);
      }
    }
  }

  /** Whether a call found in flight on an incident was heard (recorded as answered, or seen answered on the PBX). */
  private heardBefore(call: StepCall): boolean {
    return call.state === 'answered' || this.ctx.deps.answeredOnPbx?.(call.token) === true;
  }
}
