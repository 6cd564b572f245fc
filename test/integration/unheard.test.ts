import { bootWorld } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';

const EXPIRE_S = 12;

/**
 * The PBX's manager port closed for good, repeats on as users run them (short here, so CI stays
 * short): an alert nobody can announce is tried while it can help, then its incident ends
 * `unheard`: one log line, one chat line, and nothing more is attempted.
 */
describe('an alert the PBX cannot announce', () => {
  it('ends unheard at BRIDGE_ANNOUNCE_EXPIRE_S: no attempt after it, one log line and one chat line for it', async () => {
    const w = await bootWorld({
      settings: {
        BRIDGE_REPEAT_S: '3',
        BRIDGE_REPEAT_MAX: '3',
        BRIDGE_ANNOUNCE_EXPIRE_S: String(EXPIRE_S),
        BRIDGE_ESCALATE_AFTER_S: '45',
      },
    });
    const { world, daemon } = w;
    try {
      await world.ami.stop(); // connections refused from now on
      await waitFor(() => !daemon.ami.loggedIn, 5_000, 'AMI lost');
      const sentAt = Date.now();
      expect((await w.post({ alert_uuid: 'unheard-1', location: 'store-b', camera_id: '4' })).status).toBe(200);
      const incident = () => daemon.journal.incidents.find('unheard-1');
      await waitFor(
        async () => (await incident())?.state === 'unheard',
        (EXPIRE_S + 20) * 1000,
        'the incident unheard',
      );
      const incidentId = (await incident())?.id ?? '-';
      const mentions = () => w.logLines().filter((l) => l.includes('unheard-1') || l.includes(incidentId));
      const before = mentions().length;
      // Two repeat intervals and more: nothing is attempted, said or logged about it any more.
      await new Promise((r) => setTimeout(r, 8_000));
      expect(mentions().length).toBe(before);
      expect(await incident()).toMatchObject({ state: 'unheard', announcements: 0, nextRepeatAt: null });
      const announce = w.steps('unheard-1').find((s) => s.step === 'announce');
      expect(announce?.state).toMatch(/^(dead|expired)$/);
      expect(announce?.updatedAt).toBeLessThan(sentAt + (EXPIRE_S + 3) * 1000);

      const lines = w.logLines().map((l) => JSON.parse(l) as { message: string; incidentId?: string });
      const about = lines.filter((l) => l.incidentId === incidentId);
      expect(about.filter((l) => l.message.startsWith('incident unheard'))).toHaveLength(1);
      expect(about.filter((l) => l.message.startsWith('incident repeat failed')).length).toBeLessThanOrEqual(1);
      // The store has no escalation list: its chat hears of it once, and no "nobody claimed" line besides.
      const chat = world.xbees.messages.filter((m) => m.channelId === 'chan-b').map((m) => m.text);
      expect(chat.filter((t) => /not announced in the headsets/.test(t))).toHaveLength(1);
      expect(chat.filter((t) => /Nobody claimed/.test(t))).toHaveLength(0);
    } finally {
      await w.stop();
    }
  }, 90_000);
});
