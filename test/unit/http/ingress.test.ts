import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../../src/http/app';
import { BridgeMetrics } from '../../../src/http/metrics';
import type { Alert } from '../../../src/pipeline/alert';
import { capturedLogger } from '../../helpers/quiet-logger';

const TOKEN = 'hook-token-0123456789';

async function serve(
  ingest: (a: Alert, raw: string) => Promise<'accepted' | 'duplicate' | 'unroutable'>,
  ready = true,
) {
  const app = createApp({
    token: TOKEN,
    ingest,
    logger: capturedLogger().logger,
    metrics: new BridgeMetrics(),
    readiness: [{ name: 'journal', ok: () => ready }],
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('alert ingress', () => {
  it('answers 503 when the journal cannot be written, so Veesion retries', async () => {
    const s = await serve(async () => {
      throw new Error('SQLITE_READONLY: attempt to write a readonly database');
    }, false);
    const res = await fetch(`${s.base}/api/v1/veesion?token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"storeId":"s1"}',
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'journal unavailable, retry later' });
    expect((await fetch(`${s.base}/readyz`)).status).toBe(503);
    await s.close();
  });

  it('does not read the body of an unauthenticated request', async () => {
    let called = false;
    const s = await serve(async () => {
      called = true;
      return 'accepted';
    });
    const res = await fetch(`${s.base}/api/v1/veesion?token=nope`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"storeId":"s1"}',
    });
    expect(res.status).toBe(401);
    expect(called).toBe(false);
    await s.close();
  });

  it('hands the raw body and the parsed alert to the journal', async () => {
    const seen: { alert: Alert; raw: string }[] = [];
    const s = await serve(async (alert, raw) => {
      seen.push({ alert, raw });
      return 'accepted';
    });
    const body = '{"storeId":"s1","cameraId":7,"extra":{"kept":true}}';
    const res = await fetch(`${s.base}/api/v1/veesion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-pbx-token': TOKEN },
      body,
    });
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ alert: expect.objectContaining({ storeId: 's1', cameraId: '7' }), raw: body }]);
    await s.close();
  });
});
