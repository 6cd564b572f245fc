import { bootWorld, STORES, type World } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';
import { generateSecret } from '../../src/integrations/signing';

const ADMIN = 'admin-token-for-the-admin-api-tests';

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: string };
}
interface StepJson {
  step: string;
  state: string;
  attempts: number;
  lastError: string | null;
}
interface AlertJson {
  id: string;
  storeId: string;
  cameraId: string;
  status: string;
  incidentId: string | null;
  steps: StepJson[];
}

/**
 * The admin API against the real daemon and the simulators: every route's answer, and that it
 * acts through the same paths as the CLI (replay runs a dead step again, a silence mutes the
 * next announcement, a test alert reaches the PBX and x-bees, a test ping is signed).
 */
describe('admin API', () => {
  let w: World;
  // store-d: always quiet, with an escalation list and a field the bridge does not know.
  const stores = [
    ...STORES.slice(0, 3),
    {
      ...STORES[3]!, // `!`: STORES has 4
      quiet_hours: ['* * * * *'],
      escalation: ['PJSIP/201', { channel: 'Local/manager@from-internal', name: 'Marco (manager)' }],
      language: 'it',
    },
  ];

  beforeAll(async () => {
    // One chat attempt: a failed post is dead at once, for replay. No storm window: a replayed
    // announcement plays at its turn, not 20 s after the camera's last one.
    w = await bootWorld({
      stores,
      settings: { BRIDGE_ADMIN_TOKEN: ADMIN, BRIDGE_CHAT_RETRY_S: '0', BRIDGE_STORM_WINDOW_S: '0' },
    });
  }, 30_000);
  afterAll(async () => {
    await w.stop();
  });

  const api = async (
    method: string,
    path: string,
    body?: unknown,
    opts: { token?: string | null; type?: string } = {},
  ): Promise<Answer> => {
    const token = opts.token === undefined ? ADMIN : opts.token;
    const res = await fetch(`${w.base}/api/v1${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': opts.type ?? 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  const callsFor = (id: string) => w.world.ami.originates.filter((o) => o.variables.includes(`ALERT_ID=${id}`)).length;
  const postsTo = (channel: string) => w.world.xbees.messages.filter((m) => m.channelId === channel).length;
  const stepsOf = async (id: string) =>
    Object.fromEntries(((await api('GET', `/alerts/${id}`)).body.steps as StepJson[]).map((s) => [s.step, s.state]));

  it('refuses callers without the admin token on every route', async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', '/alerts'],
      ['GET', '/alerts/x'],
      ['POST', '/alerts/x/replay', {}],
      ['GET', '/stores'],
      ['POST', '/stores/store-b/silence', { minutes: 5 }],
      ['DELETE', '/stores/store-b/silence'],
      ['POST', '/stores/store-b/test-alert', {}],
      ['GET', '/integrations'],
      ['POST', '/integrations/x/test'],
      ['GET', '/stats'],
    ];
    for (const [method, path, body] of routes) {
      expect([method, path, (await api(method, path, body, { token: null })).status]).toEqual([method, path, 401]);
    }
    // A wrong token too; four of them only: the fifth would make this address wait (the limiter).
    for (const [method, path, body] of routes.filter(([m]) => m !== 'GET').slice(0, 4)) {
      expect([method, path, (await api(method, path, body, { token: 'wrong-token-wrong-token' })).status]).toEqual([
        method,
        path,
        401,
      ]);
    }
    expect(w.daemon.journal.silencedUntil('store-b', Date.now())).toBeUndefined();
    expect(w.world.ami.originates).toHaveLength(0);
  });

  it('says what is wrong with a query or a body (400), a body that is not JSON (415), and what is unknown (404)', async () => {
    const bad = async (method: string, path: string, body?: unknown, type?: string) => {
      const r = await api(method, path, body, type ? { type } : {});
      return [r.status, r.body.error];
    };
    expect(await bad('GET', '/alerts?limit=0')).toEqual([400, 'limit must be a whole number from 1 to 500']);
    expect(await bad('GET', '/alerts?limit=501')).toEqual([400, 'limit must be a whole number from 1 to 500']);
    expect(await bad('GET', '/alerts?state=lost')).toEqual([
      400,
      'state must be one of pending, running, succeeded, dead, expired, muted',
    ]);
    expect(await bad('GET', '/alerts?since=yesterday')).toEqual([
      400,
      expect.stringContaining('since must be epoch milliseconds or an ISO 8601 time'),
    ]);
    expect(await bad('GET', '/alerts?since=2026-01-02&until=2026-01-01')).toEqual([
      400,
      'since must not be after until',
    ]);
    expect(await bad('GET', '/alerts?stor=store-b')).toEqual([
      400,
      expect.stringContaining('unknown query parameter "stor"'),
    ]);
    expect(await bad('GET', '/alerts?store=a&store=b')).toEqual([400, 'store is given more than once']);
    expect(await bad('GET', '/alerts?store=%0A')).toEqual([400, expect.stringContaining('store must be a store id')]);
    expect(await bad('GET', '/stats?days=32')).toEqual([400, 'days must be a whole number from 1 to 31']);
    expect(await bad('GET', '/stats?days=1.5')).toEqual([400, 'days must be a whole number from 1 to 31']);
    expect(await bad('POST', '/alerts/x/replay', { step: 'call' })).toEqual([
      400,
      'step must be one of announce, chat',
    ]);
    expect(await bad('POST', '/alerts/x/replay', { force: 'yes' })).toEqual([400, 'force must be true or false']);
    expect(await bad('POST', '/alerts/x/replay', '{"step":')).toEqual([400, expect.stringContaining('malformed JSON')]);
    expect(await bad('POST', '/alerts/x/replay', '[]')).toEqual([400, 'body must be a JSON object']);
    expect(await bad('POST', '/alerts/x/replay', 'step=chat', 'application/x-www-form-urlencoded')).toEqual([
      415,
      'Content-Type must be application/json',
    ]);
    expect(await bad('POST', '/stores/store-b/silence', { minutes: 0 })).toEqual([
      400,
      'minutes must be a whole number from 1 to 10080',
    ]);
    expect(await bad('POST', '/stores/store-b/silence', { minutes: 10_081 })).toEqual([
      400,
      'minutes must be a whole number from 1 to 10080',
    ]);
    expect(await bad('POST', '/stores/store-b/silence', {})).toEqual([
      400,
      expect.stringContaining('minutes is required'),
    ]);
    expect(await bad('POST', '/stores/store-b/silence', { minutes: 5, reason: 'x' })).toEqual([
      400,
      expect.stringContaining('unknown field "reason"'),
    ]);
    expect(await bad('POST', '/stores/store-b/silence', 'minutes=5', 'text/plain')).toEqual([
      415,
      'Content-Type must be application/json',
    ]);
    expect(await bad('POST', '/stores/store-b/test-alert', { cameraId: 'a\nb' })).toEqual([
      400,
      expect.stringContaining('cameraId must be a camera id'),
    ]);

    expect(await bad('GET', '/alerts/no-such-alert')).toEqual([404, 'no alert no-such-alert in the journal']);
    expect(await bad('POST', '/alerts/no-such-alert/replay', {})).toEqual([
      404,
      'no alert no-such-alert in the journal',
    ]);
    expect(await bad('POST', '/stores/no-such-store/silence', { minutes: 5 })).toEqual([
      404,
      'no store no-such-store in x-hoppers.json',
    ]);
    expect(await bad('DELETE', '/stores/no-such-store/silence')).toEqual([
      404,
      'no store no-such-store in x-hoppers.json',
    ]);
    expect(await bad('POST', '/stores/no-such-store/test-alert', {})).toEqual([
      404,
      'no store no-such-store in x-hoppers.json',
    ]);
    expect(await bad('POST', '/integrations/no-such-integration/test')).toEqual([
      404,
      expect.stringContaining('no integration no-such-integration'),
    ]);
    expect(w.world.ami.originates).toHaveLength(0);
  });

  it('sends a test alert through the full path: the PBX calls the conference, x-bees gets the post; the alert is listed and shown', async () => {
    const sent = await api('POST', '/stores/store-b/test-alert', { cameraId: '12' });
    expect(sent).toEqual({
      status: 200,
      body: { alertId: expect.stringMatching(/^test-[0-9a-f-]{36}$/), status: 'accepted' },
    });
    const id = sent.body.alertId as string;
    await waitFor(() => callsFor(id) === 1 && postsTo('chan-b') === 1, 20_000, 'the announcement and the chat post');
    await w.finished(id);

    const listed = await api('GET', '/alerts?store=store-b&camera=12');
    expect(listed.status).toBe(200);
    expect(listed.body.alerts).toEqual([
      {
        id,
        storeId: 'store-b',
        cameraId: '12',
        alertType: 'theft',
        receivedAt: expect.any(Number),
        status: 'routed',
        incidentId: expect.stringMatching(/^inc_/),
        steps: [
          {
            step: 'announce',
            state: 'succeeded',
            attempts: 1,
            nextAt: null,
            lastError: null,
            detail: expect.any(String),
            updatedAt: expect.any(Number),
          },
          expect.objectContaining({ step: 'chat', state: 'succeeded' }),
        ],
      },
    ]);
    const [row] = listed.body.alerts as (AlertJson & { receivedAt: number })[];
    const at = row?.receivedAt ?? 0;
    const ids = async (query: string) =>
      ((await api('GET', `/alerts${query}`)).body.alerts as AlertJson[]).map((a) => a.id);
    expect(await ids(`?since=${at}&until=${at}`)).toEqual([id]);
    expect(await ids(`?since=${new Date(at + 1).toISOString()}`)).toEqual([]);
    expect(await ids('?state=succeeded&limit=1')).toEqual([id]);
    expect(await ids('?state=dead')).toEqual([]);
    expect(await ids('?camera=13')).toEqual([]);

    const shown = await api('GET', `/alerts/${id}`);
    expect(shown).toEqual({
      status: 200,
      body: {
        alert: expect.objectContaining({ id, storeId: 'store-b', cameraId: '12', groupId: 'test-alert' }),
        status: 'routed',
        receivedAt: at,
        steps: row?.steps,
        incident: expect.objectContaining({ id: row?.incidentId, state: 'open', firstAlertId: id }),
      },
    });
  }, 60_000);

  it('replay runs a dead chat step again and has the daemon pick it up at once; 409 when nothing is left to replay', async () => {
    w.world.xbees.down = 503;
    expect((await w.post({ alert_uuid: 'adm-replay', location: 'store-c', camera_id: '4' })).status).toBe(200);
    await w.finished('adm-replay');
    w.world.xbees.down = undefined;
    expect(await stepsOf('adm-replay')).toEqual({ announce: 'succeeded', chat: 'dead' });
    expect((await api('GET', '/alerts?state=dead')).body.alerts).toEqual([
      expect.objectContaining({
        id: 'adm-replay',
        steps: [
          expect.objectContaining({ step: 'announce', state: 'succeeded' }),
          expect.objectContaining({
            step: 'chat',
            state: 'dead',
            attempts: 1,
            lastError: expect.stringContaining('503'),
          }),
        ],
      }),
    ]);

    const replayed = await api('POST', '/alerts/adm-replay/replay', {});
    expect(replayed).toEqual({
      status: 200,
      body: {
        alertId: 'adm-replay',
        storeId: 'store-c',
        requeued: ['chat'],
        skipped: [{ step: 'announce', reason: expect.stringContaining('already succeeded') }],
      },
    });
    await waitFor(async () => (await stepsOf('adm-replay')).chat === 'succeeded', 20_000, 'the replayed chat post');
    expect(postsTo('chan-c')).toBe(1);
    expect(callsFor('adm-replay')).toBe(1); // the announcement was not repeated

    const again = await api('POST', '/alerts/adm-replay/replay', { step: 'chat' });
    expect(again).toEqual({
      status: 409,
      body: expect.objectContaining({
        error: 'nothing to replay',
        requeued: [],
        skipped: [{ step: 'chat', reason: expect.stringContaining('already succeeded') }],
      }),
    });
    // On purpose, an announcement is made again.
    expect((await api('POST', '/alerts/adm-replay/replay', { step: 'announce', force: true })).body).toMatchObject({
      requeued: ['announce'],
    });
    await waitFor(() => callsFor('adm-replay') === 2, 20_000, 'the forced announcement');
    expect(postsTo('chan-c')).toBe(1);
  }, 60_000);

  it('shows the stores as loaded with their mutes; a silence mutes the next announcement (chat goes on) until lifted', async () => {
    type StoreJson = Record<string, unknown> & { store_veesion_id: string };
    const listed = await api('GET', '/stores');
    expect(listed.status).toBe(200);
    const byId = new Map((listed.body.stores as StoreJson[]).map((s) => [s.store_veesion_id, s]));
    expect([...byId.keys()]).toEqual(['test-store-wildix', 'store-b', 'store-c', 'store-d']);
    expect(byId.get('test-store-wildix')).toEqual({ ...STORES[0], silencedUntil: null, mutedNow: null });
    expect(byId.get('store-d')).toEqual({
      ...STORES[3],
      quiet_hours: ['* * * * *'],
      language: 'it',
      escalation: ['PJSIP/201', 'Local/manager@from-internal'],
      escalation_names: { 'Local/manager@from-internal': 'Marco (manager)' },
      silencedUntil: null,
      mutedNow: 'quiet hours (* * * * *)',
    });

    const before = Date.now();
    const silenced = await api('POST', '/stores/test-store-wildix/silence', { minutes: 30 });
    expect(silenced).toEqual({
      status: 200,
      body: { storeId: 'test-store-wildix', silencedUntil: expect.any(Number) },
    });
    const until = silenced.body.silencedUntil as number;
    expect(until).toBeGreaterThanOrEqual(before + 30 * 60_000);
    expect(w.daemon.journal.silencedUntil('test-store-wildix', Date.now())).toBe(until); // where `veesion-bridge silence` writes
    const shown = ((await api('GET', '/stores')).body.stores as StoreJson[]).find(
      (s) => s.store_veesion_id === 'test-store-wildix',
    );
    expect(shown).toMatchObject({
      silencedUntil: until,
      mutedNow: `silenced until ${new Date(until).toISOString()} (veesion-bridge silence)`,
    });

    expect((await w.post({ alert_uuid: 'adm-quiet', location: 'test-store-wildix', camera_id: '1' })).status).toBe(200);
    await w.finished('adm-quiet');
    expect(await stepsOf('adm-quiet')).toEqual({ announce: 'muted', chat: 'succeeded' });
    expect(callsFor('adm-quiet')).toBe(0);

    expect(await api('DELETE', '/stores/test-store-wildix/silence')).toEqual({
      status: 200,
      body: { storeId: 'test-store-wildix', silencedUntil: null },
    });
    expect(w.daemon.journal.silencedUntil('test-store-wildix', Date.now())).toBeUndefined();
    expect((await w.post({ alert_uuid: 'adm-loud', location: 'test-store-wildix', camera_id: '2' })).status).toBe(200);
    await w.finished('adm-loud');
    expect(await stepsOf('adm-loud')).toEqual({ announce: 'succeeded', chat: 'succeeded' });
    expect(callsFor('adm-loud')).toBe(1);
  }, 60_000);

  it('lists integrations without their secrets and tests one with a signed ping', async () => {
    const secret = generateSecret();
    // Added as `integrations add` does (the CLI's own store class), beside the running daemon.
    await w.daemon.journal.integrations.add({
      id: 'int_admin',
      type: 'webhook',
      url: `${w.world.receiver.url}/admin?key=receiver-key-123`,
      secret,
      filter: ['alert.resolved'],
      scope: 'store-d',
      createdAt: Date.now(),
    });
    w.world.receiver.secrets.set('/admin', secret);
    const listed = await api('GET', '/integrations');
    expect(listed).toEqual({
      status: 200,
      body: {
        integrations: [
          {
            id: 'int_admin',
            type: 'webhook',
            url: `${w.world.receiver.url}/admin?key=HIDDEN`,
            filter: ['alert.resolved'],
            scope: 'store-d',
            enabled: true,
            disabledReason: null,
            backlog: 0,
            attempts: 0,
            nextAt: null,
            lastError: null,
          },
        ],
      },
    });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(JSON.stringify(listed.body)).not.toContain('receiver-key-123');

    const tested = await api('POST', '/integrations/int_admin/test');
    expect(tested).toEqual({
      status: 200,
      body: {
        id: 'int_admin',
        eventId: expect.stringMatching(/^evt_/),
        delivered: true,
        status: 204,
        durationMs: expect.any(Number),
        answer: expect.anything(),
        error: null,
      },
    });
    const [ping] = w.world.receiver.at('/admin');
    expect(ping).toMatchObject({
      event: { id: tested.body.eventId, type: 'ping', integrationId: 'int_admin' },
      verified: { xSignature: true, pbxToken: true, standardWebhooks: true },
    });
  }, 30_000);

  it('computes alerts per hour, times to claim and false alarms per camera', async () => {
    // The test alert's incident (store-b camera 12), claimed then resolved as a false alarm.
    const [alert] = (await api('GET', '/alerts?store=store-b&camera=12')).body.alerts as AlertJson[];
    const claim = await fetch(`${w.base}/api/v1/incidents/${alert?.incidentId}/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ by: 'Anna' }),
    });
    expect(claim.status).toBe(200);
    const resolve = await fetch(`${w.base}/api/v1/incidents/${alert?.incidentId}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ outcome: 'false-alarm', by: 'Anna' }),
    });
    expect(resolve.status).toBe(200);

    const stats = await api('GET', '/stats?days=1');
    expect(stats.status).toBe(200);
    const perHour = stats.body.alertsPerHour as { hour: number; storeId: string; count: number }[];
    expect(perHour.every((h) => h.hour % 3_600_000 === 0)).toBe(true);
    const count = (store: string) => perHour.filter((h) => h.storeId === store).reduce((n, h) => n + h.count, 0);
    expect([count('store-b'), count('store-c'), count('test-store-wildix'), count('store-d')]).toEqual([1, 1, 2, 0]);
    expect(stats.body.timeToClaimS).toEqual([expect.any(Number)]);
    expect((stats.body.timeToClaimS as number[])[0]).toBeGreaterThanOrEqual(0);
    expect(stats.body.falseAlarmByCamera).toEqual([
      { storeId: 'store-b', cameraId: '12', resolved: 1, falseAlarms: 1, rate: 1 },
    ]);
    expect((await api('GET', '/stats')).body.days).toBe(7);
  }, 30_000);

  it('never logs the admin token', () => {
    expect(w.logLines().some((l) => l.includes(ADMIN))).toBe(false);
    expect(w.logLines().filter((l) => l.includes('admin API: '))).not.toHaveLength(0);
  });
});
