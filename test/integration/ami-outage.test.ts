import { bootWorld } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';

/**
 * Asterisk's manager interface down for a whole minute, AMI the only originator, the default
 * retry schedule (0, 2, 5, 15, 30, 60 s, nothing later than 2 minutes after receipt): alerts
 * that arrive before and during the outage are posted at once and announced, once each, by
 * the first attempt after AMI is back.
 */
describe('AMI down for 60 s', () => {
  it('announces every alert received during the outage once AMI is back, within its 2 minutes', async () => {
    const w = await bootWorld({ settings: { BRIDGE_STORM_WINDOW_S: '0' } });
    const { world, daemon } = w;
    try {
      const port = world.ami.port;
      await world.ami.stop();
      await waitFor(() => !daemon.ami.loggedIn, 5_000, 'AMI lost');
      const t0 = Date.now();
      const at = (s: number) => new Promise((r) => setTimeout(r, t0 + s * 1000 - Date.now()));
      const sent: string[] = [];
      const send = async (id: string, location: string) => {
        expect((await w.post({ alert_uuid: id, location, camera_id: id })).status).toBe(200);
        sent.push(id);
      };
      await send('out-0s', 'test-store-wildix');
      await at(30);
      await send('out-30s', 'store-b');
      expect(w.steps('out-0s').find((s) => s.step === 'chat')?.state).toBe('succeeded');
      await at(58);
      await send('out-58s', 'store-c');
      await at(60);
      await world.ami.start(port);

      for (const id of sent) {
        const steps = await w.finished(id, 130_000);
        // succeeded, not expired: it was placed within its 2 minutes.
        expect(steps.find((s) => s.step === 'announce')).toMatchObject({ state: 'succeeded' });
        expect(world.ami.originates.filter((o) => o.variables.includes(`ALERT_ID=${id}`))).toHaveLength(1);
      }
      // One alert message each (the follow-ups of their escalations aside).
      expect(
        world.xbees.messages
          .filter((m) => m.elements.length > 0)
          .map((m) => m.text.match(/Camera: (\S+)/)?.[1])
          .sort(),
      ).toEqual(['out-0s', 'out-30s', 'out-58s']);
      // An operator reads the outage in at most three lines: begun (with what it means), still, over.
      const amiLines = w
        .logLines()
        .map((l) => JSON.parse(l) as { area?: string; level: string; message: string; impact?: string })
        .filter((l) => l.area === 'ami' && l.level !== 'debug');
      const warnings = amiLines.filter((l) => l.level === 'warn');
      expect(warnings.length).toBeLessThanOrEqual(3);
      expect(warnings[0]).toMatchObject({
        message: 'AMI unreachable',
        impact: 'announcements retry for 120 s after each alert, then expire',
      });
      expect(amiLines.at(-1)).toMatchObject({ level: 'info', message: 'AMI reachable again' });
    } finally {
      await w.stop();
    }
  }, 180_000);
});
