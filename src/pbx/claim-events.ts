import type { EventEmitter } from 'node:events';
import type { AmiMessage } from './ami-codec';
import { MAX_NAME_LENGTH, cleanName } from '../pipeline/person-name';

/** A staff member pressed the claim key in a room (deploy/asterisk/extensions-veesion.conf). */
export interface ClaimPress {
  /** The conference room (`audio_conf_id`), digits only. */
  room: string;
  /** Who pressed, when Asterisk knows: absent when empty or `<unknown>`. */
  callerIdNum?: string;
  callerIdName?: string;
  /** When the bridge received it (ms since the epoch, from the injected clock). */
  at: number;
  /** From an escalation call: the incident that call was about (claimed as such, not the room's oldest). */
  incidentId?: string;
}

export interface ClaimEventOptions {
  /**
   * The dialplan context that raises the UserEvent (`veesion-claim`). The event's channel must be
   * in it: a UserEvent raised elsewhere (another dialplan, or an AMI user's `Action: UserEvent`,
   * which has no channel) is not a key press in a room.
   */
  context?: string;
  now?: () => number;
  /** Told about an ignored VeesionClaim and why (for a debug log line); optional. */
  onIgnored?: (why: string) => void;
}

export const CLAIM_USER_EVENT = 'VeesionClaim';
export const CLAIM_CONTEXT = 'veesion-claim';
/** Caller id names and numbers longer than this are cut (the chat and the speech show them). */
export const MAX_CALLER_ID_LENGTH = MAX_NAME_LENGTH;
/** Room numbers are `_X!` extensions; this bounds them to something a PBX really uses. */
const ROOM = /^[0-9]{1,20}$/;
/** Incident ids are ours (`inc_<uuid>`): anything else in the header is not one. */
const INCIDENT = /^inc_[0-9a-f-]{36}$/;

/**
 * Listens to an AmiClient's 'event's and hands each valid `UserEvent: VeesionClaim` to `onClaim`.
 * Returns a function that stops listening.
 */
export function listenForClaims(
  client: EventEmitter,
  onClaim: (press: ClaimPress) => void,
  opts: ClaimEventOptions = {},
): () => void {
  const listener = (m: AmiMessage) => {
    if (m.get('Event') !== 'UserEvent') return;
    const press = parseClaim(m, opts);
    if (typeof press === 'string') return void (press && opts.onIgnored?.(press));
    onClaim(press);
  };
  client.on('event', listener);
  return () => void client.off('event', listener);
}

/**
 * A UserEvent as Asterisk 12+ sends it (fixtures/ami/claim-dtmf-userevent-confbridgelist.jsonl):
 * the raising channel's snapshot first (its own `CallerIDNum`, `Context`...), then
 * `UserEvent: <name>`, then the body the dialplan gave. The same header name can appear in both
 * parts, so the body is read only after the `UserEvent` header. Returns why it was ignored ('' for
 * another UserEvent, which is none of our business).
 */
export function parseClaim(m: AmiMessage, opts: ClaimEventOptions = {}): ClaimPress | string {
  const at = m.fields.findIndex(([k]) => k.toLowerCase() === 'userevent');
  if (at < 0 || m.fields[at]?.[1] !== CLAIM_USER_EVENT) return '';
  const channel = m.fields.slice(0, at);
  const body = m.fields.slice(at + 1);
  const context = opts.context ?? CLAIM_CONTEXT;
  if (one(channel, 'Context') !== context) return `not raised in the ${context} context`;
  const room = one(body, 'Room');
  const num = one(body, 'CallerIDNum');
  const name = one(body, 'CallerIDName');
  if (room === undefined || num === undefined || name === undefined)
    return 'Room, CallerIDNum or CallerIDName missing, or given twice';
  if (!ROOM.test(room)) return 'Room is not a number';
  const callerIdNum = callerId(num);
  const callerIdName = callerId(name);
  const incidentId = one(body, 'Incident');
  if (incidentId !== undefined && incidentId !== '' && !INCIDENT.test(incidentId))
    return 'Incident is not an incident id';
  return {
    room,
    ...(incidentId ? { incidentId } : {}),
    ...(callerIdNum !== undefined ? { callerIdNum } : {}),
    ...(callerIdName !== undefined ? { callerIdName } : {}),
    at: (opts.now ?? Date.now)(),
  };
}

/** The value of a header that appears exactly once in `fields` (case-insensitive key). */
function one(fields: ReadonlyArray<readonly [string, string]>, key: string): string | undefined {
  const k = key.toLowerCase();
  const values = fields.filter(([name]) => name.toLowerCase() === k);
  return values.length === 1 ? values[0]?.[1] : undefined;
}

/** A caller id becomes a claimer's name: made to keep the names rule; absent when empty or Asterisk's `<unknown>`. */
function callerId(value: string): string | undefined {
  const v = cleanName(value, MAX_CALLER_ID_LENGTH);
  return v === '<unknown>' ? undefined : v;
}
