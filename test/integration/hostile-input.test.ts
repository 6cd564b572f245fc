import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bootWorld, type World } from '../helpers/world';
import { tempDir } from '../helpers/paths';
import { rawExchange, statusOf } from '../helpers/raw-http';

const ALLOWED_ORIGINATE_HEADERS = [
  'Action',
  'ActionID',
  'Channel',
  'Application',
  'Data',
  'Context',
  'Exten',
  'Priority',
  'CallerID',
  'Timeout',
  'Variable',
  'Async',
];

describe('hostile input is harmless, answered clearly, and the daemon keeps serving', () => {
  let w: World;
  const marker = join(tempDir(), 'pwned');
  beforeAll(async () => {
    // Festival's text2wave, the engine whose Scheme interpreter `say` would feed on Linux;
    // dialplan mode, so alert values do reach AMI Variable headers.
    // Every alert here is on the same camera: storm merging (tested on its own) is off.
    w = await bootWorld({
      settings: {
        BRIDGE_TTS_ENGINE: 'festival',
        BRIDGE_AMI_MODE: 'dialplan',
        VEESION_ALERT_TEXT: 'Theft in ${name} on camera ${cameraId}',
        BRIDGE_STORM_WINDOW_S: '0',
      },
    });
  });
  afterAll(() => w.stop());

  it.each([
    ['a 10 MB body', 'x'.repeat(10 * 1024 * 1024), {}, 413, 'larger than 64 KiB'],
    ['broken JSON', '{"storeId": "test-store-wildix",', {}, 400, 'malformed JSON'],
    ['a JSON array', '[1,2]', {}, 400, 'JSON object'],
    ['no store id', '{"cameraId": "3"}', {}, 400, 'missing store id'],
    ['a wrong content type', 'storeId=x', { 'content-type': 'text/plain' }, 415, 'application/json'],
  ])('refuses %s', async (_what, body, headers, status, reason) => {
    const res = await w.post(body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.body.error).toContain(reason);
  });

  it('refuses a wrong or missing token with 401, and accepts it from X-Pbx-Token or Bearer', async () => {
    const alert = { alert_uuid: 'tok-1', location: 'store-d' };
    expect((await w.post(alert, {}, '?token=wrong')).status).toBe(401);
    expect((await w.post(alert, {}, '')).status).toBe(401);
    expect((await w.post(alert, { authorization: 'Bearer nope' }, '')).status).toBe(401);
    expect((await w.post(alert, { 'x-pbx-token': w.world.hookToken }, '')).body.status).toBe('accepted');
    expect(
      (await w.post({ ...alert, alert_uuid: 'tok-2' }, { authorization: `Bearer ${w.world.hookToken}` }, '')).body
        .status,
    ).toBe('accepted');
    expect(w.daemon.journal.storedAlert('tok-1')).toBeDefined();
  });

  it('speaks Scheme and shell payloads as text: nothing runs', async () => {
    const cameraId = `") (system "touch ${marker}") (" ; touch ${marker} $(touch ${marker})`;
    const res = await w.post({ alert_uuid: 'evil-tts', location: 'test-store-wildix', cameraId });
    expect(res.body.status).toBe('accepted');
    // The payload is spoken in full (some 20 s of audio), and the step ends when it has played.
    expect(await w.finished('evil-tts', 60_000)).toEqual([
      expect.objectContaining({ step: 'announce', state: 'succeeded' }),
      expect.objectContaining({ step: 'chat', state: 'succeeded' }),
    ]);
    expect(existsSync(marker)).toBe(false);
  }, 90_000);

  it('keeps CR/LF in alert fields out of AMI headers', async () => {
    const injected = '3\r\nAction: Originate\r\nApplication: System\r\nData: touch /tmp/x';
    await w.post({
      alert_uuid: 'evil-ami\r\nApplication: System',
      location: 'store-b',
      cameraId: injected,
      groupId: 'g\nExten: 666',
    });
    await w.finished('evil-ami  Application: System');
    const o = w.world.ami.originates.find((x) => x.channel === 'Local/3@xhoppers-conf');
    expect(o).toBeDefined();
    expect(o?.fields.map(([k]) => k).filter((k) => !ALLOWED_ORIGINATE_HEADERS.includes(k))).toEqual([]);
    expect(o?.fields.filter(([k]) => k === 'Application' || k === 'Action')).toEqual([['Action', 'Originate']]);
    expect(o?.variables).toContain('cameraId=3  Action: Originate  Application: System  Data: touch /tmp/x');
    expect(w.world.ami.actions.filter((a) => a.get('Action') === 'Originate')).toHaveLength(
      w.world.ami.originates.length,
    );
  });

  it.each([
    ['loopback', 'https://127.0.0.1/v.mp4'],
    ['a private range', 'https://192.168.10.64/v.mp4'],
    ['a metadata address', 'https://169.254.169.254/latest/meta-data'],
    ['file:', 'file:///etc/passwd'],
    ['plain http:', 'http://media.veesion.io/v.mp4'],
  ])('does not fetch a video from %s, and still posts the alert with the link', async (what, videoUrl) => {
    const id = `video-${what.replace(/\W/g, '')}`;
    const before = w.world.video.requests.length;
    await w.post({ alert_uuid: id, location: 'store-c', url: videoUrl });
    expect(await w.finished(id)).toContainEqual(
      expect.objectContaining({ step: 'chat', state: 'succeeded', detail: expect.stringContaining('link only') }),
    );
    const msg = w.world.xbees.messages.find((m) => m.text.includes(videoUrl));
    expect(msg?.attachments).toEqual([]);
    expect(msg?.text).toContain(`Video: ${videoUrl}`);
    expect(w.world.video.requests.length).toBe(before);
  });

  it('answers 300 sockets at once that announce 100 MB and send nothing: each gets 413 and is closed', async () => {
    const head = [
      `POST /api/v1/veesion?token=${w.world.hookToken} HTTP/1.1`,
      `Host: 127.0.0.1:${w.daemon.port}`,
      'Content-Type: application/json',
      'Content-Length: 104857600',
      '',
      '',
    ].join('\r\n');
    // Each exchange resolves when the daemon closes the socket (10 s deadline for the close).
    const answers = await Promise.all(Array.from({ length: 300 }, () => rawExchange(w.daemon.port, head, 10_000)));
    expect(answers.map(statusOf)).toEqual(Array(300).fill(413));
    expect(answers.every((a) => a.includes('larger than 64 KiB'))).toBe(true);
  }, 30_000);

  it('after all that, a valid alert still goes through', async () => {
    const res = await w.post({
      alert_uuid: 'after-storm',
      location: 'store-d',
      cameraId: '9',
      url: w.world.video.url('ok'),
    });
    expect(res.body.status).toBe('accepted');
    expect(await w.finished('after-storm')).toEqual([
      expect.objectContaining({ step: 'announce', state: 'succeeded' }),
      expect.objectContaining({ step: 'chat', state: 'succeeded', detail: expect.stringContaining('with video') }),
    ]);
  });
});
