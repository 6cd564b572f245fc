import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootWorld } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';

describe('housekeeping (the daemon cron job)', () => {
  it('drops finished alerts and unused audio past their configured ages, keeps a pending step and its alert', async () => {
    const w = await bootWorld({
      settings: { BRIDGE_JOURNAL_RETENTION_DAYS: '2', BRIDGE_AUDIO_CACHE_DAYS: '3', BRIDGE_CHAT_RETRY_S: '0,3600' },
    });
    const { daemon, world } = w;
    try {
      expect((await w.post({ alert_uuid: 'hk-done', location: 'test-store-wildix' })).status).toBe(200);
      await w.finished('hk-done');
      world.xbees.failNext(1, 503); // this chat post fails and waits an hour for its retry
      expect((await w.post({ alert_uuid: 'hk-pending', location: 'store-b' })).status).toBe(200);
      await waitFor(
        () => w.steps('hk-pending').some((s) => s.step === 'chat' && s.state === 'pending' && s.attempts === 1),
        10_000,
        'chat retry pending',
      );
      // Every render done before the files are counted: pre-rendering's (in the background after
      // the start) and the announcement's (in parallel with the chat post waited for above). A file
      // one of them wrote after a prune would be counted as one the prune left behind.
      await waitFor(() => w.logLines().some((l) => l.includes('audio cache ready')), 30_000, 'pre-rendering done');
      await waitFor(
        () => w.steps('hk-pending').some((s) => s.step === 'announce' && s.state === 'succeeded'),
        10_000,
        'announcement played',
      );
      const sounds = join(w.config.settings.BRIDGE_DATA_DIR, 'sounds');
      const audio = () => readdirSync(sounds).filter((f) => f.endsWith('.wav')).length;
      expect(audio()).toBeGreaterThan(0);

      const day = 86_400_000;
      // A Wildix capture file (`veesion-bridge wildix capture`) is kept 7 days.
      const capture = join(daemon.dataDir, 'wildix-capture-host-20240725T110000000Z.jsonl');
      writeFileSync(capture, '{}\n', { mode: 0o600 });
      expect(await daemon.housekeeping(Date.now() + 1 * day)).toEqual({ alerts: 0, audioFiles: 0 });
      expect(existsSync(capture)).toBe(true);
      expect(await daemon.housekeeping(Date.now() + 2.5 * day)).toEqual({ alerts: 1, audioFiles: 0 });
      expect(daemon.journal.storedAlert('hk-done')).toBeUndefined();
      expect(daemon.journal.storedAlert('hk-pending')).toBeDefined();
      // The files were played just now: kept until 3 days past their last use, then all go.
      const files = audio();
      expect((await daemon.housekeeping(Date.now() + 4 * day))?.audioFiles).toBe(files);
      expect(audio()).toBe(0);
      expect(existsSync(sounds)).toBe(true);
      expect(existsSync(capture)).toBe(true);
      await daemon.housekeeping(Date.now() + 7.5 * day);
      expect(existsSync(capture)).toBe(false);
      expect(w.logLines().some((l) => l.includes('housekeeping done'))).toBe(true);
    } finally {
      await w.stop();
    }
  }, 60_000);

  it('closes a claimed incident nobody resolved as no-outcome after BRIDGE_NO_OUTCOME_AFTER_H, and deletes finished incidents past the retention', async () => {
    const w = await bootWorld({ settings: { BRIDGE_JOURNAL_RETENTION_DAYS: '2', BRIDGE_NO_OUTCOME_AFTER_H: '12' } });
    const { daemon } = w;
    try {
      expect((await w.post({ alert_uuid: 'hk-claimed', location: 'store-c', camera_id: '4' })).status).toBe(200);
      expect((await w.post({ alert_uuid: 'hk-open', location: 'store-d', camera_id: '5' })).status).toBe(200);
      await w.finished('hk-claimed');
      await daemon.pipeline.incidents?.claim('hk-claimed', 'Anna', 'cli');
      const hour = 3_600_000;
      const incidents = daemon.journal.incidents;
      await daemon.housekeeping(Date.now() + 11 * hour);
      expect((await incidents.find('hk-claimed'))?.state).toBe('claimed');
      await daemon.housekeeping(Date.now() + 13 * hour);
      expect(await incidents.find('hk-claimed')).toMatchObject({
        state: 'resolved',
        outcome: 'no-outcome',
        resolvedBy: null,
      });
      expect((await incidents.find('hk-open'))?.state).toBe('open'); // nobody claimed it: not closed as no-outcome
      // Past the retention the finished incident goes, with its alert; a live one stays.
      await daemon.housekeeping(Date.now() + 3 * 24 * hour);
      expect((await incidents.list()).map((i) => i.firstAlertId)).toEqual(['hk-open']);
      expect(w.logLines().some((l) => l.includes('"incidentsClosedNoOutcome":1'))).toBe(true);
    } finally {
      await w.stop();
    }
  }, 60_000);
});
