import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { smartNotificationBody, SmartNotificationsOriginator } from '../../../src/pbx/smart-notifications';
import { DeliveryRouter } from '../../../src/pbx/delivery';
import { SmartNotificationsSim } from '../../../src/sim/smart-notifications-sim';
import type { CallOriginator, OriginateRequest } from '../../../src/pipeline/ports';
import type { StoreRoute } from '../../../src/pipeline/alert';
import { StepError } from '../../../src/pipeline/step-error';
import { tempDir } from '../../helpers/paths';
import { capturedLogger } from '../../helpers/quiet-logger';

const quietLogger = () => capturedLogger().logger;

/**
 * The fields of x-hoppers' `addSmartNotification` as the public material shows them: the
 * x-hoppers Confluence page "x-hoppers Smart Notifications" (x-hoppers.atlassian.net/wiki/x/EoCeB)
 * and the operation's entry in the PBX's own API reference (Smart-Notifications,
 * addSmartNotification): from, notificationType (BroadcastMessage), event, broadcastMessage,
 * conferenceId (digits), playFrequency (5-30, default 10), confirmationTimeout (default 30);
 * answers {"type":"result","result":{"requestId"}} or {"type":"error","reason"}.
 */
const PATH = '/api/v1/x-hoppers/notifications';
const store: StoreRoute = {
  store_veesion_id: 's1',
  name: 'Milano Duomo',
  audio_conf_id: '7001',
  xbees_channel_id: 'c1',
};
const req = (over: Partial<OriginateRequest> = {}): OriginateRequest => ({
  alertId: 'a1',
  store,
  speech: { playbackPath: '/x', durationMs: 2000, cached: true },
  text: 'Attention! Theft detected in Milano Duomo on cam 4',
  variables: { cameraId: 'cam 4', alertType: 'theft' },
  ...over,
});

