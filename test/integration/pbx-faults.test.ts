import { rmSync } from 'node:fs';
import { bootWorld, type World } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';

/**
 * The PBX failing under a running daemon, each case ending in the state the issue specifies:
 * every acknowledged alert announced exactly once (or, where a fallback had to guess, at most
 * twice, as documented) and posted once.
 */
describe('PBX faults, end to end', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  const announce = (id: string) => w?.steps(id).find((s) => s.step === 'announce');
  const chat = (id: string) => w?.steps(id).find((s) => s.step === 'chat');
  const sent = async (id: string, location: string, extra: Record<string, string> = {}) => {
    const res = await w!.post({ alert_uuid: id, location, camera_id: id, ...extra }); // `!`: set by each test first
    expect(res.status).toBe(200);
  };

  it('AMI down: the call goes out at once as a call file, and the step says so', async () => {
    w = await bootWorld({ settings: { BRIDGE_ORIGINATOR: 'ami,callfile' } });
    await w.world.ami.stop();
    await waitFor(() => !w!.daemon.ami.loggedIn, 5_000, 'AMI lost'); // `!`: set above
    await sent('pf-down', 'store-b');
    await waitFor(() => w!.world.spool.calls.length === 1, 10_000, 'call file picked up');
    await w.finished('pf-down');
    expect(announce('pf-down')).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      detail: expect.stringContaining('via callfile'),
    });
    expect(w.world.spool.calls[0]?.fields).toContainEqual(['Channel', 'Local/3@xhoppers-conf']);
    expect(chat('pf-down')?.state).toBe('succeeded');
    expect(await fetch(`${w.base}/readyz`).then((r) => r.json())).toMatchObject({
      checks: { pbx: true },
      details: { originators: { ami: false, callfile: true } },
    });
  });

  it('AMI logins refused: the PBX REST API places the call', async () => {
    w = await bootWorld(
      { settings: { BRIDGE_ORIGINATOR: 'ami,wildix-api' } },
      { before: (world) => (world.ami.refuseLogins = true), skipAmiLogin: true },
    );
    await sent('pf-login', 'store-c');
    await w.finished('pf-login');
    expect(announce('pf-login')).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      detail: expect.stringContaining('via wildix-api'),
    });
    expect(w.world.pbxApi.originates.map((o) => o.body.channel)).toEqual(['Local/4@xhoppers-conf']);
    expect(w.world.ami.originates).toHaveLength(0);
  });

  it('OriginateResponse never arriving: after its deadline the call file places it', async () => {
    w = await bootWorld({ settings: { BRIDGE_ORIGINATOR: 'ami,callfile', BRIDGE_ORIGINATE_TIMEOUT_MS: '800' } });
    w.world.ami.failNext(1, 'no-event');
    await sent('pf-noevent', 'store-b');
    await w.finished('pf-noevent');
    expect(announce('pf-noevent')).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      detail: expect.stringContaining('via callfile'),
    });
    // The AMI call may have rung unseen: the one case where the fallback can repeat (README).
    expect(w.world.ami.originates).toHaveLength(1);
    expect(w.world.spool.calls).toHaveLength(1);
  });

  it('the socket dropped between Response and event: retried after re-login, announced once', async () => {
    w = await bootWorld();
    w.world.ami.failNext(1, 'drop-after-response');
    await sent('pf-drop', 'store-b');
    await w.finished('pf-drop');
    expect(announce('pf-drop')).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(w.world.ami.originates).toHaveLength(2);
    expect(w.world.ami.calls).toHaveLength(1);
  });

  it('a call that hangs up at once is failed and retried; a cached file deleted underneath is rendered again', async () => {
    w = await bootWorld({ settings: { BRIDGE_STORM_WINDOW_S: '0' } });
    w.world.ami.failNext(1, 'early-hangup');
    await sent('pf-early', 'store-b', { camera_id: '5' });
    await w.finished('pf-early');
    expect(announce('pf-early')).toMatchObject({ state: 'succeeded', attempts: 2 });
    const failed = w
      .logLines()
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.alertId === 'pf-early' && l.state === 'pending');
    expect(failed?.error).toMatch(/hung up after 0\.\d s of \d+\.\d s of audio/);

    const playback = w.world.ami.originates[1]?.data ?? '';
    rmSync(`${playback}.wav`);
    await sent('pf-gone', 'store-b', { camera_id: '5' });
    await w.finished('pf-gone');
    expect(announce('pf-gone')).toMatchObject({ state: 'succeeded', attempts: 1 });
    const last = w.world.ami.calls.at(-1);
    await waitFor(() => last?.hungUpAt !== undefined, 10_000, 'hang-up');
    expect((last?.hungUpAt ?? 0) - (last?.answeredAt ?? 0)).toBeGreaterThan(1_000); // it played: the file was there
  });

  it('presigned upload URL expired: a fresh one is asked for, and the video still arrives', async () => {
    w = await bootWorld();
    w.world.xbees.expireNextUploads = 1;
    await sent('pf-upload', 'store-b', { video_url: w.world.video.url('pf-upload') });
    await w.finished('pf-upload');
    expect(chat('pf-upload')).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      detail: expect.stringContaining('with video'),
    });
    expect(w.world.xbees.files.size).toBe(2);
    expect(w.world.xbees.messages.at(-1)?.attachments).toHaveLength(1);
  });
});
