import { join } from 'node:path';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { AlertPipeline } from '../../../src/pipeline/alert-pipeline';
import type { Alert, StoreRoute } from '../../../src/pipeline/alert';
import type { CallOriginator, StepRecord } from '../../../src/pipeline/ports';
import { ManualClock } from '../../helpers/manual-clock';
import { tempDir } from '../../helpers/paths';

const REPEAT_MS = 15_000;
const store: StoreRoute = { store_veesion_id: 's1', name: 'Shop', audio_conf_id: '7', xbees_channel_id: 'c1' };
const alertOf = (id: string, cameraId: string): Alert => ({ ...alert, id, cameraId });
const alert: Alert = {
  id: 'a1',
  storeId: 's1',
  cameraId: '3',
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
};

/**
 * An alert's first announcement counts as its incident's first turn. The count and the step's
 * final state are two writes; a daemon that dies between them must leave a journal from which
 * the next start neither says the alert again nor counts it twice. The pipeline runs on a real
 * SQLite journal with incidents on; the originator answers each call at once and hangs it up
 * after its 3 s of audio, or never (a process that dies mid-playback).
 */
function daemon(file: string, clock: ManualClock, originate?: CallOriginator['originate']) {
  const journal = new SqliteJournal(file);
  const calls: string[] = [];
  const pipeline = new AlertPipeline({
    journal,
    speech: { render: async () => ({ playbackPath: '/snd/a', durationMs: 3000, cached: true }) },
    originator: {
      originate:
        originate ??
        (async (req) => {
          calls.push(req.alertId);
          // Answered at once; hung up when its 3 s of audio end.
          const ended = new Promise<void>((r) => clock.setTimeout(r, 3000));
          return { channel: `Local/7@x-${calls.length};1`, ended };
        }),
    },
    chat: {
      post: async () => ({ messageId: 'm1', videoAttached: false }),
      postText: async () => ({ messageId: 'm2' }),
    },
    clock,
    stores: () => new Map([['s1', store]]),
    alertText: 'Theft on camera ${cameraId}',
    storm: { windowMs: 20_000 },
    incidents: {
      store: journal.incidents,
      alert: async (id) => journal.storedAlert(id)?.alert,
      repeatMs: REPEAT_MS,
      repeatMax: 3,
    },
  });
  return { journal, pipeline, calls };
}

/** What the incident had counted each time the announce step's final state went to the journal. */
function countsWhenFinal(journal: SqliteJournal): number[] {
  const counts: number[] = [];
  const update = journal.updateStep.bind(journal);
  journal.updateStep = (r: StepRecord) => {
    if (r.step === 'announce' && r.state === 'succeeded')
      // The SQLite read runs at the call: the journal as it is when the final state is queued.
      void journal.incidents.find(r.alertId).then((i) => counts.push(i?.announcements ?? -1));
    update(r);
  };
  return counts;
}

describe('an announcement counts on its incident before its step is final', () => {
  it('a played announcement: the count is in the journal when the step ends', async () => {
    const clock = new ManualClock();
    const { journal, pipeline, calls } = daemon(join(tempDir(), 'journal.sqlite'), clock);
    const counts = countsWhenFinal(journal);
    await pipeline.ingest(alert, '{}');
    await clock.advance(5_000);
    expect(calls).toEqual(['a1']);
    expect(counts).toEqual([1]);
    expect(await journal.incidents.find('a1')).toMatchObject({ announcements: 1, state: 'open' });
    await pipeline.stop();
    await journal.close();
  });

  it('a death at the count, whatever was written before it: the next start does not say the alert again before its turn', async () => {
    const clock = new ManualClock();
    const file = join(tempDir(), 'journal.sqlite');
    const first = daemon(file, clock);
    // The process dies as it counts the announcement: that write never happens, nor anything after it.
    first.journal.incidents.recordAnnouncement = () => new Promise<boolean>(() => undefined);
    await first.pipeline.ingest(alert, '{}');
    const openedAt = clock.now();
    await clock.advance(5_000);
    expect(first.calls).toEqual(['a1']);
    await first.journal.close(); // what was queued before the death reaches the disk

    // Its own clock: the dead daemon's timers never fire again.
    const later = new ManualClock(clock.now());
    const second = daemon(file, later);
    await second.pipeline.resume();
    await second.pipeline.incidents?.resume();
    // Past the repeat written when the incident opened: had the step been final and uncounted, it would be said now.
    await later.advance(openedAt + REPEAT_MS + 1_000 - later.now());
    expect(second.calls).toEqual([]);
    expect(await second.journal.incidents.find('a1')).toMatchObject({ announcements: 1, state: 'open' });
    expect((await second.journal.unfinishedSteps()).filter((st) => st.step === 'announce')).toEqual([]);
    await second.pipeline.stop();
    await second.journal.close();
  });

  it('alerts said in one call: none of their steps ends before their incident counted the call', async () => {
    const clock = new ManualClock();
    const { journal, pipeline, calls } = daemon(join(tempDir(), 'journal.sqlite'), clock);
    const counts = countsWhenFinal(journal);
    // A count that takes a moment, as a server's would.
    const write = journal.incidents.recordAnnouncement.bind(journal.incidents);
    journal.incidents.recordAnnouncement = async (...args) => {
      await new Promise((r) => setImmediate(r));
      return write(...args);
    };
    await pipeline.ingest(alertOf('b0', '9'), '{}'); // the conference is busy with camera 9
    await pipeline.ingest(alertOf('b1', '3'), '{}');
    await pipeline.ingest(alertOf('b2', '3'), '{}'); // camera 3's two alerts wait as one call, one incident
    await clock.advance(10_000);
    expect(calls).toEqual(['b0', 'b1']);
    expect(counts).toEqual([1, 1, 1]);
    expect(await journal.incidents.find('b2')).toMatchObject({ announcements: 1, alerts: 2 });
    await pipeline.stop();
    await journal.close();
  });

  it('a call answered before a restart: counted before its step is recorded final on resume', async () => {
    const clock = new ManualClock();
    const file = join(tempDir(), 'journal.sqlite');
    // Answered, then the process dies mid-playback.
    const first = daemon(file, clock, async () => ({
      channel: 'Local/7@x-1;1',
      ended: new Promise<void>(() => undefined),
    }));
    await first.pipeline.ingest(alert, '{}');
    await clock.advance(1_000);
    await first.journal.close();

    const second = daemon(file, clock);
    const counts = countsWhenFinal(second.journal);
    await second.pipeline.resume();
    await clock.advance(1_000);
    expect(counts).toEqual([1]);
    expect(second.calls).toEqual([]);
    await second.pipeline.stop();
    await second.journal.close();
  });
});
