import { bootWorld, STORES } from '../helpers/world';
import { runCli } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';

/**
 * Storm control and muting through the real daemon: a burst on one camera becomes two calls
 * (the first at once, the rest merged after the window) with one chat post per alert; quiet
 * hours and `veesion-bridge silence` mute the calls and keep the posts.
 */
describe('storm control, quiet hours and silence, end to end', () => {
  it('merges a burst on one camera, mutes a store in quiet hours and one silenced from the CLI', async () => {
    const stores = [...STORES.slice(0, 3), { ...STORES[3]!, quiet_hours: ['* * * * *'] }]; // `!`: STORES has 4; store-d is always quiet
    const w = await bootWorld({ stores, settings: { BRIDGE_STORM_WINDOW_S: '2' } });
    const { world } = w;
    const files = ['--env-file', world.envFile, '--stores-file', world.storesFile];
    const toConf = (conf: string) => world.ami.originates.filter((o) => o.channel === `Local/${conf}@xhoppers-conf`);
    const states = (id: string) => w.steps(id).map((s) => `${s.step}=${s.state}`);
    try {
      const burst = ['st-1', 'st-2', 'st-3', 'st-4', 'st-5'];
      for (const id of burst)
        expect((await w.post({ alert_uuid: id, location: 'store-b', camera_id: '7' })).status).toBe(200);
      for (const id of burst) await w.finished(id);
      expect(toConf('3')).toHaveLength(2);
      expect(toConf('3')[1]!.at - toConf('3')[0]!.at).toBeGreaterThanOrEqual(2_000); // `!`: length asserted
      expect(w.steps('st-5').find((s) => s.step === 'announce')?.detail).toMatch(
        /for 4 alerts \(st-2, st-3, st-4, st-5\)/,
      );
      await waitFor(
        () => world.xbees.messages.filter((m) => m.channelId === 'chan-b').length === 5,
        5_000,
        'one chat post per alert',
      );

      expect((await w.post({ alert_uuid: 'quiet-1', location: 'store-d' })).status).toBe(200);
      await w.finished('quiet-1');
      expect(states('quiet-1')).toEqual(['announce=muted', 'chat=succeeded']);
      expect(toConf('5')).toHaveLength(0);

      const on = await runCli(['silence', '--store', 'store-c', '--for', '30m', ...files]);
      expect(on).toMatchObject({ code: 0, stdout: expect.stringContaining('announcements for store-c muted until') });
      expect((await w.post({ alert_uuid: 'silent-1', location: 'store-c' })).status).toBe(200);
      await w.finished('silent-1');
      expect(states('silent-1')).toEqual(['announce=muted', 'chat=succeeded']);
      expect(w.steps('silent-1')[0]?.detail).toMatch(/silenced until/);

      expect((await runCli(['silence', '--store', 'store-c', '--off', ...files])).code).toBe(0);
      expect((await w.post({ alert_uuid: 'loud-1', location: 'store-c' })).status).toBe(200);
      await w.finished('loud-1');
      expect(states('loud-1')).toEqual(['announce=succeeded', 'chat=succeeded']);

      expect(await runCli(['silence', '--store', 'nowhere', '--for', '1h', ...files])).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('no store "nowhere"'),
      });
      expect((await runCli(['silence', '--store', 'store-c', '--for', 'ever', ...files])).code).toBe(2);
    } finally {
      await w.stop();
    }
  }, 60_000);
});
