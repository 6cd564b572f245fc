import type { CallOriginator, OriginateRequest } from '../pipeline/ports';
import { StepError } from '../pipeline/step-error';
import { renderTemplate } from '../pipeline/template';
import type { AmiClient } from './ami-client';
import type { AmiMessage, AmiFields } from './ami-codec';

export interface AmiOriginatorOptions {
  /** VEESION_ALERT_CHANNEL, e.g. `Local/${audio_conf_id}@xhoppers-conf`. */
  channelTemplate: string;
  /** VEESION_ALERT_ORIGIN: caller id, and the dialplan number in dialplan mode. */
  origin: string;
  mode: 'application' | 'dialplan';
  /** How long to wait for OriginateResponse after the action was queued. */
  responseTimeoutMs: number;
}

/** How long Asterisk lets the alert channel ring before giving up (Originate `Timeout`). */
const RING_TIMEOUT_MS = 30_000;

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
 * `Action: Originate` with `Async: true`; success is the `OriginateResponse` event for our
 * ActionID saying `Response: Success` (shared/fixtures/ami/originate-playback-into-confbridge.jsonl).
 */
export class AmiOriginator implements CallOriginator {
  /** Calls waiting for their OriginateResponse, by ActionID: one listener for all of them. */
  private readonly waiters = new Map<string, (m: AmiMessage | StepError) => void>();

  constructor(
    private readonly ami: AmiClient,
    private readonly opts: AmiOriginatorOptions,
  ) {
    ami.on('event', (m: AmiMessage) => {
      if (m.get('Event') !== 'OriginateResponse') return;
      this.waiters.get(m.get('ActionID') ?? '')?.(m);
    });
    ami.on('disconnect', () => {
      const lost = new StepError('AMI_DISCONNECTED', 'connection', 'AMI connection lost before OriginateResponse');
      for (const settle of [...this.waiters.values()]) settle(lost);
    });
  }

  async originate(req: OriginateRequest): Promise<{ channel: string }> {
    if (!this.ami.loggedIn) throw new StepError('AMI_NOT_READY', 'connection', `AMI is ${this.ami.state}`);
    // Only store fields (validated config) reach the Channel header, never alert values.
    const { store_veesion_id, audio_conf_id, xbees_channel_id } = req.store;
    const channel = renderTemplate(this.opts.channelTemplate, { store_veesion_id, audio_conf_id, xbees_channel_id });
    const actionId = this.ami.nextActionId('orig');
    const done = this.waitForResponse(actionId);
    let response: AmiMessage;
    try {
      response = await this.ami.action(this.fields(req, channel), actionId);
    } catch (err) {
      done.cancel();
      throw err;
    }
    if (response.get('Response') !== 'Success') {
      done.cancel();
      throw new StepError('AMI_ORIGINATE_REFUSED', 'rejected', `Originate refused: ${response.get('Message') ?? 'no reason'} (channel ${channel})`);
    }
    const event = await done.promise;
    if (event.get('Response') !== 'Success') {
      const reason = event.get('Reason') ?? '?';
      throw new StepError('AMI_ORIGINATE_FAILED', 'rejected', `call to ${channel} failed: reason ${reason} (${REASONS[reason] ?? 'unknown'})`);
    }
    return { channel: event.get('Channel') ?? channel };
  }

  private fields(req: OriginateRequest, channel: string): AmiFields {
    const { origin } = this.opts;
    const target: AmiFields =
      this.opts.mode === 'application'
        ? [['Application', 'Playback'], ['Data', req.speech.playbackPath]]
        : [['Context', origin], ['Exten', origin], ['Priority', '1']];
    const variables: AmiFields =
      this.opts.mode === 'dialplan'
        ? Object.entries(req.variables).map(([k, v]) => ['Variable', `${k}=${dialplanValue(v)}`] as const)
        : [];
    return [
      ['Action', 'Originate'],
      ['Channel', channel],
      ...target,
      ['CallerID', `"${origin}" <${origin}>`],
      ['Timeout', String(RING_TIMEOUT_MS)],
      ['Variable', `ALERT_ID=${dialplanValue(req.alertId)}`],
      ['Variable', `ALERT_AUDIO=${req.speech.playbackPath}`],
      ...variables,
      ['Async', 'true'],
    ];
  }

  /** Registers the waiter before the action is sent, so a fast event cannot be missed. */
  private waitForResponse(actionId: string): { promise: Promise<AmiMessage>; cancel(): void } {
    let cancel = () => undefined as void;
    const promise = new Promise<AmiMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(actionId);
        reject(new StepError('AMI_NO_ORIGINATE_RESPONSE', 'timeout', `no OriginateResponse within ${this.opts.responseTimeoutMs} ms`));
      }, this.opts.responseTimeoutMs);
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

/** Channel variables are split on `,` by some Asterisk versions: keep values to one token. */
function dialplanValue(v: string): string {
  return v.replace(/[\r\n\0,;|]/g, ' ');
}
