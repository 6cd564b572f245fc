import type { SpeechRenderer } from '../pipeline/ports';
import type { EscalationCall } from '../pipeline/incident-loop';
import { AmiCallFailed, type AmiOriginator } from './ami-originator';
import { dialplanValue } from './call-spec';

/** The dialplan that plays the announcement to an escalated person and takes key 1 (deploy/asterisk/extensions-veesion.conf). */
export const ESCALATION_CONTEXT = 'veesion-escalation';

/**
 * Calls one person of a store's escalation list with the announcement. The
 * call runs `veesion-escalation`, which plays it and, on key 1, raises the same VeesionClaim
 * as a press in the store's room, for this channel: the person claims from the phone.
 */
export function escalationCaller(originator: AmiOriginator, speech: SpeechRenderer, ringMs: number) {
  return async (
    channel: string,
    req: EscalationCall,
  ): Promise<{ answered: true } | { answered: false; why: string }> => {
    try {
      const rendered = await speech.render(req.text);
      await originator.originateTo(
        channel,
        { alertId: req.alert.id, store: req.store, speech: rendered, variables: {} },
        ringMs,
        {
          context: ESCALATION_CONTEXT,
          exten: 's',
          variables: [
            ['XH_ROOM', dialplanValue(req.room)],
            ['XH_CLAIMER', dialplanValue(channel)],
            ['XH_INCIDENT', dialplanValue(req.incidentId)],
          ],
        },
      );
      return { answered: true };
    } catch (err) {
      if (err instanceof AmiCallFailed) return { answered: false, why: err.failure };
      return { answered: false, why: err instanceof Error ? err.message : String(err) };
    }
  };
}
