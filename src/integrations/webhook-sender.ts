import axios, { isAxiosError, type AxiosInstance } from 'axios';
import type { Readable } from 'node:stream';
import { signedHeaders } from './signing';
import { parseRetryAfter } from './delivery-schedule';
import type { DeliveryAttempt, DeliveryResult, EventTransport } from './transport';

/** How much of an answer is kept (shown by `integrations test`, logged on failure). */
const ANSWER_BYTES = 2048;

export interface WebhookSenderOptions {
  timeoutMs: number;
  userAgent: string;
  /** Tests and the CLI may pass their own client; its defaults are overridden per request. */
  http?: AxiosInstance;
}

/**
 * POSTs the signed envelope. Only a 2xx is a success; redirects are not followed (a signed
 * event is not re-sent elsewhere); the whole exchange has one deadline.
 */
export class WebhookSender implements EventTransport {
  private readonly http: AxiosInstance;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.http = opts.http ?? axios.create();
  }

  async send(a: DeliveryAttempt): Promise<DeliveryResult> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    try {
      const res = await this.http.post<Readable>(a.integration.url, a.body, {
        headers: {
          'content-type': 'application/json',
          'user-agent': this.opts.userAgent,
          ...signedHeaders(a.integration.secret, a.eventId, a.now, a.body),
        },
        signal,
        maxRedirects: 0,
        responseType: 'stream',
        validateStatus: () => true,
        transformRequest: [(data: unknown) => data],
      });
      const answer = await readSome(res.data, ANSWER_BYTES);
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, answer };
      const retryAfter = res.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined, a.now);
      return {
        ok: false,
        status: res.status,
        gone: res.status === 410,
        error: `receiver answered ${res.status}`,
        answer,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    } catch (err) {
      return { ok: false, error: describe(err, signal.aborted, this.opts.timeoutMs) };
    }
  }
}

function describe(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  if (isAxiosError(err)) return `request failed: ${err.code ?? err.message}`;
  return `request failed: ${String(err)}`;
}

/** The first `max` bytes of the answer as text; the rest is not read. */
async function readSome(stream: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      chunks.push(buf);
      size += buf.length;
      if (size >= max) break;
    }
  } catch {
    // A broken answer body does not change the status the receiver gave.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
