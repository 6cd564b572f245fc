import { join } from 'node:path';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { FollowUpSender } from '../../../src/chat/follow-up-sender';
import type { StoreRoute } from '../../../src/pipeline/alert';
import { ManualClock } from '../../helpers/manual-clock';
import { capturedLogger } from '../../helpers/quiet-logger';
import { tempDir } from '../../helpers/paths';

const store: StoreRoute = { store_veesion_id: 's1', name: 'S1', audio_conf_id: '7', xbees_channel_id: 'c1' };

function rig(file = join(tempDir(), 'journal.sqlite'), clock = new ManualClock()) {
  const journal = new SqliteJournal(file);
  const posted: string[] = [];
  let failing = 0;
  const sender = new FollowUpSender({
    outbox: journal.followUps,
    post: async (_s, text) => {
      if (failing > 0) {
        failing--;
        throw new Error('x-bees 503');
      }
      posted.push(text);
    },
    stores: () => new Map([['s1', store]]),
    clock,
    delaysMs: [0, 60_000, 600_000],
    logger: capturedLogger().logger,
  });
  return { journal, sender, posted, clock, file, fail: (n: number) => (failing = n) };
}

describe('FollowUpSender', () => {
  it('posts each follow-up once, in order; the same change owed twice is one line', async () => {
    const r = rig();
    r.sender.start();
    expect(
      await r.journal.followUps.add(
        { incidentId: 'i1', storeId: 's1', kind: 'claimed', text: 'Anna is on it' },
        r.clock.now(),
      ),
    ).toBe(true);
    expect(
      await r.journal.followUps.add(
        { incidentId: 'i1', storeId: 's1', kind: 'claimed', text: 'Anna is on it' },
        r.clock.now(),
      ),
    ).toBe(false);
    await r.journal.followUps.add(
      { incidentId: 'i1', storeId: 's1', kind: 'resolved', text: 'Theft confirmed by Anna' },
      r.clock.now(),
    );
    r.sender.wake();
    await r.clock.advance(1);
    expect(r.posted).toEqual(['Anna is on it', 'Theft confirmed by Anna']);
    expect((await r.journal.followUps.list('i1')).map((f) => [f.kind, f.postedAt !== null, f.nextAt])).toEqual([
      ['claimed', true, null],
      ['resolved', true, null],
    ]);
    await r.sender.stop();
    await r.journal.close();
  });

  it('on a shared journal it posts only while it holds the lease, and asks before each post', async () => {
    const r = rig();
    let lease = true;
    r.sender.hold(false);
    r.sender.start();
    await r.journal.followUps.add(
      { incidentId: 'i2', storeId: 's1', kind: 'claimed', text: 'Bea is on it' },
      r.clock.now(),
    );
    r.sender.wake();
    await r.clock.advance(1_000);
    expect(r.posted).toEqual([]); // another daemon holds the cron lease
    r.sender.hold(true, () => lease);
    await r.clock.advance(1);
    expect(r.posted).toEqual(['Bea is on it']);
    lease = false; // about to lapse: told later by hold(false)
    await r.journal.followUps.add(
      { incidentId: 'i2', storeId: 's1', kind: 'resolved', text: 'Theft confirmed by Bea' },
      r.clock.now(),
    );
    r.sender.wake();
    await r.clock.advance(3_000);
    expect(r.posted).toEqual(['Bea is on it']);
    lease = true; // renewed after all
    await r.clock.advance(1_000);
    expect(r.posted).toEqual(['Bea is on it', 'Theft confirmed by Bea']);
    await r.sender.stop();
    await r.journal.close();
  });

  it('a failed post is tried again on the chat schedule, then given up; what is owed survives a restart', async () => {
    const clock = new ManualClock();
    const file = join(tempDir(), 'journal.sqlite');
    const a = rig(file, clock);
    a.fail(1);
    await a.journal.followUps.add(
      { incidentId: 'i1', storeId: 's1', kind: 'escalated', text: 'Marco was called' },
      clock.now(),
    );
    a.sender.start();
    await clock.advance(1);
    expect(a.posted).toEqual([]);
    expect((await a.journal.followUps.list('i1'))[0]).toMatchObject({
      attempts: 1,
      lastError: 'x-bees 503',
      nextAt: clock.now() - 1 + 60_000,
    });
    // Stopped before the retry: the next start posts it when due.
    await a.sender.stop();
    await a.journal.close();
    const b = rig(file, clock);
    b.sender.start();
    await clock.advance(30_000);
    expect(b.posted).toEqual([]);
    await clock.advance(30_000);
    expect(b.posted).toEqual(['Marco was called']);

    b.fail(3);
    await b.journal.followUps.add({ incidentId: 'i2', storeId: 's1', kind: 'claimed', text: 'never' }, clock.now());
    b.sender.wake();
    await clock.advance(700_000);
    expect((await b.journal.followUps.list('i2'))[0]).toMatchObject({
      attempts: 3,
      nextAt: null,
      postedAt: null,
      lastError: 'x-bees 503',
    });
    expect(b.posted).toEqual(['Marco was called']);
    await b.sender.stop();
    await b.journal.close();
  });
});

describe('FollowUpSender when the journal refuses writes', () => {
  it('a line x-bees took but the journal could not record is not posted again, and the sender waits instead of spinning', async () => {
    const clock = new ManualClock();
    const journal = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    await journal.followUps.add(
      { incidentId: 'i1', storeId: 's1', kind: 'claimed', text: 'Anna is on it' },
      clock.now(),
    );
    let full = true;
    const outbox = Object.assign(Object.create(journal.followUps) as typeof journal.followUps, {
      posted: (...args: Parameters<typeof journal.followUps.posted>) => {
        if (full) throw new Error('database or disk is full');
        return journal.followUps.posted(...args);
      },
    });
    const posted: string[] = [];
    const { logger, lines } = capturedLogger();
    const sender = new FollowUpSender({
      outbox,
      post: async (_s, text) => void posted.push(text),
      stores: () => new Map([['s1', store]]),
      clock,
      delaysMs: [0, 60_000],
      logger,
    });
    sender.start();
    await clock.advance(29_000);
    expect(posted).toEqual(['Anna is on it']);
    expect(lines().filter((l) => l.includes('the journal refused a write'))).toHaveLength(1);
    full = false;
    await clock.advance(2_000);
    expect(posted).toEqual(['Anna is on it']);
    expect((await journal.followUps.list('i1'))[0]).toMatchObject({ nextAt: null, postedAt: expect.any(Number) });
    await sender.stop();
    await journal.close();
  });
});
