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
    expect(call?.body).toMatchObject({ channel: 'Local/3@xhoppers-conf', callerid: '"veesion" <veesion>', timeout: 30_000, async: false });
    expect(call?.variables).toMatchObject({ ALERT_ID: 'wapi-1', ALERT_AUDIO: expect.any(String) });
    expect(w.world.ami.originates).toHaveLength(0);
  });
});
