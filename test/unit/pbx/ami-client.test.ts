import { AmiClient } from '../../../src/pbx/ami-client';
import { AmiOriginator } from '../../../src/pbx/ami-originator';
import { AmiSimulator } from '../../../src/sim/ami-sim';
import { StepError } from '../../../src/pipeline/step-error';
import type { OriginateRequest } from '../../../src/pipeline/ports';
import { join } from 'node:path';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';
import { tempDir } from '../../helpers/paths';
import { writeSilentWav } from '../../helpers/wav';

const store = { store_veesion_id: 's1', name: 'S1', audio_conf_id: '42', xbees_channel_id: 'c1' };
const request: OriginateRequest = {
  alertId: 'a-1',
  store,
  speech: { playbackPath: '/var/lib/veesion-bridge/sounds/abc', durationMs: 1500, cached: true },
  variables: { cameraId: '3\r\nApplication: System', storeId: 's1,x=1' },
};

describe('AmiClient + AmiOriginator against the AMI simulator', () => {
  let sim: AmiSimulator;
  let client: AmiClient;
  const { logger } = capturedLogger();

  const connect = async (secret = 'bridgesecret', pingIntervalMs = 60_000) => {
    client = new AmiClient({
      host: '127.0.0.1',
      port: sim.port,
      username: 'bridge',
      secret,
      pingIntervalMs,
      responseTimeoutMs: 300,
      logger,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    client.start();
  };
  const originator = (mode: 'application' | 'dialplan' = 'application', responseTimeoutMs = 500) =>
    new AmiOriginator(client, {
      channelTemplate: 'Local/${audio_conf_id}@xhoppers-conf',
      origin: 'veesion',
      mode,
      responseTimeoutMs,
    });

  beforeEach(async () => {
    sim = new AmiSimulator({ loginFailureCloseMs: 20, callLengthMs: 10 });
    await sim.start();
  });
  afterEach(async () => {
    await client.stop();
    await sim.stop();
  });

  it('logs in with Events: call,user and originates Playback into the rendered channel', async () => {
    await connect();
    await waitFor(() => client.loggedIn, 2000, 'login');
    expect(sim.actions[0]?.get('Events')).toBe('call,user');
    const result = await originator().originate(request);
    expect(result.channel).toMatch(/^Local\/42@xhoppers-conf-[0-9a-f]+;1$/);
    const [o] = sim.originates;
    expect(o).toMatchObject({
      channel: 'Local/42@xhoppers-conf',
      application: 'Playback',
      data: '/var/lib/veesion-bridge/sounds/abc',
      callerId: '"veesion" <veesion>',
    });
    expect(o?.fields).toContainEqual(['Async', 'true']);
    expect(new Set(sim.actions.map((a) => a.get('ActionID'))).size).toBe(sim.actions.length);
  });

  it('in dialplan mode sends Context/Exten/Priority and the variables, one header each, no smuggled lines', async () => {
    await connect();
    await waitFor(() => client.loggedIn, 2000, 'login');
    await originator('dialplan').originate(request);
    const [o] = sim.originates;
    expect(o).toMatchObject({ context: 'veesion', exten: 'veesion' });
    expect(o?.fields).toContainEqual(['Priority', '1']);
    expect(o?.variables).toEqual(expect.arrayContaining(['cameraId=3  Application: System', 'storeId=s1 x=1']));
    expect(o?.fields.filter(([k]) => k === 'Application')).toEqual([]);
  });

  // Asterisk's manager reads lines of at most 1024 bytes and 128 lines a message, and refuses
  // the whole message otherwise (main/manager.c, get_input and do_message): the simulator does too.
  it('places a storm call naming 400 alerts with a 2,000-character video link: every line within what Asterisk reads', async () => {
    await connect();
    await waitFor(() => client.loggedIn, 2000, 'login');
    const ids = Array.from({ length: 400 }, () => globalThis.crypto.randomUUID());
    const videoUrl = `https://videos.example/clip.mp4?token=${'x'.repeat(2000)}`;
    await originator('dialplan').originate({
      ...request,
      alertIds: ids,
      variables: { ...request.variables, videoUrl, count: '400' },
    });
    const [o] = sim.originates;
    for (const [k, v] of o?.fields ?? []) expect(Buffer.byteLength(`${k}: ${v}\r\n`)).toBeLessThanOrEqual(1024);
    const value = (name: string) => o?.variables.find((v) => v.startsWith(`${name}=`))?.slice(name.length + 1);
    expect(value('ALERT_COUNT')).toBe('400');
    const named = value('ALERT_IDS')?.split(' ') ?? [];
    expect(named.length).toBeGreaterThan(20);
    expect(named).toEqual(ids.slice(0, named.length)); // whole ids, in order
    expect(value('videoUrl')).toBe(''); // half a link would mislead: left out whole
    expect(value('cameraId')).toBe('3  Application: System');
  });

  it('refuses an action Asterisk would refuse, and the simulator answers an overlong line as Asterisk does', async () => {
    await connect();
    await waitFor(() => client.loggedIn, 2000, 'login');
    const long: [string, string][] = [
      ['Action', 'Ping'],
      ['X-Note', 'y'.repeat(1100)],
    ];
    await expect(client.action(long)).rejects.toMatchObject({ code: 'AMI_ACTION_TOO_LARGE', kind: 'bad-input' });
    expect(sim.actions.filter((a) => a.get('X-Note'))).toHaveLength(0); // never sent
    // Written around the client's guard, straight to the simulator's socket.
    const socket = (await import('node:net')).connect(sim.port, '127.0.0.1');
    socket.setEncoding('utf8');
    let answer = '';
    socket.on('data', (c: string) => {
      answer += c;
    });
    socket.write(`Action: Ping\r\nActionID: long-1\r\nX-Note: ${'y'.repeat(1100)}\r\n\r\n`);
    try {
      await waitFor(() => answer.includes('ActionID: long-1'), 2000, 'the answer to the long line');
      expect(answer).toContain(
        'Response: Error\r\nActionID: long-1\r\nMessage: Failed to parse message: line too long\r\n',
      );
    } finally {
      socket.destroy();
    }
  });

  it("reports the hang-up of the answered channel: after the audio's length, or at once when the file is missing", async () => {
    await connect();
    await waitFor(() => client.loggedIn, 2000, 'login');
    const audio = join(tempDir(), 'alert');
    writeSilentWav(audio, 400);
    const speech = { playbackPath: audio, durationMs: 400, cached: false };
    /** Places a call and waits for the client to report its end; returns the simulator's record of it. */
    const callEnds = async (req: OriginateRequest) => {
      const call = await originator().originate(req);
      const record = sim.calls.at(-1);
      await call.ended;
      return record;
    };
    // Played: the end is reported only after the PBX hung up, which it did after the audio.
    const played = await callEnds({ ...request, speech });
    expect(played?.hungUpAt).toBeDefined();
    expect((played?.hungUpAt ?? 0) - (played?.answeredAt ?? 0)).toBeGreaterThanOrEqual(350);
    // Missing file: the PBX hangs up without playing, and the client reports that end too.
    const missing = await callEnds({ ...request, speech: { ...speech, playbackPath: `${audio}-gone` } });
    expect(missing?.hungUpAt).toBeDefined();
    sim.failNext(1, 'early-hangup'); // Hangup in the same chunk as OriginateResponse
    const early = await callEnds({ ...request, speech });
    expect(early?.hungUpAt).toBe(early?.answeredAt);
  });

  it('turns OriginateResponse Failure into a rejected StepError naming the reason', async () => {
    await connect();
    await waitFor(() => client.loggedIn, 2000, 'login');
    sim.failNext(1, 'failure');
    await expect(originator().originate(request)).rejects.toMatchObject({
      code: 'AMI_ORIGINATE_FAILED',
      kind: 'rejected',
      message: expect.stringContaining('reason 0'),
    });
  });

  it('times out when OriginateResponse never comes, and fails fast when the socket drops after Response', async () => {
    await connect();
    await waitFor(() => client.loggedIn, 2000, 'login');
    sim.failNext(1, 'no-event');
    await expect(originator('application', 150).originate(request)).rejects.toMatchObject({
      code: 'AMI_NO_ORIGINATE_RESPONSE',
      kind: 'timeout',
    });
    sim.failNext(1, 'drop-after-response');
    // AMI_DISCONNECTED, not the 60 s AMI_NO_ORIGINATE_RESPONSE: the drop ends the wait.
    await expect(originator('application', 60_000).originate(request)).rejects.toMatchObject({
      code: 'AMI_DISCONNECTED',
    });
    await waitFor(() => client.loggedIn, 2000, 're-login after drop');
    await expect(originator().originate(request)).resolves.toBeDefined();
  });

  it('refuses to originate while logged out, reports auth failure, and recovers when logins are accepted', async () => {
    sim.refuseLogins = true;
    await connect();
    await waitFor(() => client.state === 'auth-failed', 2000, 'auth-failed');
    await expect(originator().originate(request)).rejects.toBeInstanceOf(StepError);
    sim.refuseLogins = false;
    await waitFor(() => client.loggedIn, 3000, 'login after refusal');
    expect(client.reconnects).toBeGreaterThan(0);
  });

  it('reconnects when Asterisk stops answering pings', async () => {
    await connect('bridgesecret', 50);
    await waitFor(() => client.loggedIn, 2000, 'login');
    const before = client.reconnects;
    sim.ignorePings = true;
    await waitFor(() => client.reconnects > before, 3000, 'reconnect after unanswered ping');
    sim.ignorePings = false;
    await waitFor(() => client.loggedIn, 3000, 'login again');
  });
});
