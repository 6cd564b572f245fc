import type { ClaimResult, ClaimVia, Incident, Outcome, ResolveResult } from '../incident';
import { IncidentCommands } from '../incident-commands';
import type { ClaimTelling } from './claim-telling';
import type { LoopContext } from './loop-context';

/** How long an incident whose repeats ran out can still be claimed by a key press. */
const UNCLAIMED_CLAIMABLE_MS = 10 * 60_000;

/**
 * Claims and resolves as the loop takes them (a key press, a reply in the chat, a headset's
 * accept, the HTTP API): the first claim wins. Its event and chat line are written with it by
 * IncidentCommands, as for the command line; what it means for the room and the repeats follows here.
 */
export class LoopCommands {
  private readonly commands: IncidentCommands;

  constructor(
    private readonly ctx: LoopContext,
    private readonly telling: ClaimTelling,
  ) {
    this.commands = new IncidentCommands(ctx.deps.incidents, (id) => ctx.deps.stores().get(id));
  }

  /** One accept for several alerts (a summary notification): each of their incidents, once. */
  async claimAll(refs: readonly string[], by: string, via: ClaimVia): Promise<ClaimResult[]> {
    const { incidents } = this.ctx.deps;
    const found = await Promise.all([...new Set(refs)].map((ref) => incidents.find(ref)));
    const ids = [...new Set(found.filter((i): i is Incident => i !== undefined).map((i) => i.id))];
    const results: ClaimResult[] = [];
    for (const id of ids) results.push(await this.claim(id, by, via));
    return results;
  }

  async claim(ref: string, by: string, via: ClaimVia): Promise<ClaimResult> {
    const { incidents, clock } = this.ctx.deps;
    const found = await incidents.find(ref);
    if (!found) return { kind: 'not-found', ref };
    const result = await this.commands.claim(found.id, by, via, clock.now());
    if (result.kind === 'claimed') this.onClaimed(result.incident, 'here');
    return result;
  }

  /**
   * A claim: nothing more is repeated or escalated, everyone is told once. The news comes from
   * where it was made (`here`), whose event and chat line were written with it; the conference
   * hears it from its holder, who finds a claim made elsewhere in the journal.
   */
  onClaimed(incident: Incident, where: 'here' | 'elsewhere'): void {
    this.ctx.live.settle(incident.id);
    if (where === 'here') this.ctx.deps.followUps?.written?.();
    // An operator's claim (the CLI wrote its event and follow-up) is news where it is found.
    if (where === 'here' || incident.claimedVia === 'cli') this.ctx.deps.report?.({ kind: 'claimed', incident });
    if (this.ctx.hears(incident.room)) this.telling.tell(incident);
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
    const { incidents, clock } = this.ctx.deps;
    // An unclaimed incident stays claimable for a while: the escalated person may press 1.
    const since = clock.now() - UNCLAIMED_CLAIMABLE_MS;
    const found = await Promise.all(rooms.map((room) => incidents.oldestOpenInRoom(room, since)));
    const oldest = found.filter((i): i is Incident => i !== undefined).sort((a, b) => a.openedAt - b.openedAt)[0];
    return oldest ? this.claim(oldest.id, by, via) : { kind: 'nothing-open' };
  }

  async resolve(ref: string, outcome: Outcome, by: string | null): Promise<ResolveResult> {
    const { incidents, clock } = this.ctx.deps;
    const found = await incidents.find(ref);
    if (!found) return { kind: 'not-found', ref };
    const result = await this.commands.resolve(found.id, outcome, by, clock.now());
    if (result.kind === 'resolved') {
      this.ctx.live.settle(found.id);
      this.ctx.deps.followUps?.written?.();
      this.ctx.deps.report?.({ kind: 'resolved', incident: result.incident });
    }
    return result;
  }

  /**
   * Housekeeping: a claimed incident nobody resolved since before `cutoff` is closed with the
   * outcome `no-outcome`. Returns how many.
   */
  async closeUnresolved(cutoff: number): Promise<number> {
    let closed = 0;
    for (const incident of await this.ctx.deps.incidents.claimedBefore(cutoff)) {
      if ((await this.resolve(incident.id, 'no-outcome', null)).kind === 'resolved') closed++;
    }
    return closed;
  }
}
