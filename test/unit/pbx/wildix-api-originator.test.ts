import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WildixApiOriginator } from '../../../src/pbx/wildix-api-originator';
import { WildixPbxSimulator } from '../../../src/sim/wildix-pbx-sim';
import type { OriginateRequest } from '../../../src/pipeline/ports';

const request: OriginateRequest = {
  alertId: 'a-1',
  store: { store_veesion_id: 's1', name: 'S1', audio_conf_id: '42', xbees_channel_id: 'c1' },
  speech: { playbackPath: '/var/lib/veesion-bridge/sounds/abc', durationMs: 1500, cached: true },
  variables: { cameraId: '3' },
};

/**
 * The WMS API's Originate fields, as the public client wrapper enzpic/n8n-nodes-wildix sends them
 * (nodes/Wildix/descriptions/CallDescription.ts, "Originate (Advanced / AMI)"; posted as a JSON
 * body to /api/v1/originate by nodes/Wildix/Wildix.node.ts through nodes/Wildix/GenericFunctions.ts):
 * channel, context, exten, priority (number), application, data, async (boolean), callerid,
 * timeout ("Milliseconds to wait for the channel to answer", default 30000), variable (string,
 * "KEY=value"), account, actionid.
 */
const DOCUMENTED = [
  'channel',
  'context',
  'exten',
  'priority',
  'application',
  'data',
  'async',
  'callerid',
  'timeout',
  'variable',
  'account',
  'actionid',
];

describe('WildixApiOriginator against the PBX API simulator', () => {
  const sim = new WildixPbxSimulator();
  let url = '';
  const originator = (token = sim.token, responseTimeoutMs = 2000, mode: 'application' | 'dialplan' = 'application') =>
    new WildixApiOriginator({
      baseUrl: url,
      token,
      channelTemplate: 'Local/${audio_conf_id}@xhoppers-conf',
      origin: 'veesion',
      mode,
      responseTimeoutMs,
    });
  beforeAll(async () => {
    url = await sim.start();
  });
  afterAll(() => sim.stop());

  it('posts the documented Originate fields, timeout in milliseconds, and returns the answered channel', async () => {
    const call = await originator().originate(request);
    expect(call.channel).toMatch(/^Local\/42@xhoppers-conf-[0-9a-f]{8};1$/);
    const body = sim.originates.at(-1)?.body ?? {};
    expect(body).toEqual({
      channel: 'Local/42@xhoppers-conf',
      application: 'Playback',
      data: '/var/lib/veesion-bridge/sounds/abc',
      callerid: '"veesion" <veesion>',
      timeout: 30_000,
      variable: 'ALERT_ID=a-1,ALERT_AUDIO=/var/lib/veesion-bridge/sounds/abc',
      async: false,
    });
    expect(Object.keys(body).filter((k) => !DOCUMENTED.includes(k))).toEqual([]);
    expect(sim.refused).toEqual([]);
  });

  it('dialplan mode: context, exten and a numeric priority; several variables in the one variable field', async () => {
    await originator(sim.token, 2000, 'dialplan').originate({
      ...request,
      variables: { cameraId: '3', label: 'theft, aisle 4' },
    });
    expect(sim.originates.at(-1)).toMatchObject({
      body: { channel: 'Local/42@xhoppers-conf', context: 'veesion', exten: 'veesion', priority: 1, timeout: 30_000 },
      variables: {
        ALERT_ID: 'a-1',
        ALERT_AUDIO: '/var/lib/veesion-bridge/sounds/abc',
        cameraId: '3',
        label: 'theft  aisle 4',
      },
    });
    expect(sim.refused).toEqual([]);
  });

  it('classifies failures: refused call, bad token, server error, timeout', async () => {
    sim.refuseNext.push('Channel busy');
    await expect(originator().originate(request)).rejects.toMatchObject({
      code: 'WILDIX_ORIGINATE_FAILED',
      kind: 'rejected',
      message: expect.stringContaining('Channel busy'),
    });
    await expect(originator('wrong-token').originate(request)).rejects.toMatchObject({
      code: 'WILDIX_401',
      kind: 'auth',
    });
    sim.failNext(1, 503);
    await expect(originator().originate(request)).rejects.toMatchObject({ code: 'WILDIX_503', kind: 'rejected' });
    sim.hold(); // never answers until released
    await expect(originator(sim.token, 100).originate(request)).rejects.toMatchObject({ kind: 'timeout' });
    sim.release();
  });

  it('fails as a connection problem when nothing listens', async () => {
    const o = new WildixApiOriginator({
      baseUrl: 'http://127.0.0.1:1',
      token: 't',
      channelTemplate: 'Local/1@x',
      origin: 'veesion',
      mode: 'application',
      responseTimeoutMs: 500,
    });
    await expect(o.originate(request)).rejects.toMatchObject({ kind: 'connection' });
  });
});

describe('the PBX API simulator refuses what the API would', () => {
  const sim = new WildixPbxSimulator();
  let url = '';
  const post = async (body: Record<string, unknown>) => {
    const res = await fetch(`${url}/api/v1/originate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const valid = {
    channel: 'Local/42@xhoppers-conf',
    application: 'Playback',
    data: '/tmp/x',
    callerid: 'veesion',
    timeout: 30_000,
    variable: 'ALERT_ID=a-1',
    async: false,
  };
  beforeAll(async () => {
    url = await sim.start();
  });
  afterAll(() => sim.stop());

  it('takes the documented body', async () => {
    expect(await post(valid)).toMatchObject({ status: 200, body: { type: 'result' } });
    expect(sim.refused).toEqual([]);
  });

  it('a timeout under 1000 ms (seconds sent for milliseconds) is refused', async () => {
    expect(await post({ ...valid, timeout: 30 })).toEqual({
      status: 400,
      body: { type: 'error', reason: 'timeout is in milliseconds, at least 1000' },
    });
    expect(await post({ ...valid, timeout: 999 })).toMatchObject({ status: 400 });
    expect(await post({ ...valid, timeout: 1000 })).toMatchObject({ status: 200 });
  });

  it('unknown field names are refused, naming them', async () => {
    const { callerid, variable, ...rest } = valid;
    expect(await post({ ...rest, callerId: callerid, variables: { ALERT_ID: 'a-1' } })).toEqual({
      status: 400,
      body: { type: 'error', reason: 'unknown field callerId, variables' },
    });
    expect(await post({ ...valid, variable: ['ALERT_ID=a-1'] })).toMatchObject({
      status: 400,
      body: { reason: 'variable must be a string' },
    });
    expect(await post({ ...valid, variable: 'ALERT_ID' })).toMatchObject({
      status: 400,
      body: { reason: 'variable takes KEY=value entries' },
    });
    expect(sim.refused.map((r) => r.reason)).toEqual([
      'timeout is in milliseconds, at least 1000',
      'timeout is in milliseconds, at least 1000',
      'unknown field callerId, variables',
      'variable must be a string',
      'variable takes KEY=value entries',
    ]);
  });

  it("the originator reports a 400 refusal as bad input (not retried) with the API's reason", async () => {
    const server = http.createServer((_req, res) => {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ type: 'error', reason: 'unknown field foo' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const o = new WildixApiOriginator({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        token: 't',
        channelTemplate: 'Local/1@x',
        origin: 'veesion',
        mode: 'application',
        responseTimeoutMs: 2000,
      });
      await expect(o.originate(request)).rejects.toMatchObject({
        code: 'WILDIX_400',
        kind: 'bad-input',
        retryable: false,
        message: 'Wildix PBX API originate failed: 400: unknown field foo',
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
