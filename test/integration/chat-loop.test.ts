import { bootWorld, type World } from '../helpers/world';
import { buttonIds, type SimMessage } from '../../src/sim/xbees-sim';
import type { SimWorld } from '../../src/sim/sim-world';
import { averageColour, threeColourClip } from '../helpers/clips';
import { tempDir } from '../helpers/paths';
import { waitFor } from '../helpers/quiet-logger';

const ANNA = { id: 'u-anna', name: 'Anna', email: 'anna@example.com' };
const MARCO = { id: 'u-marco', name: 'Marco' };

/**
 * The chat side of the loop against the real daemon and the simulators: the alert message
 * carries buttons and a still image; Wildix events (signed like the PBX signs them) claim and
 * resolve from the chat, and every change gets one follow-up in the store's conversation.
 */
describe('chat: act on an alert from x-bees', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  const alertMessage = async (world: SimWorld, channelId: string, camera: string): Promise<SimMessage> => {
    let found: SimMessage | undefined;
    await waitFor(
      () =>
        (found = world.xbees.messages.find(
          (m) => m.channelId === channelId && m.text.includes(`Camera: ${camera}`),
        )) !== undefined,
      20_000,
      `alert message in ${channelId}`,
    );
    return found as SimMessage;
  };
  const followUps = (world: SimWorld, channelId: string) =>
    world.xbees.messages
      .filter((m) => m.channelId === channelId && !m.text.includes('alert\nStore:'))
      .map((m) => m.text);
  const callsFor = (world: SimWorld, id: string) =>
    world.ami.originates.filter((o) => o.variables.includes(`ALERT_ID=${id}`)).length;

  it('buttons: "I\'m on it" claims (the conference hears it, the chat follows up), an outcome button resolves; replays, forgeries and other channels change nothing', async () => {
    w = await bootWorld();
    const { world } = w;
    expect((await w.post({ alert_uuid: 'chat-1', location: 'store-b', camera_id: '7' })).status).toBe(200);
    const message = await alertMessage(world, 'chan-b', '7');
    const ids = buttonIds(message);
    expect(Object.keys(ids)).toEqual(["I'm on it", 'Theft confirmed', 'False alarm', 'Not found']);
    const incidents = w.daemon.journal.incidents;
    await waitFor(() => callsFor(world, 'chat-1') === 1, 20_000, 'the announcement');

    // Forged, unsigned, from another store's conversation: refused or ignored, the incident stays open.
    expect((await world.wildix.press('chan-b', ids["I'm on it"] as string, MARCO, 'forged')).status).toBe(401);
    expect((await world.wildix.press('chan-b', ids["I'm on it"] as string, MARCO, 'none')).status).toBe(401);
    expect(JSON.parse((await world.wildix.press('chan-c', ids["I'm on it"] as string, MARCO)).body)).toMatchObject({
      status: 'unknown-channel',
    });
    expect((await incidents.find('chat-1'))?.state).toBe('open');
    expect(w.logLines().filter((l) => l.includes('wrong x-signature')).length).toBe(1); // the operator hears of a wrong secret

    const press = world.wildix.envelope('chat:message:action', {
      channel: { channelId: 'chan-b' },
      action: { id: ids["I'm on it"] },
      user: ANNA,
    });
    const first = await world.wildix.send(press);
    expect([first.status, JSON.parse(first.body).status]).toEqual([200, 'claimed']);
    // Wildix sends an event again when the answer was slow: the same id is done once.
    expect(JSON.parse((await world.wildix.send(press)).body)).toMatchObject({ status: 'duplicate' });
    expect(await incidents.find('chat-1')).toMatchObject({ state: 'claimed', claimedBy: 'Anna', claimedVia: 'chat' });
    await waitFor(() => callsFor(world, 'chat-1') === 2, 20_000, 'the conference told who took it');
    await waitFor(() => followUps(world, 'chan-b').length >= 1, 20_000, 'the claim follow-up');
    expect(JSON.parse((await world.wildix.press('chan-b', ids["I'm on it"] as string, MARCO)).body)).toMatchObject({
      status: 'already-claimed',
    });

    expect(JSON.parse((await world.wildix.press('chan-b', ids['Theft confirmed'] as string, ANNA)).body)).toMatchObject(
      { status: 'resolved' },
    );
    await waitFor(() => followUps(world, 'chan-b').length >= 2, 20_000, 'the outcome follow-up');
    expect(followUps(world, 'chan-b')).toEqual([
      expect.stringMatching(/^Anna is on it \(\d+ s after the alert, camera 7\)$/),
      'Theft confirmed by Anna (camera 7)',
    ]);
    expect(await incidents.find('chat-1')).toMatchObject({ state: 'resolved', outcome: 'theft', resolvedBy: 'Anna' });
    // One follow-up per change: a second outcome press changes nothing and says nothing.
    expect(JSON.parse((await world.wildix.press('chan-b', ids['False alarm'] as string, MARCO)).body)).toMatchObject({
      status: 'already-resolved',
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(followUps(world, 'chan-b')).toHaveLength(2);
    expect(callsFor(world, 'chat-1')).toBe(2);
  }, 90_000);

  it('the route checks before it reads: oversized, not JSON, malformed, unknown shapes; the secret never reaches the log', async () => {
    w = await bootWorld();
    const { world } = w;
    const big = JSON.stringify(world.wildix.envelope('chat:message:new', { pad: 'x'.repeat(70 * 1024) }));
    expect((await world.wildix.send(big)).status).toBe(413);
    expect((await world.wildix.send('{"id":1}', 'valid', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await world.wildix.send('{not json', 'valid')).status).toBe(400);
    const noChannel = await world.wildix.send(
      world.wildix.envelope('chat:message:action', { action: { id: 'veesion:claim:x' }, user: ANNA }),
    );
    expect([noChannel.status, JSON.parse(noChannel.body).error]).toEqual([400, expect.stringContaining('channel')]);
    // Signed but hours old (a captured event sent again): nothing is done; time is required.
    const old = {
      ...world.wildix.envelope('chat:message:new', {
        channel: { channelId: 'chan-b' },
        message: { text: 'ok', type: 'regular', user: ANNA },
      }),
      time: Date.now() - 2 * 3_600_000,
    };
    expect(JSON.parse((await world.wildix.send(old)).body)).toMatchObject({ status: 'stale' });
    const { time: _time, ...timeless } = world.wildix.envelope('chat:message:new', {});
    expect((await world.wildix.send(timeless)).status).toBe(400);
    // Event types the bridge does not act on are acknowledged (Wildix would retry otherwise).
    expect(
      JSON.parse((await world.wildix.send(world.wildix.envelope('presence:user', { status: 'online' }))).body),
    ).toMatchObject({ status: 'ignored' });
    expect(w.logLines().some((l) => l.includes(world.wildix.secret))).toBe(false);
  }, 60_000);

  it("a reply word in the store's conversation claims its oldest open incident for that user; other words, and the bridge's own messages, do not", async () => {
    w = await bootWorld();
    const { world } = w;
    expect((await w.post({ alert_uuid: 'reply-1', location: 'store-c', camera_id: '1' })).status).toBe(200);
    expect((await w.post({ alert_uuid: 'reply-2', location: 'store-c', camera_id: '2' })).status).toBe(200);
    await alertMessage(world, 'chan-c', '2');
    const outcome = async (text: string, user: { id: string; name: string; bot?: boolean }) =>
      JSON.parse((await world.wildix.reply('chan-c', text, user)).body).status as string;
    expect(await outcome('ok', { id: 'bridge', name: 'Veesion bridge', bot: true })).toBe('own-message');
    expect(await outcome('is this one mine?', MARCO)).toBe('not-a-claim');
    expect(await outcome('not ok', MARCO)).toBe('not-a-claim');
    expect(await outcome('Je m’en occupe !', { id: 'u-chloe', name: 'Chloé' })).toBe('claimed');
    const incidents = w.daemon.journal.incidents;
    expect(await incidents.find('reply-1')).toMatchObject({ state: 'claimed', claimedBy: 'Chloé', claimedVia: 'chat' });
    expect((await incidents.find('reply-2'))?.state).toBe('open');
    expect(await outcome('Ci penso io', { id: 'u-gio', name: 'Giovanni' })).toBe('claimed');
    expect(await incidents.find('reply-2')).toMatchObject({ state: 'claimed', claimedBy: 'Giovanni' });
    expect(await outcome('OK 👍', MARCO)).toBe('nothing-open');
    expect(JSON.parse((await world.wildix.reply('chan-nobody', 'ok', MARCO)).body).status).toBe('unknown-channel');
    await waitFor(() => followUps(world, 'chan-c').length >= 2, 20_000, 'two follow-ups');
    expect(followUps(world, 'chan-c').sort()).toEqual([
      expect.stringMatching(/^Chloé is on it .*camera 1\)$/),
      expect.stringMatching(/^Giovanni is on it .*camera 2\)$/),
    ]);
  }, 90_000);

  it('BRIDGE_CLAIM_WORDS replaces the built-in words', async () => {
    w = await bootWorld({ settings: { BRIDGE_CLAIM_WORDS: 'yo lo tomo,voy' } });
    const { world } = w;
    expect((await w.post({ alert_uuid: 'words-1', location: 'store-d', camera_id: '3' })).status).toBe(200);
    await alertMessage(world, 'chan-d', '3');
    expect(JSON.parse((await world.wildix.reply('chan-d', 'ok', MARCO)).body).status).toBe('not-a-claim');
    expect(JSON.parse((await world.wildix.reply('chan-d', 'Voy!', MARCO)).body).status).toBe('claimed');
  }, 60_000);

  // Shapes: the public wildix-webhook-example's call events, and docs.wildix.com's call:live:progress,
  // conference:live:progress and conference:live:join examples (src/sim/wildix-events-sim.ts).
  it('call and conference events of the room are kept against the incident that played there', async () => {
    w = await bootWorld();
    const { world } = w;
    expect((await w.post({ alert_uuid: 'room-1', location: 'store-d', camera_id: '9' })).status).toBe(200);
    await waitFor(() => callsFor(world, 'room-1') === 1, 20_000, 'the announcement');
    const id = (await w.daemon.journal.incidents.find('room-1'))?.id as string;
    const status = async (sent: Promise<{ body: string }>) =>
      JSON.parse((await sent).body) as { status: string; incidentId?: string };
    expect(await status(world.wildix.call('call:start', '5', { phone: '201', name: 'Luca' }))).toMatchObject({
      status: 'recorded',
      incidentId: id,
    });
    expect(await status(world.wildix.liveCall('5', { phone: '204', name: 'Paola' }))).toMatchObject({
      status: 'recorded',
      incidentId: id,
    });
    // A conference named after the room: its progress event names it, a later join only its id.
    const conference = world.wildix.conferenceId();
    expect(
      await status(world.wildix.conferenceProgress(conference, '5', [{ name: 'Anna', pbxExtension: '200' }])),
    ).toMatchObject({ status: 'recorded', incidentId: id });
    expect(await status(world.wildix.conferenceJoin(conference, { name: 'Marco', pbxExtension: '202' }))).toMatchObject(
      { status: 'recorded', incidentId: id },
    );
    // A join that comes before its conference's progress event waits for it.
    const late = world.wildix.conferenceId();
    expect(await status(world.wildix.conferenceJoin(late, { name: 'Giulia', pbxExtension: '205' }))).toMatchObject({
      status: 'held',
    });
    await new Promise((r) => setTimeout(r, 5)); // the two events a few ms apart, as on a PBX
    expect(await status(world.wildix.conferenceProgress(late, '5', []))).toMatchObject({
      status: 'recorded',
      incidentId: id,
    });
    // Another room's call is nobody's activity here.
    expect(await status(world.wildix.call('call:start', '99', { phone: '203', name: 'Sara' }))).toMatchObject({
      status: 'no-incident',
    });
    expect((await w.daemon.journal.incidents.activity(id)).map((a) => [a.kind, a.who])).toEqual([
      ['call:start', 'Luca (201)'],
      ['call:live:progress', 'Paola (204)'],
      ['conference:live:progress', 'Anna (200)'],
      ['conference:live:join', 'Marco (202)'],
      ['conference:live:join', 'Giulia (205)'], // at its own time, before the progress event that placed it
      ['conference:live:progress', null],
    ]);
  }, 60_000);

  it('a still image from the middle of a real clip is attached before the video; a clip ffmpeg cannot read still gets its video, text and link', async () => {
    const dir = tempDir();
    const clip = await threeColourClip(dir);
    // A generous bound: three ffmpeg passes on a loaded 2-core machine (the bound is for the PBX host).
    w = await bootWorld(
      { settings: { BRIDGE_STILL_TIMEOUT_MS: '60000' } },
      { before: (world) => (world.video.video = clip) },
    );
    const { world } = w;
    const videoUrl = world.video.url('clip-1');
    expect(
      (await w.post({ alert_uuid: 'still-1', location: 'store-b', camera_id: '4', video_url: videoUrl })).status,
    ).toBe(200);
    const message = await alertMessage(world, 'chan-b', '4');
    expect(message.attachments.map((a) => a.mime)).toEqual(['image/jpeg', 'video/mp4']);
    const still = world.xbees.files.get(String(message.attachments[0]?.id))?.bytes as Buffer;
    expect([...still.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(still.length).toBeLessThanOrEqual(200 * 1024);
    const [r = 0, g = 0, b = 0] = await averageColour(still, dir);
    expect(g).toBeGreaterThan(100); // the green middle of red-green-blue
    expect(Math.max(r, b)).toBeLessThan(60);

    world.video.video = Buffer.from('this is not a video at all');
    expect(
      (
        await w.post({
          alert_uuid: 'still-2',
          location: 'store-b',
          camera_id: '5',
          video_url: world.video.url('broken'),
        })
      ).status,
    ).toBe(200);
    const broken = await alertMessage(world, 'chan-b', '5');
    expect(broken.attachments.map((a) => a.mime)).toEqual(['video/mp4']);
    expect(broken.text).toContain(world.video.url('broken'));
    expect(Object.keys(buttonIds(broken))).toHaveLength(4);
  }, 90_000);
});
