import { createApp } from '../../../src/http/app';
import { HttpServer } from '../../../src/http/http-server';
import { BridgeMetrics } from '../../../src/http/metrics';
import type { Alert } from '../../../src/pipeline/alert';
import { capturedLogger } from '../../helpers/quiet-logger';
import { rawExchange, statusOf } from '../../helpers/raw-http';

const TOKEN = 'hook-token-0123456789';
const HUNDRED_MB = 100 * 1024 * 1024;

describe('ingress answers at once what it will not read, and closes the connection', () => {
  let server: HttpServer;
  let port: number;
  const ingested: Alert[] = [];
  beforeAll(async () => {
    const app = createApp({
      token: TOKEN,
      ingest: async (a) => {
        ingested.push(a);
        return 'accepted';
      },
      logger: capturedLogger().logger,
      metrics: new BridgeMetrics(),
      readiness: [],
    });
    server = new HttpServer(app, '127.0.0.1', 0);
    port = await server.start();
  });
  afterAll(() => server.stop());

  const head = (lines: string[]) => [...lines, `Host: 127.0.0.1:${port}`, '', ''].join('\r\n');

  it.each([
    ['an announced 100 MB body with a good token', `?token=${TOKEN}`, 'application/json', 413, 'larger than 64 KiB'],
    ['a wrong token', '?token=wrong', 'application/json', 401, 'wrong token'],
    ['a wrong content type', `?token=${TOKEN}`, 'text/plain', 415, 'application/json'],
  ])('%s: answered and closed without waiting for the body', async (_what, query, type, status, reason) => {
    const res = await rawExchange(
      port,
      head([`POST /api/v1/veesion${query} HTTP/1.1`, `Content-Type: ${type}`, `Content-Length: ${HUNDRED_MB}`]),
    );
    expect(statusOf(res)).toBe(status);
    expect(res).toMatch(/\r\nConnection: close\r\n/i);
    expect(res).toContain(reason);
  });

  it('cuts off a chunked body at 64 KiB with 413, although the sender never ends it', async () => {
    const chunk = 'x'.repeat(70 * 1024);
    const res = await rawExchange(
      port,
      `${head([
        `POST /api/v1/veesion?token=${TOKEN} HTTP/1.1`,
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
      ])}${chunk.length.toString(16)}\r\n${chunk}\r\n`,
    );
    expect(statusOf(res)).toBe(413);
    expect(res).toContain('larger than 64 KiB');
  });

  it('refuses a compressed body it could not bound', async () => {
    const res = await rawExchange(
      port,
      head([
        `POST /api/v1/veesion?token=${TOKEN} HTTP/1.1`,
        'Content-Type: application/json',
        'Content-Encoding: gzip',
        'Content-Length: 20',
      ]),
    );
    expect(statusOf(res)).toBe(415);
    expect(res).toContain('uncompressed');
  });

  it('still takes a chunked alert under the limit', async () => {
    const body = JSON.stringify({ alert_uuid: 'chunked-1', storeId: 's1' });
    const res = await rawExchange(
      port,
      `${head([
        `POST /api/v1/veesion?token=${TOKEN} HTTP/1.1`,
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
        'Connection: close',
      ])}${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(statusOf(res)).toBe(200);
    expect(ingested.map((a) => a.id)).toContain('chunked-1');
  });
});
