import { alertVariables } from '../alert';
import type { Incident } from '../incident';
import { renderTemplate } from '../template';
import type { LoopContext } from './loop-context';

/** The room's announcement of a claim: the conference hears who took an incident, once, from the conference's holder. */
export class ClaimTelling {
  constructor(private readonly ctx: LoopContext) {}

  /** Once per claim: the conference hears who took it; then it is told (the chat has its follow-up). */
  tell(incident: Incident): void {
    if (this.ctx.live.peek(incident.id)?.telling || this.ctx.stopped) return;
    const live = this.ctx.live.of(incident.id);
    live.beginTelling();
    this.ctx.track(
      (async () => {
        try {
          await this.tellNow(incident);
        } finally {
          live.endTelling();
        }
      })(),
    );
  }

  private async tellNow(incident: Incident): Promise<void> {
    const { deps } = this.ctx;
    const store = deps.stores().get(incident.storeId);
    // Told meanwhile (a resume that read the list before the last telling ended): not again.
    const fresh = await deps.incidents.get(incident.id);
    if (!fresh || fresh.told || fresh.state !== 'claimed') return;
    const alert = await deps.alert(incident.lastAlertId);
    if (!store || !alert || deps.repeatsOnPbx?.(store)) {
      // Nothing to say it with (the store left x-hoppers.json), or the headsets hear it from
      // x-hoppers (a sentence would be one more notification to accept): told as far as it can be.
      await deps.incidents.markTold(incident.id, deps.clock.now());
      return;
    }
    const by = incident.claimedBy ?? 'someone';
    const text = renderTemplate(this.ctx.sentences(store).claimed, { ...alertVariables(alert, store), by });
    const [heard] = await Promise.allSettled([
      deps.speak({ alert, store, text, stillWanted: () => !this.ctx.stopped && this.ctx.hears(incident.room) }),
    ]);
    if (this.ctx.stopped || !this.ctx.hears(incident.room)) return; // not told yet: the next start (or holder) tells it
    await deps.incidents.markTold(incident.id, deps.clock.now());
    deps.report?.({
      kind: 'told',
      incident,
      heard: heard.status === 'fulfilled' && heard.value.kind === 'played',
      ...(heard.status === 'rejected' ? { error: String((heard.reason as Error)?.message ?? heard.reason) } : {}),
    });
  }
}
