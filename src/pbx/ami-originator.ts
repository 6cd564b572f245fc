import type { CallOriginator, OriginateRequest, PlacedCall } from '../pipeline/ports';
import { StepError } from '../pipeline/step-error';
import { callSpec, RING_TIMEOUT_MS, type CallOptions, type CallSpec } from './call-spec';
import type { AmiClient } from './ami-client';
import type { AmiMessage, AmiFields } from './ami-codec';

export interface AmiOriginatorOptions extends CallOptions {
  /** How long to wait for OriginateResponse after the action was queued. */
  responseTimeoutMs: number;
}

/** How long an answered call's Hangup is waited for (longer than any announcement). */
const FOLLOW_MS = 10 * 60_000;

/** The ActionID of a call with a token (OriginateRequest.callToken): every daemon on the AMI can tell it was answered. */
const CALL_ACTION = 'vbcall-';

/** Asterisk's OriginateResponse Reason codes (AST_CONTROL_*), for operator-readable errors. */
const REASONS: Record<string, string> = {
  '0': 'no such extension or channel unavailable',
  '1': 'hung up',
  '3': 'no answer',
  '4': 'answered',
  '5': 'busy',
  '8': 'congestion',
};

/**
 * Why a call that Asterisk queued was not answered, from OriginateResponse's Reason
 * (fixtures/ami/escalation-noanswer-busy-answer.jsonl): 3 rang without answer, 5 busy,
 * 8 congestion, 1 hung up, 0 (and anything else) failed.
 */
export type CallFailure = 'no-answer' | 'busy' | 'congestion' | 'hung-up' | 'failed';

export function callFailure(reason: number | undefined): CallFailure {
  switch (reason) {
    case 3:
      return 'no-answer';
    case 5:
      return 'busy';
    case 8:
      return 'congestion';
    case 1:
      return 'hung-up';
    default:
      return 'failed';
  }
}

/** OriginateResponse said Failure: code AMI_ORIGINATE_FAILED, with the reason machine-readable. */
export class AmiCallFailed extends StepError {
  readonly failure: CallFailure;
  constructor(
    readonly channel: string,
    /** Asterisk's Reason number; undefined when the event had none or not a number. */
    readonly reason: number | undefined,
  ) {
    const shown = reason === undefined ? '?' : String(reason);
    super(
      'AMI_ORIGINATE_FAILED',
      'rejected',
      `call to ${channel} failed: reason ${shown} (${REASONS[shown] ?? 'unknown'})`,
    );
    this.failure = callFailure(reason);
  }
}

/**
 * `Action: Originate` with `Async: true`; success is the `OriginateResponse` event for our
 * ActionID saying `Response: Success` (fixtures/ami/originate-playback-into-confbridge.jsonl).
 */
export class AmiOriginator implements CallOriginator {
  /** Calls waiting for their OriginateResponse, by ActionID: one listener for all of them. */
  private readonly waiters = new Map<string, (m: AmiMessage | StepError) => void>();
  /** Answered calls whose Hangup we follow, by channel name. */
  private readonly following = new Map<
    string,
    { ended: Promise<void>; hungUp: () => void; forget: NodeJS.Timeout; own: boolean }
  >();
  /**
   * Calls with a token answered on this PBX, whoever placed them (OriginateResponse goes to
   * every session), by token: when, and their hang-up.
   */
  private readonly seenAnswered = new Map<string, { at: number; ended: Promise<void> }>();
  private readonly elsewhere: ((callToken: string, channel: string) => void)[] = [];
  /** Each answered call's hang-up, by ActionID, from its OriginateResponse until originate() takes it. */
  private readonly endings = new Map<string, Promise<void>>();

  constructor(
    private readonly ami: AmiClient,
    private readonly opts: AmiOriginatorOptions,
  ) {
    ami.on('event', (m: AmiMessage) => {
      const event = m.get('Event');
      if (event === 'Hangup') return void this.following.get(m.get('Channel') ?? '')?.hungUp();
      if (event !== 'OriginateResponse') return;
      const actionId = m.get('ActionID') ?? '';
      const waiter = this.waiters.get(actionId);
      // Follow the hang-up from this very event on: Asterisk may send it in the same chunk,
      // and it would then be handled before originate() resumes.
      const ended =
        m.get('Response') === 'Success' && (waiter || actionId.startsWith(CALL_ACTION))
          ? this.follow(m.get('Channel') ?? '', waiter !== undefined)
          : undefined;
      if (ended && actionId.startsWith(CALL_ACTION)) {
        const token = actionId.slice(CALL_ACTION.length);
        this.remember(token, ended);
        if (!waiter) for (const l of this.elsewhere) l(token, m.get('Channel') ?? '');
      }
      if (!waiter) return;
      if (ended) this.endings.set(actionId, ended);
      waiter(m);
    });
    ami.on('disconnect', () => {
      const lost = new StepError('AMI_DISCONNECTED', 'connection', 'AMI connection lost before OriginateResponse');
      for (const settle of [...this.waiters.values()]) settle(lost);
    });
  }

  async originate(req: OriginateRequest): Promise<PlacedCall> {
    // As before: BRIDGE_ORIGINATE_TIMEOUT_MS bounds the wait for a conference's answer.
    const actionId = req.callToken ? `${CALL_ACTION}${req.callToken}` : undefined;
    return this.place(callSpec(req, this.opts), RING_TIMEOUT_MS, this.opts.responseTimeoutMs, actionId);
  }

  /** True when this daemon saw the call of `callToken` answered; undefined when it did not (it may not have been connected). */
  answered(callToken: string): boolean | undefined {
    return this.seenAnswered.has(callToken) ? true : undefined;
  }

