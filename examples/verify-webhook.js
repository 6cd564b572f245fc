/**
 * Checks the signatures veesion-bridge puts on integration events. No dependencies: copy this
 * file into your receiver. Verify the raw body bytes as received, before parsing the JSON.
 *
 *   const { verifyWebhook } = require('./verify-webhook');
 *   const result = verifyWebhook(secret, req.headers, rawBody);
 *   if (!result.ok) return res.writeHead(401).end(result.reason);
 *
 * Run it as a receiver to try an integration out:
 *   INTEGRATION_SECRET=whsec_... node examples/verify-webhook.js 9000
 *   veesion-bridge integrations add --type webhook --url http://127.0.0.1:9000/
 */
const crypto = require('node:crypto');

const PREFIX = 'whsec_';

function header(headers, name) {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

function hmac(key, message, encoding) {
  return crypto.createHmac('sha256', key).update(message).digest(encoding);
}

function same(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Wildix style: `x-signature` is hex HMAC-SHA256 of the raw body, keyed with the secret's UTF-8. */
function verifyXSignature(secret, rawBody, signature) {
  return (
    typeof signature === 'string' && same(hmac(Buffer.from(secret, 'utf8'), rawBody, 'hex'), signature.toLowerCase())
  );
}

/** VoIPLine style: `X-Pbx-Token` is fixed per integration (shown by `integrations add`). */
function expectedPbxToken(secret) {
  return hmac(Buffer.from(secret, 'utf8'), 'X-Pbx-Token', 'hex');
}

/** Standard Webhooks: `v1,<base64>` over `id.timestamp.body`, keyed with the base64 after `whsec_`. */
function verifyStandard(secret, rawBody, id, timestamp, signatures, toleranceS, nowS) {
  if (!id || !timestamp || !signatures) return 'missing webhook-id, webhook-timestamp or webhook-signature';
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowS - ts) > toleranceS)
    return 'webhook-timestamp outside the tolerance (replayed or clock skew)';
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  const expected = hmac(key, Buffer.concat([Buffer.from(`${id}.${ts}.`), Buffer.from(rawBody)]), 'base64');
  const match = signatures.split(' ').some((s) => s.startsWith('v1,') && same(s.slice(3), expected));
  return match ? undefined : 'webhook-signature does not match';
}

/**
 * Verifies a webhook request: every signature scheme present must match, and at least one must
 * be present. Returns { ok: true, event } or { ok: false, reason }.
 */
function verifyWebhook(secret, headers, rawBody, options = {}) {
  const toleranceS = options.toleranceS ?? 300;
  const nowS = Math.floor((options.now ?? Date.now()) / 1000);
  const xSig = header(headers, 'x-signature');
  const token = header(headers, 'x-pbx-token');
  const std = header(headers, 'webhook-signature');
  if (xSig === undefined && std === undefined) return { ok: false, reason: 'no signature header' };
  if (xSig !== undefined && !verifyXSignature(secret, rawBody, xSig))
    return { ok: false, reason: 'x-signature does not match' };
  if (token !== undefined && !same(token, expectedPbxToken(secret)))
    return { ok: false, reason: 'X-Pbx-Token does not match' };
  if (std !== undefined) {
    const problem = verifyStandard(
      secret,
      rawBody,
      header(headers, 'webhook-id'),
      header(headers, 'webhook-timestamp'),
      std,
      toleranceS,
      nowS,
    );
    if (problem) return { ok: false, reason: problem };
  }
  return { ok: true, event: JSON.parse(Buffer.from(rawBody).toString('utf8')) };
}

/** An SQS message: the `X-SIGNATURE` message attribute signs the message body like x-signature. */
function verifySqsMessage(secret, body, messageAttributes) {
  const attr = messageAttributes?.['X-SIGNATURE'];
  const signature = attr && (attr.StringValue ?? attr.stringValue);
  if (!verifyXSignature(secret, body, signature)) return { ok: false, reason: 'X-SIGNATURE does not match' };
  return { ok: true, event: JSON.parse(body) };
}

module.exports = { verifyWebhook, verifySqsMessage, verifyXSignature, expectedPbxToken };

if (require.main === module) {
  const secret = process.env.INTEGRATION_SECRET;
  if (!secret) {
    process.stderr.write('set INTEGRATION_SECRET to the secret `integrations add` printed\n');
    process.exit(2);
  }
  const port = Number(process.argv[2] ?? 9000);
  require('node:http')
    .createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const result = verifyWebhook(secret, req.headers, Buffer.concat(chunks));
        if (!result.ok) {
          process.stdout.write(`refused: ${result.reason}\n`);
          return void res.writeHead(401).end(result.reason);
        }
        process.stdout.write(`${result.event.type} ${result.event.id} attempt ${result.event.attempt}\n`);
        res.writeHead(204).end();
      });
    })
    .listen(port, () => process.stdout.write(`listening on port ${port}\n`));
}
