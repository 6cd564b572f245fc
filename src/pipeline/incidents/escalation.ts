import { alertVariables } from '../alert';
import { escalatedLine } from '../follow-up';
import type { Incident } from '../incident';
import { renderTemplate } from '../template';
import type { LoopContext } from './loop-context';
import type { Outbox } from './outbox';

type EscalationOutcome = 'answered' | 'nobody-answered' | 'no-list' | 'taken';

/**
 * Nobody can hear an incident (its room is empty) or nobody took it in time: the store's
 * escalation list is called, one after the other, until someone answers; that person can press 1
 * to claim. Once per incident. No list: logged and reported as unheard.
 */
export class Escalation {
  constructor(
    private readonly ctx: LoopContext,
    private readonly outbox: Outbox,
  ) {}

  /** Its escalation at BRIDGE_ESCALATE_AFTER_S after it opened, unless one is set or done. */
  schedule(incident: Incident): void {
    const after = this.ctx.deps.escalateAfterMs;
    if (
      after === undefined ||
      this.ctx.stopped ||
      incident.escalatedAt !== null ||
      this.ctx.live.peek(incident.id)?.escalationDue
    )
      return;
    this.ctx.live
      .of(incident.id)
      .escalateAt(incident.openedAt + after, () =>
        this.ctx.track(this.escalate(incident.id, `still open ${Math.round(after / 1000)} s after its alert`)),
      );
  }

  /** Calls the list now (`resumed`: goes on with calls a stop or a death cut short). */
  async escalate(id: string, why: string, resumed = false): Promise<void> {
    const live = this.ctx.live.of(id);
    live.cancelEscalation();
    if (this.ctx.stopped) return;
    // Before the first await: a resume meanwhile must not start it twice.
    if (!live.beginEscalation()) return;
    try {
      const { incidents, clock } = this.ctx.deps;
      const incident = await incidents.get(id);
      if (!incident || !this.ctx.hears(incident.room)) return;
      // Resumed from a list read before an escalation here ended: only one still under way goes on.
      if (resumed && (incident.escalatedAt === null || incident.escalationNote !== null)) return;
      if (!resumed && !(await incidents.startEscalation(id, clock.now()))) return; // taken, closed, or done before
      await this.callTheList(id, why);
    } finally {
      live.endEscalation();
    }
  }

  private async callTheList(id: string, why: string): Promise<void> {
    const { deps } = this.ctx;
    const incident = (await deps.incidents.get(id)) as Incident; // just marked
    const store = deps.stores().get(incident.storeId);
    const alert = await deps.alert(incident.lastAlertId);
    const list = store?.escalation ?? [];
    const called: string[] = [];
    const finish = async (outcome: EscalationOutcome, to: string | null, note: string) => {
      await deps.incidents.finishEscalation(id, to, note, deps.clock.now());
      const done = (await deps.incidents.get(id)) ?? incident;
      // Unheard with nobody to call: its own event and chat line said it all; the note keeps why.
      const nothingNew = incident.state === 'unheard' && outcome === 'no-list';
      if (!nothingNew) this.outbox.publish('alert.escalated', done);
      // Taken meanwhile: the claim's own follow-up says who.
      if (outcome !== 'taken' && !nothingNew)
        this.outbox.followUp(
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
      deps.report?.({ kind: 'escalated', incident: done, outcome, to, note });
    };
    if (!store || !alert || list.length === 0 || !deps.callPerson) {
      // Logged and counted as unheard either way; the note (and the chat) says which.
      const reason =
        list.length === 0
          ? 'no escalation list for this store in x-hoppers.json'
          : !deps.callPerson
            ? 'no AMI connection configured to call the list with'
            : 'the alert is no longer in the journal';
      return finish('no-list', null, `${why}; ${reason}: nobody was called`);
    }
    const text = renderTemplate(this.ctx.sentences(store).single, alertVariables(alert, store));
    const tried: string[] = [];
    for (const channel of list) {
      // Stopping, or its conference went to another daemon: not finished, whoever resumes calls on.
      if (this.ctx.stopped || !this.ctx.hears(incident.room)) return;
      const now = (await deps.incidents.get(id))?.state;
      if (now === 'claimed' || now === 'resolved')
        return finish(
          'taken',
          null,
          `${why}; taken (${now}) while calling, so the calls stopped (${tried.join('; ') || 'nobody called yet'})`,
        );
      called.push(channel);
      const result = await deps.callPerson(channel, { incidentId: id, alert, store, text, room: incident.room });
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
}
