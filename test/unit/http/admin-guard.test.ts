import type { Request } from 'express';
import { adminRefusal, fromLoopbackDirectly, isLoopbackAddress } from '../../../src/http/admin-guard';
import { createApp, type ReadinessCheck } from '../../../src/http/app';
import { HttpServer } from '../../../src/http/http-server';
import { BridgeMetrics } from '../../../src/http/metrics';
import { capturedLogger } from '../../helpers/quiet-logger';

const ADMIN = 'admin-token-0123456789';
const req = (remoteAddress: string | undefined, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress }, headers }) as unknown as Pick<Request, 'headers' | 'socket'>;

describe('who may reach the admin routes', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.1.2.3', false],
    ['::ffff:10.1.2.3', false],
    ['192.168.1.127', false],
    ['fe80::1', false],
    ['::', false],
    [undefined, false],
  ])('%s is loopback: %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
    expect(fromLoopbackDirectly(req(address))).toBe(loopback);
  });

  it.each([
    ['Forwarded', { forwarded: 'for=203.0.113.7' }],
    ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.7' }],
    ['X-Real-IP', { 'x-real-ip': '203.0.113.7' }],
  ])('a request from 127.0.0.1 carrying %s came through a proxy: not loopback', (_h, headers) => {
    expect(fromLoopbackDirectly(req('127.0.0.1', headers))).toBe(false);
    expect(adminRefusal(req('127.0.0.1', headers), undefined)).toContain('BRIDGE_ADMIN_TOKEN');
    expect(adminRefusal(req('127.0.0.1', { ...headers, authorization: `Bearer ${ADMIN}` }), ADMIN)).toBeUndefined();
  });

  it('lets a remote address in with the admin token only', () => {
    expect(adminRefusal(req('10.1.2.3'), undefined)).toContain('set BRIDGE_ADMIN_TOKEN');
    expect(adminRefusal(req('10.1.2.3'), ADMIN)).toContain('Authorization: Bearer');
    expect(adminRefusal(req('10.1.2.3', { authorization: 'Bearer nope' }), ADMIN)).toBe('wrong admin token');
    expect(adminRefusal(req('10.1.2.3', { authorization: `Token ${ADMIN}` }), ADMIN)).toContain(
      'Authorization: Bearer',
    );
    expect(adminRefusal(req('10.1.2.3', { authorization: `Bearer ${ADMIN}` }), ADMIN)).toBeUndefined();
    expect(adminRefusal(req('127.0.0.1'), ADMIN)).toBeUndefined();
  });
});

describe('the app behind a real server', () => {
  let server: HttpServer;
  let base: string;
  let veesionBack = false;
  let ami = { ok: false, reason: 'AMI 127.0.0.1:5038 refused the connection' as string | undefined };
  beforeAll(async () => {
    const readiness: ReadinessCheck[] = [
      { name: 'journal', ok: () => true, reason: () => 'never shown' },
      { name: 'ami', ok: () => ami.ok, reason: () => ami.reason },
      {
        name: 'veesion',
        ok: () => {
          if (veesionBack) return true;
          throw new Error('token store gone');
        },
      },
    ];
    const app = createApp({
      token: 'hook-token-0123456789',
      ingest: async () => 'accepted',
      logger: capturedLogger().logger,
      metrics: new BridgeMetrics(),
      readiness,
      adminToken: ADMIN,
    });
    server = new HttpServer(app, '127.0.0.1', 0);
    base = `http://127.0.0.1:${await server.start()}`;
  });
  afterAll(() => server.stop());

  it('/readyz keeps its checks and gives each failing check its reason', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not ready',
      checks: { journal: true, ami: false, veesion: false },
      reasons: { ami: 'AMI 127.0.0.1:5038 refused the connection', veesion: 'check failed: token store gone' },
    });
    // A check that passes again drops its (now stale) reason.
    ami = { ok: true, reason: 'stale' };
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({
      checks: { ami: true },
      reasons: { veesion: 'check failed: token store gone' },
    });
    expect(((await (await fetch(`${base}/readyz`)).json()) as { reasons: object }).reasons).not.toHaveProperty('ami');
    veesionBack = true;
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({
      status: 'ready',
      checks: { journal: true, ami: true, veesion: true },
    });
  });

  it('refuses /readyz, /metrics and unknown paths to a proxied request from loopback, unless it shows the admin token', async () => {
    const proxied = { 'x-forwarded-for': '203.0.113.7' };
    for (const path of ['/readyz', '/metrics', '/api/v1/incidents', '/nowhere']) {
      const res = await fetch(`${base}${path}`, { headers: proxied });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: 'admin routes need Authorization: Bearer <BRIDGE_ADMIN_TOKEN> from outside this host',
      });
    }
    expect(
      (await fetch(`${base}/metrics`, { headers: { ...proxied, authorization: 'Bearer wrong-token-0123456' } })).status,
    ).toBe(403);
    expect((await fetch(`${base}/metrics`, { headers: { ...proxied, authorization: `Bearer ${ADMIN}` } })).status).toBe(
      200,
    );
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('keeps /healthz and the alert path open to proxied requests (they have their own checks)', async () => {
    const proxied = { forwarded: 'for=203.0.113.7;proto=https' };
    expect((await fetch(`${base}/healthz`, { headers: proxied })).status).toBe(200);
    const alert = await fetch(`${base}/api/v1/veesion?token=wrong`, {
      method: 'POST',
      headers: { ...proxied, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(alert.status).toBe(401);
    expect(
      (
        await fetch(`${base}/API/V1/Veesion/?token=wrong`, {
          method: 'POST',
          headers: { ...proxied, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(401);
  });
});
