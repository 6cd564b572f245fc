import { alertVariables } from '../alert';
import { unheardLine } from '../follow-up';
import type { Incident } from '../incident';
import { cameraList } from '../sentences';
import { renderTemplate } from '../template';
import type { Escalation } from './escalation';
import type { LoopContext } from './loop-context';
import type { Outbox } from './outbox';

/** How often a repeat looks again for its alert's own announcement still under way past the expiry. */
const PENDING_RECHECK_MS = 1_000;

/**
 * An open incident's announcement turns: each heard announcement counts once, the next repeat is
 * set a full interval after it, and a repeat says the incident again (with the other incidents of
 * its room due about then, in one sentence) until it is claimed, its turns run out (unclaimed) or
 * its announcements expire (unclaimed, or unheard when none was heard). Both ends call its
 * escalation list.
 */
export class Repeats {
  /** Alerts whose heard announcement is being counted (their incident not looked up yet). */
  private readonly arriving = new Map<string, number>();
  /** Counts under way, by incident and call: the other alerts that call said wait for the same count. */
  private readonly counting = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: LoopContext,
    private readonly escalation: Escalation,
    private readonly outbox: Outbox,
  ) {}

  /** See IncidentLoop.announced. */
  announced(alertId: string, callToken: string): Promise<void> {
    const { incidents } = this.ctx.deps;
    // Known at once, before the journal is asked which incident it is: a repeat or an ending due
    // meanwhile waits for this count instead of acting on the count before it.
    this.arriving.set(alertId, (this.arriving.get(alertId) ?? 0) + 1);
    const work = (async () => {
      const incident = await incidents.find(alertId);
      if (incident?.state !== 'open' || incident.lastCall === callToken) return;
      const key = `${incident.id}\u0000${callToken}`;
      // Counted by another alert of the same call: its step ends once that count is in, not before.
      if (this.ctx.live.peek(incident.id)?.countedCall === callToken) return this.counting.get(key);
      this.ctx.live.of(incident.id).countedCall = callToken;
      const counted = this.count(incident.id, true, incident, callToken);
      this.counting.set(key, counted);
      return counted.finally(() => this.counting.delete(key));
    })();
    return work.finally(() => {
      const left = (this.arriving.get(alertId) ?? 1) - 1;
      if (left > 0) this.arriving.set(alertId, left);
      else this.arriving.delete(alertId);
    });
  }

  /** See IncidentLoop.opened (on the daemon's own journal). */
  async opened(alertId: string): Promise<void> {
    const { deps } = this.ctx;
    const incident = await deps.incidents.find(alertId);
    if (incident?.state !== 'open' || incident.announcements > 0 || incident.firstAlertId !== alertId) return;
    if (!this.ctx.hears(incident.room)) return; // the conference's holder picks it up from the journal
    // Written with the alert (one commit per acknowledgement, not two); older rows get it here.
    let next = incident.nextRepeatAt;
    if (next === null) {
      next = deps.clock.now() + deps.repeatMs;
      try {
        await deps.incidents.recordAnnouncement(incident.id, 0, next, 'open', deps.clock.now());
      } catch (err) {
        deps.onError?.(err); // the schedule still runs here; only a restart would lose the repeat time
      }
    }
    this.schedule(incident.id, next);
    this.escalation.schedule(incident);
  }

  /**
   * One more announcement turn (`heard`: said, not skipped for quiet hours or a silence).
   * `callToken`: the call that was heard, counted once whoever reports it.
   */
  count(id: string, heard = true, fresh?: Incident, callToken?: string): Promise<void> {
    // Just read, and no other count of it queued: no need to read it again.
    const known = this.ctx.live.peek(id)?.countUnderWay ? undefined : fresh;
    return this.ctx.live.of(id).serially(() => this.countNow(id, heard, known, callToken));
  }

  /** Its next repeat at `at`. A repeat already under way when it fires is the only one: that one counts and sets the next. */
  schedule(id: string, at: number): void {
    if (this.ctx.stopped) return;
    const live = this.ctx.live.of(id);
    live.repeatAt(at, () => {
      if (!live.beginRepeat()) return;
      this.ctx.track(this.repeat(id).finally(() => live.endRepeat()));
    });
  }

  private async countNow(id: string, heard: boolean, known?: Incident, callToken?: string): Promise<void> {
    const { deps } = this.ctx;
    const incident = known ?? (await deps.incidents.get(id));
    if (incident?.state !== 'open' || (callToken !== undefined && incident.lastCall === callToken)) return;
    this.escalation.schedule(incident);
    const now = deps.clock.now();
    const announcements = incident.announcements + 1;
    const onPbx = this.repeatsOnPbx(incident);
    const last = !onPbx && announcements >= deps.repeatMax;
    // Repeated by x-hoppers: the next look is when it stops waiting for an accept.
    const nextRepeatAt = last ? null : onPbx ? Math.max(now, this.pbxRepeatsEndAt(incident)) : now + deps.repeatMs;
    const state = last ? 'unclaimed' : 'open';
    const applied = await deps.incidents.recordAnnouncement(id, announcements, nextRepeatAt, state, now, callToken);
    // Claimed meanwhile, or this call counted already (by a daemon before a restart): read what it is now.
    const updated: Incident = applied
      ? { ...incident, announcements, nextRepeatAt, state, lastCall: callToken ?? incident.lastCall, call: null }
      : ((await deps.incidents.get(id)) ?? incident);
    if (!applied && callToken !== undefined && updated.lastCall === callToken) return;
    this.ctx.live.of(id).repeatFailed = false; // heard again: a later failure is news again
    if (heard) deps.report?.({ kind: 'announced', incident: updated, announcements });
    if (last) {
      this.ctx.live.peek(id)?.ended();
      if (updated.state === 'unclaimed') {
        deps.report?.({ kind: 'unclaimed', incident: updated });
        // Repeats ran out with nobody taking it: the escalation list is called now.
        this.ctx.track(this.escalation.escalate(id, `unclaimed after ${announcements} announcements`));
      }
      return;
    }
    if (nextRepeatAt !== null && updated.state === 'open') this.schedule(id, nextRepeatAt);
  }

  private async repeat(id: string): Promise<void> {
    const { deps } = this.ctx;
    const live = this.ctx.live.of(id); // held: its repeat is under way
    const incident = await deps.incidents.get(id);
    // Its conference went to another daemon meanwhile: the holder repeats it from the journal.
    if (incident?.state !== 'open' || !this.ctx.hears(incident.room)) return;
    const store = deps.stores().get(incident.storeId);
    const alert = await deps.alert(incident.lastAlertId);
    if (!store || !alert) return;
    const now = deps.clock.now();
    if (this.arriving.has(incident.lastAlertId) || this.arriving.has(incident.firstAlertId)) {
      // Its announcement is being counted right now: that count sets the next repeat.
      return this.schedule(id, now + PENDING_RECHECK_MS);
    }
    if (deps.repeatsOnPbx?.(store)) {
      // x-hoppers repeats it on the headsets until one accepts: the bridge places none of its own,
      // and once x-hoppers stops waiting, the incident ends untaken and is escalated.
      const endAt = this.pbxRepeatsEndAt(incident);
      if (now < endAt) return this.schedule(id, endAt);
      return this.giveUp(
        incident,
        `not accepted on a headset within ${Math.round((endAt - incident.openedAt) / 1000)} s`,
      );
    }
    const expiresAt = this.expiresAt(incident);
    if (await deps.incidents.announcePending(id)) {
      // Its alert's own announcement has not ended (queued behind others, retrying, or a call a
      // dead daemon left): that is this turn, and a repeat now would say it twice. Counted, it
      // sets the next repeat; given up, this one goes on.
      return this.schedule(id, now >= expiresAt ? now + PENDING_RECHECK_MS : Math.min(now + deps.repeatMs, expiresAt));
    }
    if (now >= expiresAt)
      return this.giveUp(
        incident,
        `could not be placed within ${Math.round((deps.expireMs ?? 0) / 1000)} s of its alert`,
      );
    if (deps.muted?.(store, now) !== undefined) {
      // Quiet: not said, but it uses up its turn, so an alert from the middle of the night is
      // never announced hours later when the quiet hours end.
      return this.count(id, false);
    }
    // One sentence per conference: the other open incidents of this room due within half an
    // interval are said with this one (and their own repeat is this one).
    const due = (await deps.incidents.live()).filter(
      (i) =>
        i.id !== id &&
        i.state === 'open' &&
        i.room === incident.room &&
        i.storeId === incident.storeId &&
        i.nextRepeatAt !== null &&
        i.nextRepeatAt <= now + deps.repeatMs / 2 &&
        now < this.expiresAt(i) &&
        !this.ctx.live.peek(i.id)?.repeating,
    );
    // Not one whose own first announcement still waits its turn: that one will say it.
    const pending = await Promise.all(due.map((i) => deps.incidents.announcePending(i.id)));
    const others = due.filter((i, n) => !pending[n] && !this.ctx.live.peek(i.id)?.repeating);
    const held = others.map((o) => this.ctx.live.of(o.id));
    for (const o of held) {
      o.cancelRepeat();
      o.beginRepeat();
    }
    const group = [incident, ...others];
    const wanted = [live, ...held];
    const ids = group.map((i) => i.id);
    const cameras = [...new Set(group.map((i) => i.cameraId))];
    const says = this.ctx.sentences(store);
    const vars = {
      ...alertVariables(alert, store),
      count: String(cameras.length),
      cameras: cameraList(cameras, says.and),
    };
    const text = renderTemplate(cameras.length > 1 ? says.summary : says.single, vars);
    const stillOpen = async () => {
      const now = await Promise.all(group.map((i) => deps.incidents.get(i.id)));
      return now.filter((i): i is Incident => i?.state === 'open');
    };
    try {
      const outcome = await deps.speak({
        alert,
        store,
        text,
        alertIds: group.map((i) => i.lastAlertId),
        stillWanted: () => !this.ctx.stopped && this.ctx.hears(incident.room) && wanted.some((l) => !l.settled),
        // Journaled before the call is placed, and again once answered: a restart or a takeover
        // counts a repeat that was heard instead of saying it again.
        calling: (token) =>
          Promise.resolve().then(() => deps.incidents.recordCall(ids, { token, state: 'calling', channel: null })),
        // Never throws into the call: a journal that cannot take it now leaves the repeat to be placed again after a restart.
        answered: (channel, token) =>
          void Promise.resolve()
            .then(() => deps.incidents.recordCall(ids, { token, state: 'answered', channel }))
            .catch((err: unknown) => deps.onError?.(err)),
      });
      if (outcome.kind === 'played') {
        for (const i of await stillOpen()) {
          this.ctx.live.of(i.id).countedCall = outcome.callToken;
          await this.count(i.id, true, undefined, outcome.callToken);
        }
      }
    } catch (err) {
      if (this.ctx.stopped) return;
      // Once per incident, not at every attempt; tried again while it can still help.
      if (!live.repeatFailed)
        deps.report?.({ kind: 'repeat-failed', incident, error: err instanceof Error ? err.message : String(err) });
      live.repeatFailed = true;
      // Not heard (it ended early, or was never answered): a restart must not count it.
      await Promise.resolve()
        .then(() => deps.incidents.recordCall(ids, null))
        .catch((e: unknown) => deps.onError?.(e));
      for (const i of await stillOpen())
        this.schedule(i.id, Math.min(deps.clock.now() + deps.repeatMs, this.expiresAt(i)));
    } finally {
      for (const o of held) o.endRepeat();
    }
  }

  /**
   * Its announcements expired with turns left: nothing more is attempted. Heard at least once, it
   * is unclaimed; never heard, it is unheard: integrations and the store's chat are told that the
   * headsets did not hear it. Either way its escalation list is called.
   */
  private giveUp(seen: Incident, why: string): Promise<void> {
    // After any count of it under way, on what the journal says then: a count that landed
    // meanwhile makes a heard incident, never an unheard one.
    return this.ctx.live.of(seen.id).serially(async () => {
      const incident = await this.ctx.deps.incidents.get(seen.id);
      if (incident?.state === 'open') await this.giveUpNow(incident, why);
    });
  }

  private async giveUpNow(incident: Incident, why: string): Promise<void> {
    const { deps } = this.ctx;
    const heard = incident.announcements > 0;
    const state = heard ? 'unclaimed' : 'unheard';
    const now = deps.clock.now();
    if (!(await deps.incidents.recordAnnouncement(incident.id, incident.announcements, null, state, now))) return; // taken meanwhile
    this.ctx.live.peek(incident.id)?.ended();
    const ended: Incident = { ...incident, state, nextRepeatAt: null, call: null };
    if (heard) {
      deps.report?.({ kind: 'unclaimed', incident: ended });
      this.ctx.track(this.escalation.escalate(incident.id, `unclaimed: ${why}`));
      return;
    }
    deps.report?.({ kind: 'unheard', incident: ended, why });
    this.outbox.publish('alert.unheard', ended);
    this.outbox.followUp(ended, 'unheard', unheardLine(ended));
    this.ctx.track(this.escalation.escalate(incident.id, `unheard: ${why}`));
  }

  private repeatsOnPbx(incident: Incident): boolean {
    const store = this.ctx.deps.stores().get(incident.storeId);
    return store !== undefined && this.ctx.deps.repeatsOnPbx?.(store) === true;
  }

  /** When x-hoppers stops waiting for a headset to accept (its confirmation timeout is BRIDGE_ESCALATE_AFTER_S). */
  private pbxRepeatsEndAt(incident: Incident): number {
    const { deps } = this.ctx;
    return incident.openedAt + (deps.escalateAfterMs ?? deps.repeatMs * deps.repeatMax);
  }

  /** When an incident's announcements stop being worth attempting: BRIDGE_ANNOUNCE_EXPIRE_S after its last alert. */
  private expiresAt(incident: Incident): number {
    const { expireMs } = this.ctx.deps;
    return expireMs === undefined ? Infinity : incident.lastAlertAt + expireMs;
  }
}
