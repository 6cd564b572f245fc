import { bootWorld, type World } from '../helpers/world';

/** The daemon placing its calls through the PBX REST API alone, against the simulators. */
describe('BRIDGE_ORIGINATOR=wildix-api, end to end', () => {
  let w: World;
  beforeAll(async () => {
    w = await bootWorld({ settings: { BRIDGE_ORIGINATOR: 'wildix-api' } });
  });
  afterAll(() => w.stop());

  it('announces the alert through POST /api/v1/originate with nothing refused', async () => {
    const res = await w.post({ alert_uuid: 'wapi-1', location: 'store-b', camera_id: '7', label: 'theft' });
    expect(res.status).toBe(200);
    expect(await w.finished('wapi-1')).toEqual([
      expect.objectContaining({ step: 'announce', state: 'succeeded', attempts: 1 }),
      expect.objectContaining({ step: 'chat', state: 'succeeded', attempts: 1 }),
    ]);
    expect(w.world.pbxApi.refused).toEqual([]);
    expect(w.world.pbxApi.originates).toHaveLength(1);
    const call = w.world.pbxApi.originates[0];
    expect(call?.body).toMatchObject({
      channel: 'Local/3@xhoppers-conf',
      callerid: '"veesion" <veesion>',
      timeout: 30_000,
      async: false,
    });
    expect(call?.variables).toMatchObject({ ALERT_ID: 'wapi-1', ALERT_AUDIO: expect.any(String) });
    expect(w.world.ami.originates).toHaveLength(0);
  });
});

/**
 * The same with a PBX token for x-bees: the posts act for the x-bees user BRIDGE_XBEES_USER_ID
 * names (Wildix/sdk-examples, examples/conversation-api-send-message), and neither the PBX API
 * nor x-bees refuses anything.
 */
describe('BRIDGE_ORIGINATOR=wildix-api with an x-bees PBX token and BRIDGE_XBEES_USER_ID', () => {
  it('announces and posts the alert, the upload and the message acting for that x-bees user', async () => {
    const w = await bootWorld({
      xbees: { token: 'pbx-token-for-xbees', users: ['u-stream-42'] },
      settings: { BRIDGE_ORIGINATOR: 'wildix-api', BRIDGE_XBEES_USER_ID: 'u-stream-42' },
    });
    try {
      expect((await w.post({ alert_uuid: 'wapi-2', location: 'store-b', camera_id: '8', label: 'theft' })).status).toBe(
        200,
      );
      expect((await w.finished('wapi-2')).map((s) => `${s.step}=${s.state}`)).toEqual([
        'announce=succeeded',
        'chat=succeeded',
      ]);
      expect(w.world.pbxApi.refused).toEqual([]);
      const posts = w.world.xbees.bodies.filter((b) => b.method === 'POST');
      expect(posts.length).toBeGreaterThan(0);
      expect(posts.map((b) => (b.body as { userId?: string }).userId)).toEqual(posts.map(() => 'u-stream-42'));
    } finally {
      await w.stop();
    }
  }, 60_000);
});
