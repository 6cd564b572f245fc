import type { AmiClient } from './ami-client';
import type { AmiMessage } from './ami-codec';

export interface RoomMember {
  /** Asterisk's channel name, e.g. `PJSIP/201-0000001a` or `Local/7@veesion-staff-0000012e;2`. */
  channel: string;
  callerIdNum?: string;
  callerIdName?: string;
}

/** Who is in a conference room, as far as Asterisk can say. */
export type RoomMembers =
  | { kind: 'members'; members: RoomMember[] }
  | { kind: 'empty' }
  | { kind: 'unknown'; reason: string };

export interface RoomMembersOptions {
  /** VEESION_ALERT_ORIGIN: the bridge's own announcement leg in the room is not a person. */
  ignoreCallerIdNum?: string;
}

/**
 * Asterisk's answers to ConfbridgeList for a room nobody is in: the recorded one
 * (fixtures/ami/claim-dtmf-userevent-confbridgelist.jsonl), and app_confbridge.c's when no room at
 * all is open on the PBX.
 */
const NOBODY = new Set(['No Conference by that name found.', 'No active conferences.']);
const FIX_RIGHTS =
  'the AMI user may not send ConfbridgeList: give it write = originate,reporting in manager-veesion.conf ' +
  '(deploy/asterisk), then run asterisk -rx "manager reload"';

/**
 * Asks Asterisk who is in `room` with `Action: ConfbridgeList` (needs the `reporting` write class).
 * `empty` only when Asterisk says so; anything that prevents knowing is `unknown` with a reason
 * that tells the operator what to fix. Never throws.
 */
export async function roomMembers(
  client: Pick<AmiClient, 'listAction' | 'loggedIn' | 'notReadyReason'>,
  room: string,
  opts: RoomMembersOptions = {},
): Promise<RoomMembers> {
  if (!client.loggedIn)
    return { kind: 'unknown', reason: `not logged in to the AMI: ${client.notReadyReason ?? 'not connected'}` };
  let answer: Awaited<ReturnType<typeof client.listAction>>;
  try {
    answer = await client.listAction(
      [
        ['Action', 'ConfbridgeList'],
        ['Conference', room],
      ],
      'ConfbridgeListComplete',
    );
  } catch (err) {
    return {
      kind: 'unknown',
      reason: `ConfbridgeList for room ${room} got no full answer: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const { response, items } = answer;
  if (response.get('Response') !== 'Success') {
    const message = response.get('Message') ?? 'no message';
    if (NOBODY.has(message)) return { kind: 'empty' };
    if (message === 'Permission denied') return { kind: 'unknown', reason: FIX_RIGHTS };
    return { kind: 'unknown', reason: `ConfbridgeList for room ${room} refused: ${message}` };
  }
  const members = items
    .filter((m) => m.get('Event') === 'ConfbridgeList' && m.get('Conference') === room)
    .map(member)
    .filter((m) => opts.ignoreCallerIdNum === undefined || m.callerIdNum !== opts.ignoreCallerIdNum);
  return members.length > 0 ? { kind: 'members', members } : { kind: 'empty' };
}

/**
 * roomMembers asked once per room and turn of the event loop: the alerts said together in one
 * call each ask as the call is placed, in one turn, and a storm's summary must not send Asterisk
 * one ConfbridgeList per alert. A question from a later turn is asked afresh, even while the
 * earlier one is out: someone may have joined since that one was sent.
 */
export function sharedRoomMembers(
  client: Pick<AmiClient, 'listAction' | 'loggedIn' | 'notReadyReason'>,
  opts: RoomMembersOptions = {},
): (room: string) => Promise<RoomMembers> {
  const asked = new Map<string, Promise<RoomMembers>>();
  return (room) => {
    const out = asked.get(room);
    if (out) return out;
    const answer = roomMembers(client, room, opts);
    asked.set(room, answer);
    setImmediate(() => {
      if (asked.get(room) === answer) asked.delete(room);
    });
    return answer;
  };
}

function member(m: AmiMessage): RoomMember {
  const callerIdNum = known(m.get('CallerIDNum'));
  const callerIdName = known(m.get('CallerIDName'));
  return {
    channel: m.get('Channel') ?? '',
    ...(callerIdNum !== undefined ? { callerIdNum } : {}),
    ...(callerIdName !== undefined ? { callerIdName } : {}),
  };
}

function known(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t === undefined || t === '' || t === '<unknown>' ? undefined : t;
}
