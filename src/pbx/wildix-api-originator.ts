import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import type { CallOriginator, OriginateRequest, PlacedCall } from '../pipeline/ports';
import { StepError } from '../pipeline/step-error';
import { pbxApiClient, pbxApiError } from './pbx-api';
import { callSpec, RING_TIMEOUT_MS, type CallOptions } from './call-spec';

export interface WildixApiOriginatorOptions extends CallOptions {
  /** The PBX's local REST API, e.g. `http://127.0.0.1`. */
  baseUrl: string;
  token: string;
  /** How long the PBX may take to answer (it answers once the call is answered or failed). */
  responseTimeoutMs: number;
}

const PBX = { name: 'Wildix PBX API', code: 'WILDIX' };

/** `{"type":"result","result":{...}}` or `{"type":"error","reason":"..."}`, as the WMS API answers. */
const answer = z.union([
  z.looseObject({
    type: z.literal('result'),
    result: z.looseObject({ channel: z.string().max(200).optional() }).optional(),
  }),
  z.looseObject({ type: z.literal('error'), reason: z.string().max(500).optional() }),
]);

/**
 * The body of `POST /api/v1/originate`: the WMS API's AMI-style Originate fields, lower-case,
 * with `timeout` in milliseconds (a count of seconds here would hang up after a few ms).
 */
export interface WmsOriginateBody {
  channel: string;
  callerid: string;
  timeout: number;
  /**
   * Every channel variable as `KEY=value`, joined with `,`. The API documents one string field
   * `variable` in `KEY=value` form; Asterisk's manager splits a Variable value on `,` into several
   * variables, and call-spec already keeps `,` out of the values.
   */
  variable: string;
  application?: 'Playback';
  data?: string;
  context?: string;
  exten?: string;
  priority?: number;
  /** false: the API answers once the call is answered or failed, which tells the outcome. */
  async: false;
}

export function wmsOriginateBody(spec: ReturnType<typeof callSpec>): WmsOriginateBody {
  const target =
    'application' in spec.target ? spec.target : { ...spec.target, priority: Number(spec.target.priority) };
  return {
    channel: spec.channel,
    callerid: spec.callerId,
    timeout: RING_TIMEOUT_MS,
    ...target,
    variable: spec.variables.map(([k, v]) => `${k}=${v}`).join(','),
    async: false,
  };
}

/** Places the alert call with `POST /api/v1/originate` on the PBX's own REST API. */
export class WildixApiOriginator implements CallOriginator {
  private readonly http: AxiosInstance;

  constructor(private readonly opts: WildixApiOriginatorOptions) {
    this.http = pbxApiClient(opts.baseUrl, opts.token, opts.responseTimeoutMs);
  }

  async originate(req: OriginateRequest): Promise<PlacedCall> {
    const spec = callSpec(req, this.opts);
    let data: unknown;
    try {
      data = (await this.http.post('/api/v1/originate', wmsOriginateBody(spec))).data;
    } catch (err) {
      throw pbxApiError(PBX, 'originate', err);
    }
    const parsed = answer.safeParse(data);
    if (!parsed.success)
      throw new StepError('WILDIX_BAD_RESPONSE', 'rejected', 'Wildix PBX API originate: unexpected response shape');
    if (parsed.data.type === 'error') {
      throw new StepError(
        'WILDIX_ORIGINATE_FAILED',
        'rejected',
        `call to ${spec.channel} failed: ${parsed.data.reason ?? 'no reason given'}`,
      );
    }
    return { channel: parsed.data.result?.channel ?? spec.channel };
  }
}
