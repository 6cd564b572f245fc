import { createHmac, randomBytes } from 'node:crypto';

/**
 * How requests to integrations are signed, three ways at once so receivers built for any of
 * the PBX platforms' practices can check them:
 * - `x-signature` (Wildix): hex HMAC-SHA256 of the raw body, keyed with the secret's UTF-8 bytes.
 * - `X-Pbx-Token` (VoIPLine): a fixed token the receiver compares; derived from the secret, so
 *   the signing key itself never travels.
 * - Standard Webhooks (https://www.standardwebhooks.com): `webhook-signature: v1,<base64>` of
 *   HMAC-SHA256 over `id.timestamp.body`, keyed with the base64 part of the `whsec_` secret.
 */

const PREFIX = 'whsec_';

/** A new secret in the Standard Webhooks format: `whsec_` and 32 random bytes in base64. */
export function generateSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The `x-signature` header: hex(HMAC-SHA256(key = utf8(secret), message = raw body)). */
export function xSignature(secret: string, body: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

/** The `X-Pbx-Token` header value of an integration. */
export function pbxToken(secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update('X-Pbx-Token').digest('hex');
}

/** The Standard Webhooks key: the base64 after `whsec_`. */
function standardKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** The `webhook-signature` header for one attempt. */
export function standardSignature(secret: string, id: string, timestampS: number, body: string): string {
  const mac = createHmac('sha256', standardKey(secret)).update(`${id}.${timestampS}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** Every signing header of one webhook request. */
export function signedHeaders(secret: string, id: string, nowMs: number, body: string): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'x-signature': xSignature(secret, body),
    'X-Pbx-Token': pbxToken(secret),
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardSignature(secret, id, timestamp, body),
  };
}
