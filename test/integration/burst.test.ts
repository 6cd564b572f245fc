import { bootWorld } from '../helpers/world';
import { alertsSaid } from '../../src/sim/ami-sim';
import { waitFor } from '../helpers/quiet-logger';

const STORES = Array.from({ length: 20 }, (_, i) => ({ store_veesion_id: `burst-${i}`, name: `Burst ${i}`, audio_conf_id: String(200 + i), xbees_channel_id: `chan-burst-${i}` }));

/**
 * 200 alerts across 20 stores within one second (10 per store, each on its own camera): every
 * one is announced and posted, no two calls overlap in one conference, and the cameras that
 * queue up in a conference are said together in one sentence instead of one call each (so a
 * store hears its ten cameras in a few calls, not ten). The time to announce under this load
 * is reported by `npm run bench`.
 */
describe('a burst of 200 alerts across 20 stores', () => {
  it('announces every alert one at a time per conference and posts each one', async () => {
    const w = await bootWorld({ stores: STORES, settings: { VEESION_ALERT_TEXT: 'Theft ${cameraId}' } });
    try {
      const ids = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
      // All 200 sent at once (how fast they are acknowledged is the bench's business).
      const answers = await Promise.all(ids.map((id, i) => w.post({ alert_uuid: id, location: `burst-${i % 20}`, camera_id: `cam-${i}` })));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(200);
      for (const id of ids) {
        const steps = await w.finished(id, 60_000);
        expect(steps.map((s) => `${s.step}=${s.state}`)).toEqual(['announce=succeeded', 'chat=succeeded']);
      }
      await waitFor(() => w.world.ami.calls.every((c) => c.hungUpAt !== undefined), 10_000, 'last calls to end');
      const calls = w.world.ami.calls;
      expect(w.world.xbees.messages).toHaveLength(200);
      // Every alert is named by exactly one call, alone or in a summary (ALERT_IDS), in far fewer calls than alerts.
      const said = w.world.ami.originates.flatMap((o) => alertsSaid(o));
      expect([...said].sort()).toEqual([...ids].sort());
      expect(w.world.ami.originates.length).toBeLessThan(200);
      for (const store of STORES) {
        const inConference = calls.filter((c) => c.exten === store.audio_conf_id).sort((a, b) => a.answeredAt - b.answeredAt);
        expect(inConference.length).toBeGreaterThanOrEqual(2); // the first camera at once, the rest together
        expect(inConference.length).toBeLessThan(10);
        for (let i = 1; i < inConference.length; i++) {
          // `!`: indexes within the length checked above
          expect(inConference[i]!.answeredAt).toBeGreaterThanOrEqual(inConference[i - 1]!.hungUpAt!);
        }
      }
    } finally {
      await w.stop();
    }
  }, 120_000);
});
