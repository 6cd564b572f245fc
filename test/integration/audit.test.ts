import { bootWorld, type World } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';

const ADMIN = 'audit-admin-token-0123456789abcd';
const DAY = 86_400_000;

/**
 * The audit trail of the admin routes: each change that succeeded, who made it (the admin token,
 * by itself or through a console session), from which client address and with which values;
 * nothing for refusals or for the alerts and events other systems send; kept
 * BRIDGE_AUDIT_RETENTION_DAYS, then dropped by housekeeping.
 */
describe('the audit trail of changes made through the admin routes', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('records a claim and a silence with who, where and what; not a refused change or an alert; readable by an admin only', async () => {
    w = await bootWorld({
      settings: { BRIDGE_ADMIN_TOKEN: ADMIN, BRIDGE_TRUSTED_PROXIES: '127.0.0.1', BRIDGE_AUDIT_RETENTION_DAYS: '1' },
    });
    const { base } = w;
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN}`,
          'x-forwarded-for': '198.51.100.4',
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    expect((await w.post({ alert_uuid: 'au-1', location: 'store-b', camera_id: '3' })).status).toBe(200);
    await waitFor(async () => (await w?.daemon.journal.incidents.find('au-1')) !== undefined, 20_000, 'incident');
    expect((await call('POST', '/api/v1/incidents/au-1/claim', { by: 'Anna' })).status).toBe(200);
    expect((await call('POST', '/api/v1/incidents/nope/claim', { by: 'Anna' })).status).toBe(404);
    expect((await call('POST', '/api/v1/stores/store-b/silence', { minutes: 30 })).status).toBe(200);
    expect(
      (
        await call(
          'POST',
          '/api/v1/stores/store-b/silence',
          { minutes: 30 },
          { authorization: 'Bearer wrong-wrong-wrong-wrong' },
        )
      ).status,
    ).toBe(403);

    const read = async () => {
      const res = await call('GET', '/api/v1/audit?since=1h');
      expect(res.status).toBe(200);
      return ((await res.json()) as { entries: Record<string, unknown>[] }).entries;
    };
    // Written once each response is sent.
    await waitFor(async () => (await read()).length >= 2, 10_000, 'two entries');
    const entries = await read();
    expect(entries.map((e) => [e.actor, e.via, e.address, e.action, e.detail])).toEqual([
      ['admin token', 'api', '198.51.100.4', 'POST /api/v1/incidents/au-1/claim', { by: 'Anna' }],
      ['admin token', 'api', '198.51.100.4', 'POST /api/v1/stores/store-b/silence', { minutes: 30 }],
    ]);
    expect((await fetch(`${base}/api/v1/audit`)).status).toBe(401);
    expect((await call('GET', '/api/v1/audit?since=yesterday')).status).toBe(400);
    expect((await call('GET', '/api/v1/audit?what=1')).status).toBe(400);

    // Kept a day (BRIDGE_AUDIT_RETENTION_DAYS=1), then housekeeping drops it.
    await w.daemon.housekeeping(Date.now() + 0.5 * DAY);
    expect(await w.daemon.journal.audit.since(0)).toHaveLength(2);
    await w.daemon.housekeeping(Date.now() + 1.5 * DAY);
    expect(await w.daemon.journal.audit.since(0)).toEqual([]);
  }, 60_000);
});
