import express from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpSim } from './http-sim';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: {
    id: string;
    time: number;
    type: string;
    attempt: number;
    integrationId: string;
    data: Record<string, unknown>;
  };
  /** Each signature scheme checked on its own, from the raw bytes (not with the bridge's code). */
  verified: { xSignature: boolean; pbxToken: boolean; standardWebhooks: boolean };
  at: number;
}

/**
 * An integrator's webhook receiver. Checks every signature the way a receiver following each
 * platform's documentation would, answers 204, or what the test asks for (a status with
 * headers such as Retry-After, or down for a while). Requests with a bad signature get 401.
 */
export class WebhookReceiverSimulator extends HttpSim {
  readonly received: ReceivedWebhook[] = [];
  /** Per path: the integration secret `integrations add` printed. */
  readonly secrets = new Map<string, string>();
  /** The next answers, in order (e.g. 503 with Retry-After, 410). */
  readonly answers: { status: number; headers?: Record<string, string> }[] = [];
  /** While set, every request is answered with this status. */
  down: number | undefined;
  /** The receiver's clock for the Standard Webhooks timestamp tolerance (5 minutes). */
  now: () => number = Date.now;

  start(): Promise<string> {
    const app = express();
    app.post(/.*/, express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
      const raw = req.body as Buffer;
      const secret = this.secrets.get(req.path);
      const verified = secret
        ? this.verify(secret, req.headers, raw)
        : { xSignature: false, pbxToken: false, standardWebhooks: false };
      let event: ReceivedWebhook['event'];
      try {
        event = JSON.parse(raw.toString('utf8')) as ReceivedWebhook['event'];
      } catch {
        return void res.status(400).send('not JSON');
      }
      this.received.push({
        path: req.path,
        headers: req.headers,
        body: raw.toString('utf8'),
        event,
        verified,
        at: Date.now(),
      });
      const answer = this.down !== undefined ? { status: this.down } : this.answers.shift();
      const send = () => {
        if (answer)
          return void res
            .status(answer.status)
            .set(answer.headers ?? {})
            .send(`simulated ${answer.status}`);
        if (!verified.xSignature || !verified.pbxToken || !verified.standardWebhooks)
          return void res.status(401).send('bad signature');
        res.status(204).end();
      };
      this.answerLater(send);
    });
    return this.listen(app);
  }

  /** Deliveries for one path, in arrival order. */
  at(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  private verify(secret: string, h: IncomingHttpHeaders, raw: Buffer): ReceivedWebhook['verified'] {
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
    const utf8Key = Buffer.from(secret, 'utf8');
    const xSignature = equal(one(h['x-signature']), createHmac('sha256', utf8Key).update(raw).digest('hex'));
    const pbxToken = equal(one(h['x-pbx-token']), createHmac('sha256', utf8Key).update('X-Pbx-Token').digest('hex'));
    // https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
    const id = one(h['webhook-id']);
    const ts = one(h['webhook-timestamp']);
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = createHmac('sha256', key)
      .update(Buffer.concat([Buffer.from(`${id}.${ts}.`), raw]))
      .digest('base64');
    const fresh = /^\d+$/.test(ts) && Math.abs(Math.floor(this.now() / 1000) - Number(ts)) <= 300;
    const standardWebhooks =
      fresh &&
      id.length > 0 &&
      one(h['webhook-signature'])
        .split(' ')
        .some((s) => s === `v1,${expected}`);
    return { xSignature, pbxToken, standardWebhooks };
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