  onAnsweredElsewhere(listener: (callToken: string, channel: string) => void): void {
    this.elsewhere.push(listener);
  }

  callEnded(callToken: string): Promise<void> | undefined {
    return this.seenAnswered.get(callToken)?.ended;
  }

  /** Every call this daemon placed and saw answered has hung up (or its follow timed out). */
  async idle(): Promise<void> {
    await Promise.all([...this.following.values()].filter((f) => f.own).map((f) => f.ended));
  }

  private remember(token: string, ended: Promise<void>): void {
    const now = Date.now();
    this.seenAnswered.set(token, { at: now, ended });
    if (this.seenAnswered.size < 10_000) return;
    // Bounded: a takeover asks within seconds of a crash, so an hour is plenty.
    for (const [t, seen] of this.seenAnswered)
      if (now - seen.at > 3_600_000 || this.seenAnswered.size > 10_000) this.seenAnswered.delete(t);
  }

  /**
   * The same call (announcement, caller id, variables) to a given channel instead of the store's
   * conference, e.g. a person on the escalation list (`PJSIP/201`), ringing at most
   * `ringTimeoutMs`. Rejects with AmiCallFailed (`failure`: no-answer, busy...) when not answered.
   */
  async originateTo(
    channel: string,
    req: OriginateRequest,
    ringTimeoutMs = RING_TIMEOUT_MS,
    /** Instead of Playback: a dialplan entry (the escalation menu) and extra channel variables. */
    dialplan?: { context: string; exten: string; variables: [string, string][] },
  ): Promise<PlacedCall> {
    const spec = callSpec(req, this.opts);
    const target = dialplan
      ? {
          ...spec,
          target: { context: dialplan.context, exten: dialplan.exten, priority: '1' as const },
          variables: [...spec.variables, ...dialplan.variables],
        }
      : spec;
    // An unanswered call's OriginateResponse comes only after it rang for ringTimeoutMs.
    return this.place({ ...target, channel }, ringTimeoutMs, ringTimeoutMs + this.opts.responseTimeoutMs);
  }

  private async place(
    spec: CallSpec,
    ringTimeoutMs: number,
    waitMs: number,
    actionId = this.ami.nextActionId('orig'),
  ): Promise<PlacedCall> {
    if (!this.ami.loggedIn) throw new StepError('AMI_NOT_READY', 'connection', `AMI is ${this.ami.state}`);
    const { channel } = spec;
    const done = this.waitForResponse(actionId, waitMs);
    let response: AmiMessage;
    try {
      response = await this.ami.action(amiFields(spec, ringTimeoutMs), actionId);
    } catch (err) {
      done.cancel();
      throw err;
    }
    if (response.get('Response') !== 'Success') {
      done.cancel();
      throw new StepError(
        'AMI_ORIGINATE_REFUSED',
        'rejected',
        `Originate refused: ${response.get('Message') ?? 'no reason'} (channel ${channel})`,
      );
    }
    const event = await done.promise;
    if (event.get('Response') !== 'Success') {
      const reason = event.get('Reason');
      throw new AmiCallFailed(channel, reason !== undefined && /^[0-9]+$/.test(reason) ? Number(reason) : undefined);
    }
    const ended = this.endings.get(actionId) ?? new Promise<void>(() => undefined);
    this.endings.delete(actionId);
    return { channel: event.get('Channel') ?? channel, ended };
  }

  /**
   * Watches an answered channel for its Hangup (the `;1` leg that runs Playback ends when the
   * audio does). Forgotten after FOLLOW_MS: a lost connection must not keep entries forever.
   */
  private follow(channel: string, own: boolean): Promise<void> {
    const known = this.following.get(channel);
    if (known) return known.ended;
    let hungUp: () => void = () => {};
    const ended = new Promise<void>((resolve) => (hungUp = resolve));
    const forget = setTimeout(() => this.following.delete(channel), FOLLOW_MS);
    forget.unref();
    this.following.set(channel, {
      ended,
      forget,
      own,
      hungUp: () => {
        clearTimeout(forget);
        this.following.delete(channel);
        hungUp();
      },
    });
    return ended;
  }

  /** Registers the waiter before the action is sent, so a fast event cannot be missed. */
  private waitForResponse(actionId: string, timeoutMs: number): { promise: Promise<AmiMessage>; cancel(): void } {
    let cancel: () => void = () => {};
    const promise = new Promise<AmiMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(actionId);
        reject(new StepError('AMI_NO_ORIGINATE_RESPONSE', 'timeout', `no OriginateResponse within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = (m: AmiMessage | StepError) => {
        clearTimeout(timer);
        this.waiters.delete(actionId);
        if (m instanceof StepError) reject(m);
        else resolve(m);
      };
      this.waiters.set(actionId, settle);
      cancel = () => {
        clearTimeout(timer);
        this.waiters.delete(actionId);
      };
    });
    promise.catch(() => undefined); // observed by the caller, or cancelled
    return { promise, cancel: () => cancel() };
  }
}

/** The Originate action for a call (Async: the result comes as OriginateResponse). */
function amiFields(spec: CallSpec, ringTimeoutMs: number): AmiFields {
  const target: AmiFields =
    'application' in spec.target
      ? [
          ['Application', spec.target.application],
          ['Data', spec.target.data],
        ]
      : [
          ['Context', spec.target.context],
          ['Exten', spec.target.exten],
          ['Priority', spec.target.priority],
        ];
  return [
    ['Action', 'Originate'],
    ['Channel', spec.channel],
    ...target,
    ['CallerID', spec.callerId],
    ['Timeout', String(ringTimeoutMs)],
    ...spec.variables.map(([k, v]) => ['Variable', `${k}=${v}`] as const),
    ['Async', 'true'],
  ];
}
