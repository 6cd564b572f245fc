import https from 'node:https';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import axios from 'axios';
import { generate } from 'selfsigned';
import { receiverBase, receiverRequest } from '../../../src/cli/context';
import { tempDir } from '../../helpers/paths';
import { writeSelfSigned } from '../../helpers/tls-cert';

describe('how a local command reaches the receiver', () => {
  it('picks the scheme from the TLS setting and loopback for a wildcard bind', () => {
    expect(receiverBase({ BRIDGE_HTTP_HOST: '0.0.0.0', BRIDGE_HTTP_PORT: 8787 })).toBe('http://127.0.0.1:8787');
    expect(receiverBase({ BRIDGE_HTTP_HOST: '::1', BRIDGE_HTTP_PORT: 8443, BRIDGE_TLS_CERT_FILE: '/etc/c.pem' })).toBe(
      'https://[::1]:8443',
    );
  });

  it('shows the admin token to admin routes only', () => {
    const s = { BRIDGE_HTTP_HOST: '127.0.0.1', BRIDGE_HTTP_PORT: 1, BRIDGE_ADMIN_TOKEN: 'admin-token-0123456789' };
    expect(receiverRequest(s).headers).toEqual({});
    expect(receiverRequest(s, { admin: true }).headers).toEqual({ Authorization: 'Bearer admin-token-0123456789' });
  });

  it('trusts the configured certificate even when it names only the public host, and no other', async () => {
    const dir = tempDir('vb-cli-tls-');
    // A certificate for the public name only, as a proxy-less public bind would have.
    const pub = await generate([{ name: 'commonName', value: 'bridge.example.com' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'bridge.example.com' }] }],
    });
    writeFileSync(join(dir, 'public.pem'), pub.cert);
    await writeSelfSigned(join(dir, 'other.pem'), join(dir, 'other-key.pem'));
    const server = https.createServer({ cert: pub.cert, key: pub.private }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const get = (certFile: string) => {
      const s = { BRIDGE_HTTP_HOST: '127.0.0.1', BRIDGE_HTTP_PORT: port, BRIDGE_TLS_CERT_FILE: certFile };
      return axios.get(`${receiverBase(s)}/`, { ...receiverRequest(s), timeout: 10_000 });
    };
    try {
      expect((await get(join(dir, 'public.pem'))).data).toBe('ok');
      await expect(get(join(dir, 'other.pem'))).rejects.toThrow(/self-signed|certificate/i);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
