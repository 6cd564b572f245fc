import type { EventEmitter } from 'node:events';
import type { Logger } from '../log/logger';
import type { IncidentLoop } from '../pipeline/incident-loop';
import { listenForClaims, type ClaimPress } from './claim-events';

/**
 * Key 1 in a conference room: the oldest open incident of that room is
 * claimed for whoever pressed. Returns the function that stops listening.
 */
export function conferenceClaims(ami: EventEmitter, loop: IncidentLoop, logger: Logger, now: () => number): () => void {
  return listenForClaims(
    ami,
    (press: ClaimPress) => {
      // Every daemon on a shared journal hears the PBX's events: the room's holder acts on them.
      if (!loop.hears(press.room)) return;
      const by = press.callerIdName ?? press.callerIdNum ?? `someone in room ${press.room}`;
      // A press on an escalation call names its incident; one in a room takes the room's oldest.
      const claimed = press.incidentId
        ? loop.claim(press.incidentId, by, 'escalation')
        : loop.claimInRoom(press.room, by, 'conference');
      claimed.then(
        (result) => logPress(logger, press, by, result),
        // Inside the AMI client's event emit: a journal error must not become an unhandled rejection.
        (err: unknown) => logger.error('claim key press could not be recorded', { room: press.room, err }),
      );
    },
    { now, onIgnored: (why) => logger.debug('VeesionClaim ignored', { why }) },
  );
}

function logPress(
  logger: Logger,
  press: ClaimPress,
  by: string,
  result: Awaited<ReturnType<IncidentLoop['claimInRoom']>>,
): void {
  const fields = { room: press.room, by, callerIdNum: press.callerIdNum };
  switch (result.kind) {
    case 'claimed':
      return; // the incident log says it
    case 'nothing-open':
      return void logger.info('claim key pressed with no open incident in the room', fields);
    case 'already':
    case 'closed':
      return void logger.info('claim key pressed for an incident already taken', {
        ...fields,
        incidentId: result.incident.id,
        claimedBy: result.incident.claimedBy,
      });
    case 'not-found':
      return void logger.warn('claim key pressed for an incident that is not in the journal', {
        ...fields,
        incidentId: press.incidentId,
      });
  }
}
