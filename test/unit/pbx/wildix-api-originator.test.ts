import { WildixApiOriginator } from '../../../src/pbx/wildix-api-originator';
import { WildixPbxSimulator } from '../../../src/sim/wildix-pbx-sim';
import type { OriginateRequest } from '../../../src/pipeline/ports';

const request: OriginateRequest = {
  alertId: 'a-1',
  store: { store_veesion_id: 's1', name: 'S1', audio_conf_id: '42', xbees_channel_id: 'c1' },
  speech: { playbackPath: '/var/lib/veesion-bridge/sounds/abc', durationMs: 1500, cached: true },
  variables: { cameraId: '3' },
};

describe('WildixApiOriginator against the PBX API simulator', () => {
  const sim = new WildixPbxSimulator();
  let url = '';
  const originator = (token = sim.token, responseTimeoutMs = 2000) =>
    new WildixApiOriginator({ baseUrl: url, token, channelTemplate: 'Local/${audio_conf_id}@xhoppers-conf', origin: 'veesion', mode: 'application', responseTimeoutMs });
  beforeAll(async () => {
    url = await sim.start();
  });
  afterAll(() => sim.stop());

  it('posts the call to /api/v1/originate and returns the answered channel', async () => {
    const call = await originator().originate(request);
    expect(call.channel).toMatch(/^Local\/42@xhoppers-conf-[0-9a-f]{8};1$/);
    expect(sim.originates.at(-1)?.body).toMatchObject({
      channel: 'Local/42@xhoppers-conf',
      application: 'Playback',
      data: '/var/lib/veesion-bridge/sounds/abc',
      callerId: '"veesion" <veesion>',
      variables: { ALERT_ID: 'a-1', ALERT_AUDIO: '/var/lib/veesion-bridge/sounds/abc' },
    });
  });

  it('classifies failures: refused call, bad token, server error, timeout', async () => {
    sim.refuseNext.push('Channel busy');
    await expect(originator().originate(request)).rejects.toMatchObject({ code: 'WILDIX_ORIGINATE_FAILED', kind: 'rejected', message: expect.stringContaining('Channel busy') });
    await expect(originator('wrong-token').originate(request)).rejects.toMatchObject({ code: 'WILDIX_401', kind: 'auth' });
    sim.failNext(1, 503);
    await expect(originator().originate(request)).rejects.toMatchObject({ code: 'WILDIX_503', kind: 'rejected' });
    sim.hold(); // never answers until released
    await expect(originator(sim.token, 100).originate(request)).rejects.toMatchObject({ kind: 'timeout' });
    sim.release();
  });

  it('fails as a connection problem when nothing listens', async () => {
    const o = new WildixApiOriginator({ baseUrl: 'http://127.0.0.1:1', token: 't', channelTemplate: 'Local/1@x', origin: 'veesion', mode: 'application', responseTimeoutMs: 500 });
    await expect(o.originate(request)).rejects.toMatchObject({ kind: 'connection' });
  });
});
