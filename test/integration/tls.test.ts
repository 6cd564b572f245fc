import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootWorld, type World } from '../helpers/world';
import { tempDir } from '../helpers/paths';
import { runCli } from '../helpers/cli';
import { httpsGet, writeSelfSigned } from '../helpers/tls-cert';

const ADMIN = 'admin-token-for-the-tls-test';

describe('the receiver over built-in TLS', () => {
  let w: World;
  let first: { cert: string; fingerprint256: string };
  const dir = tempDir('vb-tls-');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const url = (path: string) => `https://127.0.0.1:${w.daemon.port}${path}`;
  const files = () => ['--env-file', w.world.envFile, '--stores-file', w.world.storesFile];

  beforeAll(async () => {
    first = await writeSelfSigned(certFile, keyFile);
    w = await bootWorld({
      settings: { BRIDGE_TLS_CERT_FILE: certFile, BRIDGE_TLS_KEY_FILE: keyFile, BRIDGE_ADMIN_TOKEN: ADMIN },
    });
  });
  afterAll(() => w.stop());

  it('answers over https with the configured certificate, and not over plain http', async () => {
    const res = await httpsGet(url('/healthz'), first.cert);
    expect(res).toEqual({ status: 200, body: '{"status":"ok"}', fingerprint256: first.fingerprint256 });
    await expect(fetch(`http://127.0.0.1:${w.daemon.port}/healthz`)).rejects.toThrow();
  });

  it('test-alert and status reach it over https, trusting the configured certificate', async () => {
    const sent = await runCli(['test-alert', '--store', 'store-d', '--json', ...files()]);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const { alertId } = JSON.parse(sent.stdout) as { alertId: string };
    expect(await w.finished(alertId)).toContainEqual(expect.objectContaining({ step: 'announce', state: 'succeeded' }));
    const status = await runCli(['status', '--json', ...files()]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ daemon: { up: true, checks: { journal: true } } });
  }, 60_000);

  it('refuses /readyz to a proxied request from loopback unless it shows the admin token', async () => {
    const proxied = { 'x-forwarded-for': '203.0.113.7' };
    const refused = await httpsGet(url('/readyz'), first.cert, proxied);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ error: expect.stringContaining('BRIDGE_ADMIN_TOKEN') });
    const allowed = await httpsGet(url('/readyz'), first.cert, { ...proxied, authorization: `Bearer ${ADMIN}` });
    expect(JSON.parse(allowed.body)).toMatchObject({ checks: { journal: true } });
  });

  it('serves a renewed certificate after a reload, and keeps it when the next file is broken', async () => {
    const renewed = await writeSelfSigned(certFile, keyFile);
    expect(w.daemon.reload()).toMatchObject({ restartNeeded: [] });
    expect((await httpsGet(url('/healthz'), renewed.cert)).fingerprint256).toBe(renewed.fingerprint256);
    await expect(httpsGet(url('/healthz'), first.cert)).rejects.toThrow();

    writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    expect(w.daemon.reload()).toEqual({
      issues: [expect.objectContaining({ path: expect.stringMatching(/\/env\.custom\.ini: BRIDGE_TLS_CERT_FILE$/) })],
    });
    expect((await httpsGet(url('/healthz'), renewed.cert)).fingerprint256).toBe(renewed.fingerprint256);
    expect(w.logLines().some((l) => l.includes('reload refused') && l.includes('BRIDGE_TLS_CERT_FILE'))).toBe(true);
  });
});
