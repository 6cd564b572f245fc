import express from 'express';
import { createHash, randomUUID } from 'node:crypto';
import { HttpSim } from './http-sim';

export interface SqsAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface SqsMessage {
  queue: string;
  messageId: string;
  body: string;
  attributes: Record<string, SqsAttribute>;
  groupId?: string;
  deduplicationId?: string;
  at: number;
}

const JSON_TYPE = 'application/x-amz-json-1.0';

type Fail = (status: number, type: string, queryCode: string, message: string) => void;

/**
 * Amazon SQS as the AWS SDK v3 speaks to it: the JSON 1.0 protocol (`POST /`, `X-Amz-Target:
 * AmazonSQS.SendMessage`, SigV4 `Authorization`), answering with the MD5 digests the SDK
 * checks. Queues are `<url>/<account>/<name>`. Can fail on demand with AWS-shaped errors.
 */
export class SqsSimulator extends HttpSim {
  readonly messages: SqsMessage[] = [];
  /** Requests refused before reaching a queue (bad signature, unknown queue...), with why. */
  readonly refused: string[] = [];

  constructor(
    readonly accessKeyId = 'AKIASIMULATOR0000000',
    readonly region = 'eu-west-1',
    readonly queues = ['123456789012/alerts'],
  ) {
    super();
  }

  queueUrl(name = this.queues[0] ?? ''): string {
    return `${this.url}/${name}`;
  }

  start(): Promise<string> {
    const app = express();
    app.post('/', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
      const fail: Fail = (status, type, queryCode, message) => {
        this.refused.push(`${type}: ${message}`);
        const fault = status >= 500 ? 'Receiver' : 'Sender';
        res
          .status(status)
          .set('x-amzn-query-error', `${queryCode};${fault}`)
          .type(JSON_TYPE)
          .send(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }));
      };
      const injected = this.failures.shift();
      if (injected !== undefined) {
        const [type, code] =
          injected >= 500 ? ['ServiceUnavailable', 'ServiceUnavailable'] : ['RequestThrottled', 'RequestThrottled'];
        return void this.answerLater(() => fail(injected, type, code, `simulated ${injected}`));
      }
      this.answerLater(() => this.handle(req, res, fail));
    });
    return this.listen(app);
  }

  private handle(req: express.Request, res: express.Response, fail: Fail): void {
    const auth = req.get('authorization') ?? '';
    const cred =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/sqs\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.exec(
        auth,
      );
    if (!cred)
      return fail(
        400,
        'MissingAuthenticationToken',
        'MissingAuthenticationToken',
        'Request is missing a SigV4 Authorization header',
      );
    if (cred[1] !== this.accessKeyId)
      return fail(
        403,
        'InvalidClientTokenId',
        'InvalidClientTokenId',
        'The security token included in the request is invalid',
      );
    if (cred[2] !== this.region)
      return fail(
        400,
        'InvalidSignature',
        'SignatureDoesNotMatch',
        `credential scope region ${cred[2]}, expected ${this.region}`,
      );
    if (req.get('x-amz-target') !== 'AmazonSQS.SendMessage')
      return fail(
        400,
        'UnknownOperationException',
        'UnknownOperation',
        `unsupported operation ${req.get('x-amz-target')}`,
      );
    if (!req.is(JSON_TYPE))
      return fail(400, 'InvalidParameterValue', 'InvalidParameterValue', `content type must be ${JSON_TYPE}`);
    let input: {
      QueueUrl?: unknown;
      MessageBody?: unknown;
      MessageAttributes?: Record<string, SqsAttribute>;
      MessageGroupId?: string;
      MessageDeduplicationId?: string;
    };
    try {
      input = JSON.parse((req.body as Buffer).toString('utf8')) as typeof input;
    } catch {
      return fail(400, 'SerializationException', 'SerializationException', 'body is not JSON');
    }
    const queue =
      typeof input.QueueUrl === 'string' && URL.canParse(input.QueueUrl)
        ? new URL(input.QueueUrl).pathname.slice(1)
        : '';
    if (!this.queues.includes(queue))
      return fail(
        400,
        'QueueDoesNotExist',
        'AWS.SimpleQueueService.NonExistentQueue',
        'The specified queue does not exist.',
      );
    if (
      typeof input.MessageBody !== 'string' ||
      input.MessageBody.length === 0 ||
      Buffer.byteLength(input.MessageBody) > 262_144
    ) {
      return fail(400, 'InvalidParameterValue', 'InvalidParameterValue', 'MessageBody must be 1 byte to 256 KiB');
    }
    const attributes = input.MessageAttributes ?? {};
    const message: SqsMessage = {
      queue,
      messageId: randomUUID(),
      body: input.MessageBody,
      attributes,
      ...(input.MessageGroupId ? { groupId: input.MessageGroupId } : {}),
      ...(input.MessageDeduplicationId ? { deduplicationId: input.MessageDeduplicationId } : {}),
      at: Date.now(),
    };
    this.messages.push(message);
    res.type(JSON_TYPE).send(
      JSON.stringify({
        MD5OfMessageBody: md5(Buffer.from(message.body, 'utf8')),
        ...(Object.keys(attributes).length > 0 ? { MD5OfMessageAttributes: attributesMd5(attributes) } : {}),
        MessageId: message.messageId,
      }),
    );
  }
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * MD5OfMessageAttributes as SQS computes it: per attribute, by name, the length-prefixed name,
 * data type and value, with a transport byte (1 string/number, 2 binary) before the value.
 */
export function attributesMd5(attributes: Record<string, SqsAttribute>): string {
  const parts: Buffer[] = [];
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name] as SqsAttribute;
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(a.DataType, 'utf8'));
    const binary = a.DataType.startsWith('Binary');
    parts.push(Buffer.from([binary ? 2 : 1]));
    field(binary ? Buffer.from(a.BinaryValue ?? '', 'base64') : Buffer.from(a.StringValue ?? '', 'utf8'));
  }
  return md5(Buffer.concat(parts));
}
