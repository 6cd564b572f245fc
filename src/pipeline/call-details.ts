import type { StepCall } from './ports';

/** The step's human-readable detail while its call is in flight (the state itself is in StepCall). */
export function callDetail(call: StepCall): string {
  return call.state === 'calling'
    ? `calling (call ${call.token})`
    : `answered on ${call.channel ?? 'a channel'}, playing (call ${call.token})`;
}
