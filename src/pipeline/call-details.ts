/** The journal's detail of an announcement whose call was answered and is being heard out. */
export const ANSWERED = 'answered, playing: ';
/** ... and of one whose call is being placed (its token names the call on the PBX). */
export const CALLING = 'calling: ';

export const callingDetail = (token: string): string => `${CALLING}${token}`;
export const answeredDetail = (channel: string, token: string): string => `${ANSWERED}${channel} (call ${token})`;

/** The call token a step's detail names, in either form above; undefined for any other detail. */
export function callTokenIn(detail: string | null): string | undefined {
  if (detail?.startsWith(CALLING)) return detail.slice(CALLING.length);
  return /\(call ([0-9a-f-]{36})\)$/.exec(detail ?? '')?.[1];
}
