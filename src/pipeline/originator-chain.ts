import type { CallOriginator, OriginateRequest, PlacedCall } from './ports';
import { asStepError, StepError } from './step-error';

/** Failures that say "this way to the PBX is not working now", not "the call itself failed". */
const FALL_THROUGH = new Set(['connection', 'timeout', 'auth']);

/**
 * BRIDGE_ORIGINATOR as a list tried in order: when one originator cannot reach the PBX (AMI
 * down, no OriginateResponse by its deadline), the next one places the call. A call the PBX
 * refused (busy, no such channel, hung up at once) is not tried again elsewhere: it would fail
 * the same way, and the step's own retry policy handles it.
 */
export class OriginatorChain implements CallOriginator {
  constructor(private readonly originators: readonly { name: string; originator: CallOriginator }[]) {
    if (originators.length === 0) throw new Error('at least one originator is needed');
  }

  answered(callToken: string): boolean | undefined {
    return this.originators.some(({ originator }) => originator.answered?.(callToken) === true) ? true : undefined;
  }

  callEnded(callToken: string): Promise<void> | undefined {
    for (const { originator } of this.originators) {
      const ended = originator.callEnded?.(callToken);
      if (ended) return ended;
    }
    return undefined;
  }

  onAnsweredElsewhere(listener: (callToken: string, channel: string) => void): void {
    for (const { originator } of this.originators) originator.onAnsweredElsewhere?.(listener);
  }

  async idle(): Promise<void> {
    await Promise.all(this.originators.map(({ originator }) => originator.idle?.()));
  }

  async originate(req: OriginateRequest): Promise<PlacedCall> {
    const failures: string[] = [];
    let last: StepError | undefined;
    for (const { name, originator } of this.originators) {
      try {
        const call = await originator.originate(req);
        return this.originators.length > 1 ? { ...call, via: name } : call;
      } catch (err) {
        last = asStepError(err);
        failures.push(`${name}: ${last.message}`);
        if (!FALL_THROUGH.has(last.kind)) break;
      }
    }
    if (!last || failures.length === 1) throw last ?? new StepError('NO_ORIGINATOR', 'internal', 'no originator');
    throw new StepError(last.code, last.kind, failures.join('; '), { cause: last });
  }
}
