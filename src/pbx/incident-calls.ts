import type { Settings } from '../config/settings-schema';
import type { Logger } from '../log/logger';
import type { SpeechRenderer } from '../pipeline/ports';
import type { StoreRoute } from '../pipeline/alert';
import type { AmiClient } from './ami-client';
import { AmiOriginator } from './ami-originator';
import { escalationCaller } from './escalation-caller';
import { sharedRoomMembers } from './room-members';

/**
 * What incidents ask of the PBX beyond announcing: who is in a store's room
 * (an empty room escalates at once), and calls to the store's escalation list. Both need the
 * AMI; without it they are not offered and alerts are announced as before.
 */
export function incidentCalls(s: Settings, ami: AmiClient, speech: SpeechRenderer, logger: Logger) {
  const originator = new AmiOriginator(ami, {
    channelTemplate: s.VEESION_ALERT_CHANNEL,
    origin: s.VEESION_ALERT_ORIGIN,
    mode: 'application',
    responseTimeoutMs: s.BRIDGE_ORIGINATE_TIMEOUT_MS,
  });
  const people = sharedRoomMembers(ami, { ignoreCallerIdNum: s.VEESION_ALERT_ORIGIN });
  const everyone = sharedRoomMembers(ami);
  return {
    roomPresence: async (store: StoreRoute): Promise<'occupied' | 'empty' | 'unknown'> => {
      const answer = await people(store.audio_conf_id);
      if (answer.kind === 'unknown') {
        logger.debug('who is in the room is unknown: announcing anyway', {
          room: store.audio_conf_id,
          reason: answer.reason,
        });
        return 'unknown';
      }
      return answer.kind === 'members' && answer.members.length > 0 ? 'occupied' : 'empty';
    },
    /** How many are in the store's room now, the bridge's own leg aside; undefined when Asterisk cannot say. */
    headsets: async (store: StoreRoute): Promise<number | undefined> => {
      const answer = await people(store.audio_conf_id);
      return answer.kind === 'members' ? answer.members.length : answer.kind === 'empty' ? 0 : undefined;
    },
    /** Whether an announcement (the bridge's caller id) is playing in the room now; unknown counts as no. */
    announcing: async (room: string): Promise<boolean> => {
      const answer = await everyone(room);
      return answer.kind === 'members' && answer.members.some((m) => m.callerIdNum === s.VEESION_ALERT_ORIGIN);
    },
    callPerson: escalationCaller(originator, speech, s.BRIDGE_ESCALATION_RING_S * 1000),
  };
}
