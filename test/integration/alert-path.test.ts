import { readFileSync } from 'node:fs';
import { readWavInfo } from '../../src/tts/wav';
import { rmsDbfs } from '../helpers/wav';
import { bootWorld, fixture, type World } from '../helpers/world';

describe('one alert of each payload shape, end to end on real parts', () => {
  let w: World;
  beforeAll(async () => {
    w = await bootWorld();
  });
  afterAll(() => w.stop());

  it('camelCase: journaled, announced into the store conference, posted with its video', async () => {
    const body = { ...fixture('alert-camelcase.json'), videoUrl: w.world.video.url('0b6f7c1e-blurred') };
    const res = await w.post(body);
    expect(res).toEqual({ status: 200, body: { status: 'accepted', alertId: expect.stringMatching(/^h-/) } });
    const id = res.body.alertId as string;

    expect(await w.finished(id)).toEqual([
      expect.objectContaining({ step: 'announce', state: 'succeeded', attempts: 1 }),
      expect.objectContaining({
        step: 'chat',
        state: 'succeeded',
        attempts: 1,
        detail: expect.stringContaining('with video'),
      }),
    ]);
    expect(w.daemon.journal.storedAlert(id)).toMatchObject({
      status: 'routed',
      alert: { storeId: 'test-store-wildix', cameraId: '3' },
    });
    expect(JSON.parse(w.rawBody(id) as string)).toEqual(body);

    const originate = w.world.ami.originates.find((o) => o.variables.includes(`ALERT_ID=${id}`));
    expect(originate).toMatchObject({
      channel: 'Local/2@xhoppers-conf',
      application: 'Playback',
      callerId: '"veesion" <veesion>',
    });
    const audio = readFileSync(`${originate?.data}.wav`);
    const info = readWavInfo(audio);
    expect(info).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect(info.durationMs).toBeGreaterThan(1000);
    expect(rmsDbfs(audio, info)).toBeGreaterThan(-30);

    const msg = w.world.xbees.messages.find((m) => m.channelId === 'chan-test-store');
    expect(msg?.text.split('\n')).toEqual([
      '🚨 Theft alert',
      'Store: Wildix Test Store (Trento)',
      'Date: 2026-11-20 14:03:11 UTC',
      'Camera: 3 (192.168.10.64)',
      'Group: entrance',
      `Video attached (${body.videoUrl})`,
    ]);
    expect(msg?.attachments).toHaveLength(1);
    const uploaded = w.world.xbees.files.get(String(msg?.attachments[0]?.id));
    expect(uploaded?.bytes?.equals(w.world.video.video)).toBe(true);
  });

  it('snake_case: alert_uuid is the id, location the store, label the type', async () => {
    const body = { ...fixture('alert-snakecase.json'), location: 'store-b', url: w.world.video.url('b36006d7') };
    const res = await w.post(body);
    expect(res.body).toEqual({ status: 'accepted', alertId: '33cbb18c-8b8f-4c57-a0a4-63d1a5f0e2aa' });
    expect(await w.finished('33cbb18c-8b8f-4c57-a0a4-63d1a5f0e2aa')).toEqual([
      expect.objectContaining({ step: 'announce', state: 'succeeded' }),
      expect.objectContaining({ step: 'chat', state: 'succeeded' }),
    ]);
    expect(w.world.ami.originates.find((o) => o.channel === 'Local/3@xhoppers-conf')).toBeDefined();
    const msg = w.world.xbees.messages.find((m) => m.channelId === 'chan-b');
    expect(msg?.text).toContain('Suspicious alert');
    expect(msg?.attachments).toHaveLength(1);
  });

  it('answers a duplicate 200 and does nothing more', async () => {
    const body = { alert_uuid: 'dup-1', location: 'store-c', label: 'theft', time_spotted: 1763647391 };
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await w.post(body)).body.status);
    expect(answers).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    await w.finished('dup-1');
    expect(w.world.ami.originates.filter((o) => o.variables.includes('ALERT_ID=dup-1'))).toHaveLength(1);
    expect(w.world.xbees.messages.filter((m) => m.channelId === 'chan-c')).toHaveLength(1);
  });

  it('keeps an alert for a store not in x-hoppers.json as unroutable', async () => {
    const res = await w.post({ alert_uuid: 'lost-1', location: 'store-unknown' });
    expect(res).toEqual({ status: 200, body: { status: 'unroutable', alertId: 'lost-1' } });
    expect(w.daemon.journal.storedAlert('lost-1')?.status).toBe('unroutable');
    expect(w.world.ami.originates.some((o) => o.variables.includes('ALERT_ID=lost-1'))).toBe(false);
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${w.base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${w.base}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 200,
      body: {
        status: 'ready',
        checks: { journal: true, ami: true, veesion: true },
        details: {
          stores: 4,
          veesionTokenExpiresInS: expect.any(Number),
          originators: { ami: true },
          audioCache: { wanted: expect.any(Number), cached: expect.any(Number), running: expect.any(Boolean) },
        },
      },
    });
    const metrics = await (await fetch(`${w.base}/metrics`)).text();
    expect(metrics).toMatch(/veesion_bridge_alerts_received_total\{store="test-store-wildix",outcome="accepted"\} 1/);
    expect(metrics).toMatch(/veesion_bridge_step_duration_seconds_count\{step="announce",state="succeeded"\} \d+/);
  });

  it('registered its hook with Veesion for every store, token included', () => {
    expect([...w.world.klaxon.hooks.keys()].sort()).toEqual(['store-b', 'store-c', 'store-d', 'test-store-wildix']);
    expect(w.world.klaxon.hooks.get('store-b')).toEqual([
      `${w.config.settings.VEESION_HOOK_URL}?token=${w.world.hookToken}`,
    ]);
    expect(w.world.klaxon.hookCalls.map((c) => c.store_veesion_id).sort()).toEqual([
      'store-b',
      'store-c',
      'store-d',
      'test-store-wildix',
    ]);
    expect(w.daemon.hooks?.last).toMatchObject({ missingAtVeesion: [], notConfigured: [], failed: [] });
  });

  it('never writes a secret to the log', () => {
    const log = w.logLines().join('\n');
    expect(log).toContain('alert received');
    for (const secret of [w.world.hookToken, w.world.amiSecret, w.world.xbees.token, w.world.klaxon.password])
      expect(log).not.toContain(secret);
  });

  it('puts alertId on every log line about an alert', () => {
    const lines = w.logLines().map((l) => JSON.parse(l) as { message: string; alertId?: string });
    const ids = new Set(lines.flatMap((l) => (l.alertId ? [l.alertId] : [])));
    expect(ids.size).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.message === 'step succeeded').every((l) => l.alertId)).toBe(true);
    for (const id of ids) {
      const about = lines.filter((l) => JSON.stringify(l).includes(id));
      expect(about.map((l) => l.message)).toContain('alert received');
      for (const line of about) expect(line).toMatchObject({ alertId: id });
    }
  });
});
