import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { generateSecret, pbxToken, signedHeaders, xSignature } from '../../../src/integrations/signing';
import { REPO, FIXTURES } from '../../helpers/paths';

// The helper receivers copy: plain JavaScript, tested as they would use it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require(join(REPO, 'examples/verify-webhook.js')) as {
  verifyWebhook(
    secret: string,
    headers: Record<string, string>,
    raw: Buffer | string,
    o?: { now?: number },
  ): { ok: boolean; reason?: string; event?: { id: string } };
  verifySqsMessage(secret: string, body: string, attrs: Record<string, { StringValue: string }>): { ok: boolean };
  verifyXSignature(secret: string, raw: Buffer | string, sig: string): boolean;
};

const vector = JSON.parse(readFileSync(join(FIXTURES, 'wildix/call-end.signature.json'), 'utf8')) as {
  secret: string;
  value: string;
};
const vectorBody = readFileSync(join(FIXTURES, 'wildix/call-end.body.json'));

describe('x-signature (Wildix)', () => {
  it('matches the Wildix test vector over the raw body bytes', () => {
    expect(xSignature(vector.secret, vectorBody)).toBe(vector.value);
    expect(helper.verifyXSignature(vector.secret, vectorBody, vector.value)).toBe(true);
  });

  it('does not verify a body changed by one byte, or with another secret', () => {
    const changed = Buffer.from(vectorBody);
    changed[10] = changed[10] === 0x61 ? 0x62 : 0x61;
    expect(helper.verifyXSignature(vector.secret, changed, vector.value)).toBe(false);
    expect(helper.verifyXSignature(`${vector.secret}x`, vectorBody, vector.value)).toBe(false);
  });
});

describe('the headers of one request', () => {
  const secret = generateSecret();
  const body = JSON.stringify({
    id: 'evt_1',
    time: 1,
    type: 'alert.received',
    attempt: 1,
    integrationId: 'int_1',
    data: { alert: { storeId: 'é' } },
  });

  it('verify with the Standard Webhooks reference library', () => {
    const headers = signedHeaders(secret, 'evt_1', Date.now(), body);
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ id: 'evt_1' });
    expect(() => new Webhook(secret).verify(body.replace('é', 'e'), headers)).toThrow(/signature/i);
  });

  it('verify with the shipped helper, which refuses tampering, old timestamps and a wrong token', () => {
    const now = Date.now();
    const headers = signedHeaders(secret, 'evt_1', now, body);
    expect(helper.verifyWebhook(secret, headers, Buffer.from(body))).toMatchObject({
      ok: true,
      event: { id: 'evt_1' },
    });
    expect(helper.verifyWebhook(secret, headers, body.replace('int_1', 'int_2')).ok).toBe(false);
    expect(helper.verifyWebhook(secret, headers, body, { now: now + 10 * 60_000 })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('timestamp'),
    });
    expect(helper.verifyWebhook(secret, { ...headers, 'X-Pbx-Token': pbxToken(generateSecret()) }, body)).toMatchObject(
      { ok: false, reason: expect.stringContaining('X-Pbx-Token') },
    );
    expect(helper.verifyWebhook(secret, {}, body)).toMatchObject({ ok: false, reason: 'no signature header' });
  });

  it('never carry the secret itself', () => {
    const headers = signedHeaders(secret, 'evt_1', Date.now(), body);
    const raw = secret.slice('whsec_'.length);
    for (const value of Object.values(headers)) {
      expect(value).not.toContain(secret);
      expect(value).not.toContain(raw);
    }
  });

  it('sign SQS messages the same way in X-SIGNATURE', () => {
    expect(helper.verifySqsMessage(secret, body, { 'X-SIGNATURE': { StringValue: xSignature(secret, body) } }).ok).toBe(
      true,
    );
    expect(
      helper.verifySqsMessage(secret, `${body} `, { 'X-SIGNATURE': { StringValue: xSignature(secret, body) } }).ok,
    ).toBe(false);
  });
});

it('generates distinct whsec_ secrets of 32 random bytes', () => {
  const a = generateSecret();
  expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
  expect(generateSecret()).not.toBe(a);
});
