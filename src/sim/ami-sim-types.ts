/** What the AMI simulator records and how a test sets it up: its options, rights and people. */

export interface RecordedOriginate {
  actionId: string;
  channel: string;
  application?: string;
  data?: string;
  context?: string;
  exten?: string;
  callerId?: string;
  variables: string[];
  /** Every header as received, to check that nothing was smuggled in. */
  fields: ReadonlyArray<readonly [string, string]>;
  at: number;
}

/**
 * The alerts a recorded call said: ALERT_IDS for a merged or summary call, else ALERT_ID.
 * Throws when the call said more than its line could name (ALERT_COUNT): a caller counting
 * alerts heard would miss some.
 */
export function alertsSaid(o: Pick<RecordedOriginate, 'variables'>): string[] {
  const value = (name: string) => o.variables.find((v) => v.startsWith(`${name}=`))?.slice(name.length + 1);
  const many = value('ALERT_IDS');
  if (many !== undefined) {
    const named = many.split(' ').filter(Boolean);
    const count = Number(value('ALERT_COUNT') ?? named.length);
    if (count > named.length) throw new Error(`the call said ${count} alerts and names ${named.length}`);
    return named;
  }
  const one = value('ALERT_ID');
  return one ? [one] : [];
}

/**
 * What the next originates do: succeed, fail (Reason 0), never send the event, drop the socket
 * after the Response, or answer and hang up at once, in the same chunk (what Asterisk does when
 * Playback's file is missing: OriginateResponse still says Success).
 */
export type OriginateOutcome = 'success' | 'failure' | 'no-event' | 'drop-after-response' | 'early-hangup';

/** What a call to a person's channel does (fixtures/ami/escalation-noanswer-busy-answer.jsonl). */
export type PersonAnswer = 'answer' | 'no-answer' | 'busy';

/** Someone in a room: a staff phone that dialled `<room>@veesion-staff`. */
export interface SimPerson {
  callerIdNum: string;
  callerIdName: string;
  /** Asterisk's channel name; default `PJSIP/<callerIdNum>-<sequence>`. */
  channel?: string;
}

/** An AMI user's classes (manager.conf `read` for events, `write` for actions). */
export interface AmiRights {
  read: string[];
  write: string[];
}

/** deploy/asterisk/manager-veesion.conf. */
export const BRIDGE_RIGHTS: AmiRights = { read: ['call', 'user', 'reporting'], write: ['originate', 'reporting'] };
/** The user of fixtures/ami/claim-least-privilege.jsonl: no key presses, no ConfbridgeList. */
export const LEAST_RIGHTS: AmiRights = { read: ['call'], write: ['originate'] };

export interface AmiSimOptions {
  username?: string;
  secret?: string;
  /** The AMI user's rights; default BRIDGE_RIGHTS. */
  rights?: AmiRights;
  /** Delay between "queued" and OriginateResponse (a real call takes ~1-2 ms on loopback). */
  originateDelayMs?: number;
  /**
   * How long an answered call stays up when it plays no file of ours (dialplan mode without
   * ALERT_AUDIO). A Playback call lasts as long as its audio file, and ends at once if the file
   * is missing, as on a real Asterisk.
   */
  callLengthMs?: number;
  /** How long Asterisk waits before closing after a failed login (about 1 s). */
  loginFailureCloseMs?: number;
}
