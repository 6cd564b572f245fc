import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requireAdmin } from '../../../src/http/admin-auth';
import { auditTrail } from '../../../src/http/audit-trail';
import type { AuditEntry } from '../../../src/journal/audit';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';

const ADMIN = 'audit-trail-admin-token-0123456789';

/** The audit trail's hook in requireAdmin: what it writes, and when a client does not wait for the answer. */
describe('the audit trail of the admin routes', () => {
  let server: http.Server;
  let port: number;
  const written: AuditEntry[] = [];
  let applied = 0;

  beforeAll(async () => {
    const app = express();
    const admin = requireAdmin({
      adminToken: ADMIN,
      onChangeAdmitted: auditTrail(async (e) => void written.push(e), capturedLogger().logger),
    });
    app.post('/api/v1/things/:id/slow', admin, express.json(), async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      applied++;
      res.json({ ok: true });
    });
    app.post('/api/v1/things/:id/refused', admin, (_req, res) => {
      res.status(409).json({ error: 'no' });
    });
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    written.length = 0;
    applied = 0;
  });

  const send = (path: string) =>
    http.request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    });

  it('writes a change made for a client that hung up before the answer', async () => {
    const req = send('/api/v1/things/t1/slow');
    req.on('error', () => undefined);
    req.end(JSON.stringify({ by: 'Anna', url: 'https://hooks.example/secret-path' }));
    await new Promise((r) => setTimeout(r, 50));
    req.destroy(); // the client goes; the change goes on
    await waitFor(() => applied === 1 && written.length === 1, 10_000, 'the change applied and written');
    expect(written[0]).toMatchObject({
      actor: 'admin token',
      via: 'api',
      address: '127.0.0.1',
      action: 'POST /api/v1/things/t1/slow',
      detail: { by: 'Anna' },
    });
    expect(JSON.stringify(written)).not.toContain('secret-path');
  });

  it('writes nothing for a change the route refused', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/things/t1/refused`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(409);
    const ok = await fetch(`http://127.0.0.1:${port}/api/v1/things/t2/slow`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ok.status).toBe(200);
    await waitFor(() => written.length === 1, 10_000, 'the second change written');
    expect(written.map((e) => e.action)).toEqual(['POST /api/v1/things/t2/slow']);
  });
});
