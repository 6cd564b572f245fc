import type { StepCall } from '../pipeline/ports';

/** A step's or an incident's call columns as a StepCall (null when none is in flight). */
export function stepCall(r: {
  call_token: string | null;
  call_state: string | null;
  call_channel: string | null;
}): StepCall | null {
  if (r.call_token === null || (r.call_state !== 'calling' && r.call_state !== 'answered')) return null;
  return { token: r.call_token, state: r.call_state, channel: r.call_channel };
}
