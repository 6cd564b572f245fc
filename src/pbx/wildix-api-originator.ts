import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import type { CallOriginator, OriginateRequest, PlacedCall } from '../pipeline/ports';
import { StepError } from '../pipeline/step-error';
import { httpStepError } from '../http/client-errors';
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
  z.looseObject({ type: z.literal('result'), result: z.looseObject({ channel: z.string().max(200).optional() }).optional() }),
  z.looseObject({ type: z.literal('error'), reason: z.string().max(500).optional() }),
]);

/** Places the alert call with `POST /api/v1/originate` on the PBX's own REST API. */
export class WildixApiOriginator implements CallOriginator {
  private readonly http: AxiosInstance;

  constructor(private readonly opts: WildixApiOriginatorOptions) {
    this.http = axios.create({
      baseURL: opts.baseUrl,
      timeout: opts.responseTimeoutMs,
      headers: { Authorization: `Bearer ${opts.token}` },
      maxRedirects: 0,
    });
  }

  async originate(req: OriginateRequest): Promise<PlacedCall> {
    const spec = callSpec(req, this.opts);
    const body = {
      channel: spec.channel,
      callerId: spec.callerId,
      timeout: RING_TIMEOUT_MS / 1000,
      ...spec.target,
      variables: Object.fromEntries(spec.variables),
    };
    let data: unknown;
    try {
      data = (await this.http.post('/api/v1/originate', body)).data;
    } catch (err) {
      throw httpStepError(PBX, 'originate', err);
    }
    const parsed = answer.safeParse(data);
    if (!parsed.success) throw new StepError('WILDIX_BAD_RESPONSE', 'rejected', 'Wildix PBX API originate: unexpected response shape');
    if (parsed.data.type === 'error') {
      throw new StepError('WILDIX_ORIGINATE_FAILED', 'rejected', `call to ${spec.channel} failed: ${parsed.data.reason ?? 'no reason given'}`);
    }
    return { channel: parsed.data.result?.channel ?? spec.channel };
  }
}
