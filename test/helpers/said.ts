import { alertsSaid, type AmiSimulator } from '../../src/sim/ami-sim';

/** How close to a kill an answer may come and still not be in the dead daemon's journal. */
const UNRECORDED_MS = 250;

/**
 * How many answered calls said each alert (a summary or a repeat names several), and how many
 * of those may be said once more by design: a call whose Originate went out before a kill and
 * whose answer came after it (or just before it, not yet written) is placed again, since a
 * missed alert is worse than one said twice.
 */
export function saidPerAlert(
  ami: AmiSimulator,
  kills: readonly number[],
): { said: Map<string, number>; spare: Map<string, number> } {
  const said = new Map<string, number>();
  const spare = new Map<string, number>();
  const answered = new Map(ami.calls.map((c) => [c.actionId, c.answeredAt]));
  for (const o of ami.originates) {
    const at = answered.get(o.actionId);
    if (at === undefined) continue; // never answered: nobody heard it
    const inFlight = kills.some((k) => o.at <= k && at > k - UNRECORDED_MS);
    for (const id of alertsSaid(o)) {
      said.set(id, (said.get(id) ?? 0) + 1);
      if (inFlight) spare.set(id, (spare.get(id) ?? 0) + 1);
    }
  }
  return { said, spare };
}
