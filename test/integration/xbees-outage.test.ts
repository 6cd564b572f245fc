import { bootWorld } from '../helpers/world';
import { ManualClock } from '../helpers/manual-clock';

const HOUR = 3_600_000;

/**
 * x-bees answering 503 for an hour, on the daemon's own (manual) clock: the chat post retries
 * at 0, 1 min, 10 min and 1 h 11 min, and the first attempt after the outage posts it, once.
 * The announcement is not held up by any of it.
 */
describe('x-bees down for an hour', () => {
  it('keeps the chat record and posts it on the first retry after the outage', async () => {
    const clock = new ManualClock(Date.now());
    // One announcement per incident: this test's hour on the manual clock is about the chat, not repeats.
    const w = await bootWorld({ settings: { BRIDGE_REPEAT_MAX: '1' } }, { daemon: { clock } });
    const t0 = clock.now();
    const chat = () => w.steps('xo-1').find((s) => s.step === 'chat');
    const announce = () => w.steps('xo-1').find((s) => s.step === 'announce');
    /** Lets real work (sockets, TTS) run while the manual clock creeps on, until `cond`. */
    const settle = async (cond: () => boolean, what: string) => {
      const end = Date.now() + 20_000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await clock.advance(20);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      w.world.xbees.down = 503;
      expect((await w.post({ alert_uuid: 'xo-1', location: 'store-b', camera_id: '1' })).status).toBe(200);
      await settle(
        () => announce()?.state === 'succeeded' && chat()?.attempts === 1,
        'announcement, and first chat attempt',
      );
      expect(chat()).toMatchObject({ state: 'pending', lastError: expect.stringContaining('503') });

      await clock.advance(t0 + 60_000 - clock.now());
      await settle(() => chat()?.attempts === 2, 'retry at 1 min');
      await clock.advance(t0 + 660_000 - clock.now());
      await settle(() => chat()?.attempts === 3, 'retry at 11 min');
      await clock.advance(t0 + HOUR - clock.now());
      expect(chat()).toMatchObject({ state: 'pending', attempts: 3 });
      expect(w.world.xbees.messages).toHaveLength(0);

      w.world.xbees.down = undefined; // x-bees is back after an hour
      await clock.advance(t0 + HOUR + 660_000 - clock.now());
      await settle(() => chat()?.state === 'succeeded', 'post after the outage');
      expect(chat()).toMatchObject({ attempts: 4 });
      expect(w.world.xbees.messages.map((m) => m.channelId)).toEqual(['chan-b']);
      expect(w.world.ami.calls).toHaveLength(1);
    } finally {
      await w.stop();
    }
  }, 60_000);
});
