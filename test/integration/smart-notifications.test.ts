import { bootWorld, STORES } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';

/**
 * The daemon with BRIDGE_ORIGINATOR=smart-notifications,ami against the simulator of the PBX's
 * Smart Notifications API (fields as the x-hoppers Smart Notifications page and the PBX's API
 * reference show them) and a stand-in of x-hoppers' state command: a store's alert becomes one
 * notification and no call, the bridge repeats nothing of its own, and a headset's accept claims
 * the incident once. A store set to `delivery: "conference"` is still called.
 */
describe('Smart Notifications delivery', () => {
  it('an alert is one notification with the documented fields, never repeated by the bridge; a headset accept claims it once', async () => {
    const stores = STORES.map((s) => (s.store_veesion_id === 'store-c' ? { ...s, delivery: 'conference' } : s));
    const w = await bootWorld({
      stores,
      settings: { BRIDGE_ORIGINATOR: 'smart-notifications,ami', BRIDGE_REPEAT_S: '5', BRIDGE_ESCALATE_AFTER_S: '60' },
    });
    const sn = w.world.notifications;
    try {
      expect(
        (await w.post({ alert_uuid: 'sn-1', location: 'store-b', camera_id: 'cam 4', label: 'theft' })).status,
      ).toBe(200);
      const steps = await w.finished('sn-1');
      expect(steps.find((s) => s.step === 'announce')).toMatchObject({
        state: 'succeeded',
        detail: expect.stringContaining('via smart-notifications'),
      });
      expect(sn.notifications).toHaveLength(1);
      const [n] = sn.notifications;
      expect(n?.body).toEqual({
        from: 'cam 4',
        notificationType: 'BroadcastMessage',
        event: 'theft',
        broadcastMessage: 'Attention! Theft detected in store-b on cam 4',
        conferenceId: '3',
        playFrequency: 5,
        confirmationTimeout: 60,
      });
      // Two repeat intervals and more: x-hoppers repeats it, the bridge places nothing.
      await new Promise((r) => setTimeout(r, 11_000));
      expect(sn.notifications).toHaveLength(1);
      expect(w.world.ami.originates.filter((o) => o.variables.includes('ALERT_ID=sn-1'))).toHaveLength(0);
      expect(n?.plays).toBeGreaterThanOrEqual(2);

      sn.accept(n?.requestId ?? '', 'Anna Rossi');
      const incident = () => w.daemon.journal.incidents.find('sn-1');
      await waitFor(async () => (await incident())?.state === 'claimed', 15_000, 'the headset accept to claim it');
      expect(await incident()).toMatchObject({ claimedBy: 'Anna Rossi', claimedVia: 'headset' });
      await waitFor(
        () => w.world.xbees.messages.some((m) => m.text.startsWith('Anna Rossi is on it')),
        15_000,
        'the chat told',
      );
      await new Promise((r) => setTimeout(r, 3_000));
      expect(w.world.xbees.messages.filter((m) => m.text.startsWith('Anna Rossi is on it'))).toHaveLength(1);
      expect(sn.notifications).toHaveLength(1); // no "Anna is handling" notification on top

      // A store announced in its conference is called as before.
      expect((await w.post({ alert_uuid: 'sn-2', location: 'store-c', camera_id: '9' })).status).toBe(200);
      await w.finished('sn-2');
      expect(w.world.ami.originates.filter((o) => o.variables.includes('ALERT_ID=sn-2'))).toHaveLength(1);
      expect(sn.notifications).toHaveLength(1);
    } finally {
      await w.stop();
    }
  }, 90_000);
});