async function serve(app: express.Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('Smart Notification body (x-hoppers Smart Notifications page; addSmartNotification)', () => {
  const body = (o: Partial<OriginateRequest> = {}, repeatS = 15, confirmationS = 45) =>
    smartNotificationBody(req(o), { repeatS, confirmationS });

  it("from is the camera, event the alert type, broadcastMessage the sentence, conferenceId the store's audio_conf_id", () => {
    expect(body()).toEqual({
      from: 'cam 4',
      notificationType: 'BroadcastMessage',
      event: 'theft',
      broadcastMessage: 'Attention! Theft detected in Milano Duomo on cam 4',
      conferenceId: '7001',
      playFrequency: 15,
      confirmationTimeout: 45,
    });
  });
  it('playFrequency is BRIDGE_REPEAT_S clamped to 5-30, an integer', () => {
    expect([3, 5, 7.4, 30, 600].map((r) => body({}, r).playFrequency)).toEqual([5, 5, 7, 30, 30]);
  });
  it('confirmationTimeout is BRIDGE_ESCALATE_AFTER_S, a whole number', () => {
    expect(body({}, 15, 45.6).confirmationTimeout).toBe(46);
  });
  it('event is the alert type when it is not a theft', () => {
    expect(body({ variables: { cameraId: '3', alertType: 'suspicious' } }).event).toBe('suspicious');
  });
  it('a conference id that is not digits is refused before anything is sent', () => {
    expect(() => body({ store: { ...store, audio_conf_id: 'room-a' } })).toThrow(StepError);
  });
});

describe('SmartNotificationsOriginator against the simulator', () => {
  let sim: SmartNotificationsSim;
  let server: { url: string; close: () => Promise<void> };
  const originator = (path = PATH, token = 'wsk-v1-key') =>
    new SmartNotificationsOriginator({
      baseUrl: server.url,
      path,
      token,
      timeoutMs: 5000,
      repeatS: 15,
      confirmationS: 45,
    });
  beforeEach(async () => {
    sim = new SmartNotificationsSim(PATH, tempDir());
    const app = express();
    app.post(
      PATH,
      (r, res, next) =>
        r.get('authorization') === 'Bearer wsk-v1-key'
          ? next()
          : void res.status(401).json({ type: 'error', reason: 'Unauthorized' }),
      express.json(),
      sim.handler(),
    );
    server = await serve(app);
  });
  afterEach(async () => {
    sim.stop();
    await server.close();
  });

  it('hands the notification over with the company key as Bearer and reads its requestId', async () => {
    const placed = await originator().originate(req());
    expect(sim.notifications).toHaveLength(1);
    expect(placed).toEqual({
      channel: `broadcast 7001 (request ${sim.notifications[0]?.requestId})`,
      requestId: sim.notifications[0]?.requestId,
    });
  });
  it("a refusal is a step error with Wildix's reason", async () => {
    sim.refuseNext.push('broadcast 7001 is not configured');
    await expect(originator().originate(req())).rejects.toMatchObject({
      code: 'SMART_NOTIFICATION_REFUSED',
      message: expect.stringContaining('broadcast 7001 is not configured'),
    });
  });
  it('a body the API rejects (400) carries its reason too; a wrong key is an auth failure', async () => {
    await originator().originate(req({ text: ' ' }));
    expect(sim.notifications[0]?.body.broadcastMessage).toBe('theft at cam 4'); // never sent empty: "$event at $from"
    await expect(originator().originate(req({ alertId: '', variables: { cameraId: '' } }))).rejects.toMatchObject({
      kind: 'bad-input',
      message: expect.stringContaining('400: from is required'),
    });
    await expect(originator(PATH, 'wrong').originate(req())).rejects.toMatchObject({
      kind: 'auth',
      message: expect.stringContaining('Unauthorized'),
    });
  });
  it('a PBX without the operation (404) answers SMART_NOTIFICATION_UNSUPPORTED', async () => {
    await expect(originator('/api/v1/nothing-here').originate(req())).rejects.toMatchObject({
      code: 'SMART_NOTIFICATION_UNSUPPORTED',
    });
  });
});

describe('the simulator refuses what the API would', () => {
  const sim = new SmartNotificationsSim(PATH, tempDir());
  const post = async (body: Record<string, unknown>) => {
    const app = express();
    app.post(PATH, express.json(), sim.handler());
    const s = await serve(app);
    try {
      const r = await fetch(`${s.url}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as { type: string; reason?: string } };
    } finally {
      await s.close();
      sim.stop();
    }
  };
  const good = {
    from: 'cam 4',
    notificationType: 'BroadcastMessage',
    event: 'theft',
    broadcastMessage: 'Theft at cam 4',
    conferenceId: '7001',
    playFrequency: 10,
    confirmationTimeout: 30,
  };
  it.each([
    ['a missing required field', { ...good, event: undefined }, 'event is required'],
    ['a conference id that is not digits', { ...good, conferenceId: 'a7' }, 'conferenceId'],
    ['playFrequency under 5', { ...good, playFrequency: 4 }, 'playFrequency'],
    ['playFrequency over 30', { ...good, playFrequency: 31 }, 'playFrequency'],
    ['a playFrequency that is not an integer', { ...good, playFrequency: '10' }, 'playFrequency'],
    ['an unknown field', { ...good, userId: '12345' }, 'unknown field userId'],
    ['an unknown notification type', { ...good, notificationType: 'Email' }, 'notificationType'],
  ])('%s', async (_what, body, reason) => {
    expect(await post(JSON.parse(JSON.stringify(body)) as Record<string, unknown>)).toMatchObject({
      status: 400,
      body: { type: 'error', reason: expect.stringContaining(reason) },
    });
  });
  it('a valid body gets a requestId', async () => {
    expect(await post(good)).toMatchObject({
      status: 200,
      body: { type: 'result', result: { requestId: expect.any(String) } },
    });
  });
});

describe('DeliveryRouter', () => {
  const conference: CallOriginator & { calls: number } = {
    calls: 0,
    async originate() {
      this.calls++;
      return { channel: 'Local/7001@x;1' };
    },
  };
  const unsupported: CallOriginator = {
    originate: async () => {
      throw new StepError('SMART_NOTIFICATION_UNSUPPORTED', 'connection', 'no such operation (404)');
    },
  };
  const refusing: CallOriginator = {
    originate: async () => {
      throw new StepError('SMART_NOTIFICATION_REFUSED', 'rejected', 'Smart Notification refused: no broadcast');
    },
  };

  it('a store announced by Smart Notifications gets one; a conference store a call; the request id is handed on', async () => {
    const notified: string[] = [];
    const router = new DeliveryRouter({
      notifications: { originate: async () => ({ channel: 'broadcast 7001 (request r1)', requestId: 'r1' }) },
      conference,
      fallbackDelivery: 'conference',
      now: () => 0,
      logger: quietLogger(),
      onNotified: (id, alerts) => notified.push(`${id} ${alerts.join(',')}`),
    });
    expect(
      await router.originate(req({ store: { ...store, delivery: 'smart-notifications' }, alertIds: ['a1', 'a2'] })),
    ).toMatchObject({ requestId: 'r1', via: 'smart-notifications' });
    expect(notified).toEqual(['r1 a1,a2']);
    expect(await router.originate(req())).toMatchObject({ channel: 'Local/7001@x;1', via: 'conference' });
    expect(router.repeatsOnPbx({ ...store, delivery: 'smart-notifications' })).toBe(true);
    expect(router.repeatsOnPbx(store)).toBe(false);
  });

  it('a PBX without the operation (404) gets a conference call instead, logged once, and its stores are repeated by the bridge', async () => {
    const { logger, lines: logged } = capturedLogger();
    const router = new DeliveryRouter({
      notifications: unsupported,
      conference,
      fallbackDelivery: 'smart-notifications',
      now: () => 0,
      logger,
    });
    const before = conference.calls;
    await router.originate(req());
    expect(router.repeatsOnPbx(store)).toBe(false); // the bridge repeats while the PBX cannot
    await router.originate(req());
    expect(conference.calls - before).toBe(2);
    expect(logged().filter((l) => l.includes('Smart Notifications unknown to this PBX'))).toHaveLength(1);
  });

  it('a refusal is not a fallback: the step fails with the reason', async () => {
    const router = new DeliveryRouter({
      notifications: refusing,
      conference,
      fallbackDelivery: 'smart-notifications',
      now: () => 0,
      logger: quietLogger(),
    });
    await expect(router.originate(req())).rejects.toMatchObject({ code: 'SMART_NOTIFICATION_REFUSED' });
  });
});
