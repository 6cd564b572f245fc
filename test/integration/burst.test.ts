import { bootWorld } from '../helpers/world';
import { alertsSaid } from '../../src/sim/ami-sim';
import { waitFor } from '../helpers/quiet-logger';

const STORES = Array.from({ length: 20 }, (_, i) => ({
  store_veesion_id: `burst-${i}`,
  name: `Burst ${i}`,
  audio_conf_id: String(200 + i),
  xbees_channel_id: `chan-burst-${i}`,
}));

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
      const answers = await Promise.all(
        ids.map((id, i) => w.post({ alert_uuid: id, location: `burst-${i % 20}`, camera_id: `cam-${i}` })),
      );
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
        const inConference = calls
          .filter((c) => c.exten === store.audio_conf_id)
          .sort((a, b) => a.answeredAt - b.answeredAt);
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

const ROOMS = Array.from({ length: 10 }, (_, i) => ({
  store_veesion_id: `room-${i}`,
  name: `Room ${i}`,
  audio_conf_id: String(400 + i),
  xbees_channel_id: `chan-room-${i}`,
}));

/**
 * 10 stores x 10 cameras within 2 s, repeats on (the shortest interval, so they fall due while
 * the conferences are still busy with the summaries): each camera's incident is said exactly
 * BRIDGE_REPEAT_MAX times in all, first announcement, summaries and repeats together, and no
 * call says nothing an incident counts.
 */
describe.each([1, 3])('a burst of 100 alerts over 10 stores with BRIDGE_REPEAT_MAX=%i', (repeatMax) => {
  it('says each incident exactly BRIDGE_REPEAT_MAX times, one call at a time per conference', async () => {
    const w = await bootWorld({
      stores: ROOMS,
      settings: { BRIDGE_REPEAT_S: '3', BRIDGE_REPEAT_MAX: String(repeatMax), BRIDGE_ESCALATE_AFTER_S: '45' },
    });
    try {
      const ids: string[] = [];
      const sent: Promise<{ status: number }>[] = [];
      for (let i = 0; i < 100; i++) {
        const id = `room-alert-${i}`;
        ids.push(id);
        sent.push(w.post({ alert_uuid: id, location: `room-${i % 10}`, camera_id: `cam-${Math.floor(i / 10)}` }));
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 150)); // 100 alerts in about 2 s
      }
      expect((await Promise.all(sent)).filter((a) => a.status === 200)).toHaveLength(100);
      const incidents = w.daemon.journal.incidents;
      await waitFor(
        async () =>
          (await incidents.list('open')).length === 0 &&
          (await Promise.all(ids.map((id) => incidents.find(id)))).every((i) => i !== undefined),
        90_000,
        'every incident through its repeats',
      );
      await waitFor(() => w.world.ami.calls.every((c) => c.hungUpAt !== undefined), 20_000, 'last calls to end');
      // A little longer: a call placed after the last count would show here.
      await new Promise((r) => setTimeout(r, 4_000));
      const said = new Map<string, number>();
      for (const o of w.world.ami.originates) {
        const alerts = alertsSaid(o);
        expect(alerts.length).toBeGreaterThan(0);
        for (const id of alerts) said.set(id, (said.get(id) ?? 0) + 1);
      }
      const wrong = ids.filter((id) => said.get(id) !== repeatMax).map((id) => `${id}: ${said.get(id) ?? 0}`);
      expect(wrong).toEqual([]);
      expect(
        (await Promise.all(ids.map((id) => incidents.find(id)))).filter(
          (i) => i?.state !== 'unclaimed' || i.announcements !== repeatMax,
        ),
      ).toEqual([]);
      for (const room of ROOMS) {
        const calls = w.world.ami.calls
          .filter((c) => c.exten === room.audio_conf_id)
          .sort((a, b) => a.answeredAt - b.answeredAt);
        for (let i = 1; i < calls.length; i++)
          expect(calls[i]!.answeredAt).toBeGreaterThanOrEqual(calls[i - 1]!.hungUpAt!); // `!`: within the length
      }
    } finally {
      await w.stop();
    }
  }, 150_000);
});
