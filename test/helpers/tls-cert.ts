import { writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type tls from 'node:tls';
import { generate } from 'selfsigned';

/** A self-signed EC certificate for localhost and 127.0.0.1, written to the two paths. */
export async function writeSelfSigned(
  certFile: string,
  keyFile: string,
): Promise<{ cert: string; fingerprint256: string }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.private);
  return { cert: pems.cert, fingerprint256: new X509Certificate(pems.cert).fingerprint256 };
}

/** One HTTPS GET on a fresh connection that trusts `ca` only; with the served certificate's fingerprint. */
export function httpsGet(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers, agent: false, timeout: 10_000 }, (res) => {
      const peer = (res.socket as tls.TLSSocket).getPeerCertificate();
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint256: peer.fingerprint256 }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
  });
}
