import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../../src/http/app';
import { HttpServer } from '../../../src/http/http-server';
import { BridgeMetrics } from '../../../src/http/metrics';
import type { WildixEvent } from '../../../src/chat/wildix-event';
import { WILDIX_EVENTS_PATH } from '../../../src/http/wildix-events-router';
import { WildixCapture } from '../../../src/chat/wildix-capture';
import { writeCaptureRequest } from '../../../src/chat/capture-request';
import { FIXTURES, tempDir } from '../../helpers/paths';
import { ManualClock } from '../../helpers/manual-clock';
import { capturedLogger } from '../../helpers/quiet-logger';

const SECRET = 'wildix-secret-0123456789';
const fixture = (name: string) => readFileSync(join(FIXTURES, 'wildix', name));

/** The Wildix route with the documented live events, signed as the PBX signs them. */
describe('Wildix live events through the route', () => {
  let server: HttpServer;
  let base: string;
  const events: WildixEvent[] = [];
  const metrics = new BridgeMetrics();
  const log = capturedLogger([SECRET]);
  const dataDir = tempDir('vb-route-capture-');
  const clock = new ManualClock(Date.UTC(2024, 6, 25, 11));
  const capture = new WildixCapture(dataDir, clock, log.logger);
  beforeAll(async () => {
    const app = createApp({
      token: 'hook-token-0123456789',
      ingest: async () => 'accepted',
      logger: log.logger,
      metrics,
      readiness: [],
      wildix: {
        secret: SECRET,
        handle: (e) => (events.push(e), { outcome: 'recorded' }),
        capture: (raw) => capture.offer(raw),
      },
    });
    server = new HttpServer(app, '127.0.0.1', 0);
    base = `http://127.0.0.1:${await server.start()}`;
  });
  afterAll(() => server.stop());

  const send = (body: Buffer | string, signing: 'valid' | 'forged' | 'none' = 'valid') =>
    fetch(`${base}${WILDIX_EVENTS_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signing === 'none'
          ? {}
          : {
              'x-signature': createHmac('sha256', signing === 'valid' ? SECRET : `${SECRET}-not`)
                .update(body)
                .digest('hex'),
            }),
      },
      body,
    });

  // Bodies: docs.wildix.com, Calls -> Webhooks (call:live:progress) and Conferences -> Webhooks
  // (conference:live:progress, conference:live:join), byte for byte as in fixtures/wildix.
  it('reads the documented call:live:progress, conference:live:progress and conference:live:join into a call and conference members', async () => {
    for (const name of [
      'call-live-progress.body.json',
      'conference-live-progress.body.json',
      'conference-live-join.body.json',
    ]) {
      expect((await send(fixture(name))).status).toBe(200);
    }
    expect(events.splice(0)).toEqual([
      expect.objectContaining({
        kind: 'call',
        type: 'call:live:progress',
        destination: '+159255512345',
        status: 'HOLD',
        parties: [
          { role: 'caller', phone: '230', who: 'John Doe (230)' },
          { role: 'callee', phone: '+159255512345', who: null },
        ],
      }),
      expect.objectContaining({
        kind: 'conference',
        conferenceId: 'codeea87-3d59-4d1d-80be-fc4f0260_1721905148868',
        subject: 'Status & Priorities',
        participants: ['John Doe (25111)'],
      }),
      expect.objectContaining({
        kind: 'conference',
        conferenceId: '53ffd896-a0e6-4d0b-bd9c-8e869591-11_1724154386297',
        subject: null,
        participants: ['John Doe (25111)'],
      }),
    ]);
  });

  // docs.wildix.com, Presences -> Webhooks: the presence:user example, a type the bridge does not read.
  it('counts a type it does not read by type, and logs its keys once, never a value', async () => {
    const presence = JSON.stringify({
      id: 'it_w000001_230',
      pbx: '000000000001',
      company: 'it_w000001',
      time: 1721832358745,
      type: 'presence:user',
      integrationId: '79qvia',
      data: {
        extension: '230',
        email: 'johndoe@example.com',
        sourceId: '',
        status: 'dnd',
        until: '2024-07-24T21:59:00Z',
        message: 'Meeting',
        location: { address: '', lat: '', lng: '' },
      },
    });
    for (let i = 0; i < 3; i++) expect(JSON.parse(await (await send(presence)).text())).toEqual({ status: 'recorded' });
    expect((await metrics.wildixEventsUnread.get()).values).toEqual([{ labels: { type: 'presence:user' }, value: 3 }]);
    const lines = log.lines().filter((l) => l.includes('not read'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      type: 'presence:user',
      keys: '{company,data:{email,extension,location:{address,lat,lng},message,sourceId,status,until},id,integrationId,pbx,time,type}',
    });
    for (const value of [
      'johndoe',
      'example.com',
      'Meeting',
      'dnd',
      '230',
      '79qvia',
      'it_w000001',
      '1721832358745',
      '2024-07-24',
    ])
      expect(lines[0]).not.toContain(value);
  });

  it('captures only signed events, people taken out, while a capture is on', async () => {
    writeCaptureRequest(dataDir, { until: clock.now() + 60_000, file: 'wildix-capture-route.jsonl' });
    const join_ = fixture('conference-live-join.body.json');
    expect((await send(join_, 'none')).status).toBe(401);
    expect((await send(join_, 'forged')).status).toBe(401);
    expect((await send(join_)).status).toBe(200);
    const path = join(dataDir, 'wildix-capture-route.jsonl');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/John Doe|johndoe|1cm5lbfxa777@/);
    await clock.advance(60_000);
    expect((await send(fixture('call-live-progress.body.json'))).status).toBe(200);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dataDir).filter((n) => n.endsWith('.jsonl'))).toEqual(['wildix-capture-route.jsonl']);
    events.splice(0);
  });
});
