/** The journal's detail of an announcement whose call was answered and is being heard out. */
export const ANSWERED = 'answered, playing: ';
/** ... and of one whose call is being placed (its token names the call on the PBX). */
export const CALLING = 'calling: ';

export const callingDetail = (token: string): string => `${CALLING}${token}`;
export const answeredDetail = (channel: string, token: string): string => `${ANSWERED}${channel} (call ${token})`;
