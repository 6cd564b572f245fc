import type { EventEmitter } from 'node:events';
import type { Logger } from '../log/logger';
import type { IncidentLoop } from '../pipeline/incident-loop';
import { listenForClaims, type ClaimPress } from './claim-events';

/**
 * Key 1 in a conference room (DESIGN section 5): the oldest open incident of that room is
 * claimed for whoever pressed. Returns the function that stops listening.
 */
export function conferenceClaims(ami: EventEmitter, loop: IncidentLoop, logger: Logger, now: () => number): () => void {
  return listenForClaims(ami, (press: ClaimPress) => {
    const by = press.callerIdName ?? press.callerIdNum ?? `someone in room ${press.room}`;
    let result: ReturnType<IncidentLoop['claimInRoom']>;
    try {
      // A press on an escalation call names its incident; one in a room takes the room's oldest.
      result = press.incidentId ? loop.claim(press.incidentId, by, 'escalation') : loop.claimInRoom(press.room, by, 'conference');
    } catch (err) {
      // Inside the AMI client's event emit: a journal error must not become an uncaught exception.
      return void logger.error('claim key press could not be recorded', { room: press.room, err });
    }
    const fields = { room: press.room, by, callerIdNum: press.callerIdNum };
    switch (result.kind) {
      case 'claimed':
        return; // the incident log says it
      case 'nothing-open':
        return void logger.info('claim key pressed with no open incident in the room', fields);
      case 'already':
      case 'closed':
        return void logger.info('claim key pressed for an incident already taken', { ...fields, incidentId: result.incident.id, claimedBy: result.incident.claimedBy });
      case 'not-found':
        return void logger.warn('claim key pressed for an incident that is not in the journal', { ...fields, incidentId: press.incidentId });
    }
  }, { now, onIgnored: (why) => logger.debug('VeesionClaim ignored', { why }) });
}
