import { createHmac } from 'node:crypto';
import { createApp } from '../../../src/http/app';
import { HttpServer } from '../../../src/http/http-server';
import { BridgeMetrics } from '../../../src/http/metrics';
import type { IncidentApi } from '../../../src/http/incidents-router';
import type { Incident } from '../../../src/pipeline/incident';
import type { WildixEvent } from '../../../src/chat/wildix-event';
import { WILDIX_EVENTS_PATH } from '../../../src/http/wildix-events-router';
import { capturedLogger } from '../../helpers/quiet-logger';

const ADMIN = 'admin-token-0123456789';
const SECRET = 'wildix-secret-0123456789';

/** Names people type over HTTP keep the names rule or are refused; names Wildix sends are cleaned. */
describe('names at the HTTP edge', () => {
  let server: HttpServer;
  let base: string;
  const claims: string[] = [];
  const resolves: (string | null)[] = [];
  const events: WildixEvent[] = [];
  const incident = { id: 'inc_1' } as Incident;
  const api: IncidentApi = {
    list: () => [],
    find: async () => incident,
    activity: async () => [],
    claim: async (_ref, by) => (claims.push(by), { kind: 'claimed', incident }),
    resolve: async (_ref, _outcome, by) => (resolves.push(by), { kind: 'resolved', incident }),
  };
  beforeAll(async () => {
    const app = createApp({
      token: 'hook-token-0123456789',
      ingest: async () => 'accepted',
      logger: capturedLogger().logger,
      metrics: new BridgeMetrics(),
      readiness: [],
      adminToken: ADMIN,
      incidents: () => api,
      wildix: { secret: SECRET, handle: (e) => (events.push(e), { outcome: 'recorded' }) },
    });
    server = new HttpServer(app, '127.0.0.1', 0);
    base = `http://127.0.0.1:${await server.start()}`;
  });
  afterAll(() => server.stop());

  const post = (path: string, body: unknown) =>
    fetch(`${base}/api/v1/incidents${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify(body),
    });

  it.each([
    ['ESC', '\u001b[2J\u001b]0;TITLE\u0007', 'control character (U+001B)'],
    ['BEL', 'Anna\u0007', 'control character (U+0007)'],
    ['U+202E', 'Anna\u202eoB', 'bidirectional formatting character (U+202E)'],
    ['U+2066', '\u2066Anna', 'bidirectional formatting character (U+2066)'],
    ['a line break', 'Anna\nBob', 'control character (U+000A)'],
    ['81 characters', 'x'.repeat(81), '81 characters long'],
    ['a blank', '   ', 'is empty'],
  ])('claim and resolve refuse a name with %s: 400 saying why, nothing recorded', async (_what, by, reason) => {
    const claim = await post('/inc_1/claim', { by });
    expect(claim.status).toBe(400);
    expect(((await claim.json()) as { error: string }).error).toContain(reason);
    const resolve = await post('/inc_1/resolve', { outcome: 'theft', by });
    expect(resolve.status).toBe(400);
    expect(((await resolve.json()) as { error: string }).error).toContain(reason);
    expect(claims).toEqual([]);
    expect(resolves).toEqual([]);
  });

  it('takes names that keep the rule, trimmed; resolve without "by" still works', async () => {
    expect((await post('/inc_1/claim', { by: ' Giulia (Trento) ' })).status).toBe(200);
    expect((await post('/inc_1/claim', { by: 'Élodie 😀' })).status).toBe(200);
    expect((await post('/inc_1/resolve', { outcome: 'theft' })).status).toBe(200);
    expect((await post('/inc_1/resolve', { outcome: 'theft', by: 'Anna' })).status).toBe(200);
    expect((await post('/inc_1/claim', { by: 42 })).status).toBe(400);
    expect(claims.splice(0)).toEqual(['Giulia (Trento)', 'Élodie 😀']);
    expect(resolves.splice(0)).toEqual([null, 'Anna']);
  });

  const signed = (event: unknown) => {
    const body = JSON.stringify(event);
    return fetch(`${base}${WILDIX_EVENTS_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature': createHmac('sha256', SECRET).update(body).digest('hex'),
      },
      body,
    });
  };

  it('cleans the names a signed Wildix event carries: button presses, replies, conference participants, call parties', async () => {
    const hostile = '\u001b[2J\u001b]0;TITLE\u0007Anna\u202e\u2066 Rossi\r\n';
    const user = { id: 'u1', name: hostile };
    const sent = [
      {
        id: 'e1',
        type: 'chat:message:action',
        time: 1,
        data: { channel: { channelId: 'c1' }, action: { id: 'veesion:claim:a1' }, user },
      },
      {
        id: 'e2',
        type: 'chat:message:new',
        time: 1,
        data: {
          channel: { channelId: 'c1' },
          message: { text: 'ok', type: 'regular', user: { id: 'u2', name: '\u202e', email: 'x\u0007@y.z' } },
        },
      },
      {
        id: 'e3',
        type: 'conference:live:join',
        time: 1,
        data: { participant: { name: hostile, pbxExtension: '10\u001b01' } },
      },
      {
        id: 'e4',
        type: 'call:start',
        time: 1,
        data: { caller: { phone: '1001', name: hostile }, callee: { phone: '1002', userExtension: '\u202e1002' } },
      },
    ];
    for (const e of sent) expect((await signed(e)).status).toBe(200);
    const names = events.flatMap((e) => {
      switch (e.kind) {
        case 'chat-action':
        case 'chat-message':
          return [e.user.display];
        case 'conference':
          return e.participants;
        case 'call':
          return e.parties.map((p) => p.who ?? '');
        default:
          return [];
      }
    });
    expect(names).toEqual([
      '[2J ]0;TITLE Anna Rossi',
      'x @y.z',
      '[2J ]0;TITLE Anna Rossi (10 01)',
      '[2J ]0;TITLE Anna Rossi',
      '1002',
    ]);
    for (const n of names) expect(n).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
  });
});
