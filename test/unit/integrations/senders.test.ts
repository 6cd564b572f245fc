import { WebhookSender } from '../../../src/integrations/webhook-sender';
import { SqsSender, regionOf } from '../../../src/integrations/sqs-sender';
import { WebhookReceiverSimulator } from '../../../src/sim/webhook-receiver-sim';
import { SqsSimulator } from '../../../src/sim/sqs-sim';
import { generateSecret } from '../../../src/integrations/signing';

const body = JSON.stringify({
  id: 'evt_1',
  time: 1,
  type: 'alert.received',
  attempt: 1,
  integrationId: 'int_1',
  data: {},
});

describe('WebhookSender', () => {
  const receiver = new WebhookReceiverSimulator();
  const secret = generateSecret();
  beforeAll(async () => {
    await receiver.start();
    receiver.secrets.set('/h', secret);
  });
  afterAll(() => receiver.stop());
  const attempt = (path = '/h') => ({
    integration: { id: 'int_1', type: 'webhook' as const, url: `${receiver.url}${path}`, secret },
    eventId: 'evt_1',
    eventType: 'alert.received',
    body,
    now: Date.now(),
  });

  it('sends the exact bytes it signed and counts only a 2xx', async () => {
    expect(await new WebhookSender({ timeoutMs: 2000, userAgent: 't' }).send(attempt())).toMatchObject({
      ok: true,
      status: 204,
    });
    expect(receiver.received.at(-1)).toMatchObject({
      body,
      verified: { xSignature: true, pbxToken: true, standardWebhooks: true },
    });
    receiver.answers.push({ status: 301, headers: { location: `${receiver.url}/h` } });
    expect(await new WebhookSender({ timeoutMs: 2000, userAgent: 't' }).send(attempt())).toMatchObject({
      ok: false,
      status: 301,
    });
    expect(receiver.received).toHaveLength(2); // the redirect was not followed
  });

  it('gives up on a receiver slower than the timeout', async () => {
    receiver.hold(); // never answers until released
    const result = await new WebhookSender({ timeoutMs: 150, userAgent: 't' }).send(attempt());
    receiver.release();
    expect(result).toEqual({ ok: false, error: 'no answer within 150 ms' });
  });

  it('reports a refused connection without throwing', async () => {
    const result = await new WebhookSender({ timeoutMs: 1000, userAgent: 't' }).send({
      ...attempt(),
      integration: { ...attempt().integration, url: 'http://127.0.0.1:1/' },
    });
    expect(result).toEqual({ ok: false, error: 'request failed: ECONNREFUSED' });
  });
});

describe('SqsSender', () => {
  const sim = new SqsSimulator('AKIATESTTESTTEST0000', 'eu-west-3');
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  const creds = { accessKeyId: sim.accessKeyId, secretAccessKey: 'k' };
  const attempt = () => ({
    integration: { id: 'int_1', type: 'sqs' as const, url: sim.queueUrl(), secret: 'whsec_AAAA' },
    eventId: 'evt_1',
    eventType: 'alert.received',
    body,
    now: Date.now(),
  });

  it('reaches a non-AWS queue at its own host, in the configured region, and the SDK accepts the checksums', async () => {
    const sender = new SqsSender({ region: 'eu-west-3', credentials: creds, timeoutMs: 2000 });
    expect(await sender.send(attempt())).toMatchObject({ ok: true, status: 200 });
    expect(sim.messages.at(-1)?.body).toBe(body);
    const wrongRegion = new SqsSender({ region: 'us-east-1', credentials: creds, timeoutMs: 2000 });
    expect(await wrongRegion.send(attempt())).toMatchObject({
      ok: false,
      status: 400,
      error: expect.stringContaining('SignatureDoesNotMatch: credential scope region us-east-1'),
    });
    sender.stop();
    wrongRegion.stop();
  });

  it('times out a slow queue', async () => {
    sim.hold(); // never answers until released
    const sender = new SqsSender({ region: 'eu-west-3', credentials: creds, timeoutMs: 150 });
    const result = await sender.send(attempt());
    sim.release();
    sender.stop();
    expect(result).toEqual({ ok: false, error: 'SQS SendMessage failed: no answer within 150 ms' });
  });

  it('takes the region of an AWS queue URL', () => {
    expect(regionOf('https://sqs.eu-west-3.amazonaws.com/123456789012/alerts')).toBe('eu-west-3');
    expect(regionOf('http://127.0.0.1:9324/000000000000/alerts')).toBeUndefined();
  });
});
