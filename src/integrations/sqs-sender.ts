import { SQSClient, SendMessageCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { xSignature } from './signing';
import type { DeliveryAttempt, DeliveryResult, EventTransport } from './transport';

export interface SqsSenderOptions {
  /** BRIDGE_SQS_REGION; else taken from an AWS queue URL (sqs.<region>.amazonaws.com). */
  region?: string | undefined;
  /** BRIDGE_SQS_ENDPOINT; else AWS for an AWS queue URL, or the queue URL's own origin (ElasticMQ, LocalStack). */
  endpoint?: string | undefined;
  /** Static keys; without them the SDK's default chain (environment, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  timeoutMs: number;
}

/**
 * Sends the envelope as an SQS message through the AWS SDK. The body is the envelope; the
 * `X-SIGNATURE` attribute is hex HMAC-SHA256 of it (as webhooks' x-signature). A FIFO queue
 * gets the integration as its message group (order) and the event id for deduplication.
 */
export class SqsSender implements EventTransport {
  private readonly clients = new Map<string, SQSClient>();

  constructor(private readonly opts: SqsSenderOptions) {}

  async send(a: DeliveryAttempt): Promise<DeliveryResult> {
    const queueUrl = a.integration.url;
    const attributes: Record<string, MessageAttributeValue> = {
      'X-SIGNATURE': { DataType: 'String', StringValue: xSignature(a.integration.secret, a.body) },
      'webhook-id': { DataType: 'String', StringValue: a.eventId },
      'event-type': { DataType: 'String', StringValue: a.eventType },
    };
    const fifo = queueUrl.endsWith('.fifo')
      ? { MessageGroupId: a.integration.id, MessageDeduplicationId: a.eventId }
      : {};
    const command = new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: a.body,
      MessageAttributes: attributes,
      ...fifo,
    });
    try {
      const out = await this.client(queueUrl).send(command, { abortSignal: AbortSignal.timeout(this.opts.timeoutMs) });
      return { ok: true, status: out.$metadata.httpStatusCode ?? 200, answer: `MessageId ${out.MessageId ?? '?'}` };
    } catch (err) {
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const what =
        e.name === 'AbortError' || e.name === 'TimeoutError'
          ? `no answer within ${this.opts.timeoutMs} ms`
          : `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
      return { ok: false, error: `SQS SendMessage failed: ${what}`, ...(status !== undefined ? { status } : {}) };
    }
  }

  stop(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }

  private client(queueUrl: string): SQSClient {
    let client = this.clients.get(queueUrl);
    if (client) return client;
    const endpoint = this.opts.endpoint ?? (isAwsQueue(queueUrl) ? undefined : new URL(queueUrl).origin);
    client = new SQSClient({
      region: this.opts.region ?? regionOf(queueUrl) ?? 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
      maxAttempts: 1, // the delivery schedule retries, not the SDK
      requestHandler: { requestTimeout: this.opts.timeoutMs, connectionTimeout: this.opts.timeoutMs },
    });
    this.clients.set(queueUrl, client);
    return client;
  }
}

function isAwsQueue(url: string): boolean {
  return /\.amazonaws\.com(\.cn)?$/.test(new URL(url).hostname);
}

/** `https://sqs.eu-west-3.amazonaws.com/123456789012/alerts` -> `eu-west-3`. */
export function regionOf(url: string): string | undefined {
  return /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(url).hostname)?.[1];
}
