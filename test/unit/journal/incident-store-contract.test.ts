import { join } from 'node:path';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { PgJournal } from '../../../src/journal/pg/pg-journal';
import type { IncidentStore } from '../../../src/pipeline/incident';
import type { IncidentChanges } from '../../../src/pipeline/incident-commands';
import type { Journal } from '../../../src/pipeline/ports';
import type { Alert } from '../../../src/pipeline/alert';
import type { SeenEvents } from '../../../src/journal/seen-events';
import type { FollowUpOutbox } from '../../../src/pipeline/follow-up';
import type { SeenInJournal } from '../../../src/tts/prerender';
import { journalSeenLately } from '../../../src/journal/seen-lately';
import { PgDb } from '../../../src/journal/sql/pg-db';
import { SqliteDb } from '../../../src/journal/sql/sqlite-db';
import type { Db } from '../../../src/journal/sql/db';
import { pruneChatRows } from '../../../src/journal/housekeeping';
import type Database from 'better-sqlite3';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';
import { IncidentCommands } from '../../../src/pipeline/incident-commands';
import type { DeliveryStore } from '../../../src/integrations/integration';
import type { NewIntegration } from '../../../src/journal/integration-store';

/**
 * The incident store, the same tests on both journals: the embedded SQLite one and the
 * PostgreSQL one several daemons share (a real server, started for this file).
 */
interface Subject {
  journal: Journal;
  /** The journal's connection, for what the daemon's housekeeping runs on it. */
  db: Db;
  integrations: Pick<DeliveryStore, 'eventsAfter' | 'event'> & { add(i: NewIntegration): unknown };
  incidents: IncidentStore;
  seen: SeenEvents;
  followUps: FollowUpOutbox;
  seenLately: SeenInJournal;
  close(): Promise<void>;
}

const pg = usePostgres();

const implementations: [string, () => Promise<Subject>][] = [
  [
    'SQLite',
    async () => {
      const journal = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
      return {
        journal,
        db: new SqliteDb((journal as unknown as { db: Database.Database }).db), // test seam: the journal's own connection
        integrations: journal.integrations,
        incidents: journal.incidents,
        seen: journal.seenEvents,
        followUps: journal.followUps,
        seenLately: journal.seenLately,
        close: () => journal.close(),
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const journal = await PgJournal.open(await pg.fresh());
      return {
        journal,
        db: new PgDb(journal.pool),
        integrations: journal.integrations,
        incidents: journal.incidents,
        seen: journal.seenEvents,
        followUps: journal.followUps,
        seenLately: journalSeenLately(new PgDb(journal.pool)),
        close: () => journal.close(),
      };
    },
  ],
];

const alert = (id: string, cameraId = '3'): Alert => ({
  id,
  storeId: 's1',
  cameraId,
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});

/** One alert, journaled as the pipeline does: it joins its camera's incident or opens one. */
async function receive(j: Journal, id: string, at: number, cameraId = '3', room = '7'): Promise<void> {
  await j.append({
    alert: alert(id, cameraId),
    status: 'routed',
    rawBody: '{}',
    receivedAt: at,
    steps: ['announce'],
    incident: { room, windowMs: 20_000, firstRepeatAt: at + 15_000 },
  });
}

describe.each(implementations)('incident store on %s', (_name, open) => {
  let s: Subject;
  beforeEach(async () => {
    s = await open();
  });
  afterEach(() => s.close());

  it('finds an incident by its id or any of its alerts; lists the live ones oldest first', async () => {
    await receive(s.journal, 'a1', 1000);
    await receive(s.journal, 'a2', 2000); // the same camera within the window: the same incident
    await receive(s.journal, 'b1', 3000, '4');
    const a = await s.incidents.find('a2');
    expect(a).toMatchObject({
      firstAlertId: 'a1',
      lastAlertId: 'a2',
      alerts: 2,
      state: 'open',
      room: '7',
      nextRepeatAt: 16_000,
    });
    expect(await s.incidents.find(a?.id as string)).toEqual(a);
    expect(await s.incidents.find('nope')).toBeUndefined();
    expect((await s.incidents.live()).map((i) => i.cameraId)).toEqual(['3', '4']);
    expect((await s.incidents.oldestOpenInRoom('7', 0))?.id).toBe(a?.id);
    expect(await s.incidents.countOpen()).toBe(2);
  });

  it('incidents opened in the same millisecond come in the order of their ids, on both journals', async () => {
    // Six cameras of one room at once: arrival order matches id order one time in 720.
    for (const camera of ['1', '2', '3', '4', '5', '6']) await receive(s.journal, `t${camera}`, 1000, camera);
    const byId = (await Promise.all(['1', '2', '3', '4', '5', '6'].map((c) => s.incidents.find(`t${c}`))))
      .map((i) => i?.id as string)
      .sort();
    expect((await s.incidents.live()).map((i) => i.id)).toEqual(byId);
    expect((await s.incidents.list('open')).map((i) => i.id)).toEqual(byId);
    expect((await s.incidents.oldestOpenInRoom('7', 0))?.id).toBe(byId[0]);
    expect((await s.incidents.latestInRoom('7', 1000, 0))?.id).toBe(byId[5]);
  });

  it("an incident's activity of one millisecond, and follow-ups owed at once, come in one order on both journals", async () => {
    await receive(s.journal, 'o1', 1000);
    const id = (await s.incidents.find('o1'))?.id as string;
    const at = (kind: string, who: string | null, detail: string | null) =>
      s.incidents.recordActivity({ incidentId: id, at: 2000, kind, who, detail });
    // Written in the reverse of the order read back.
    await at('conference:live:leave', 'Anna', null);
    await at('conference:live:join', 'Marco', 'x');
    await at('conference:live:join', 'Marco', null);
    await at('conference:live:join', 'Anna', null);
    await s.incidents.recordActivity({ incidentId: id, at: 1500, kind: 'call:start', who: null, detail: null });
    expect((await s.incidents.activity(id)).map((a) => [a.at, a.kind, a.who, a.detail])).toEqual([
      [1500, 'call:start', null, null],
      [2000, 'conference:live:join', 'Anna', null],
      [2000, 'conference:live:join', 'Marco', null],
      [2000, 'conference:live:join', 'Marco', 'x'],
      [2000, 'conference:live:leave', 'Anna', null],
    ]);
    for (const incidentId of ['inc_c', 'inc_a', 'inc_b']) {
      await s.followUps.add({ incidentId, storeId: 's1', kind: 'resolved', text: 'line' }, 3000);
      await s.followUps.add({ incidentId, storeId: 's1', kind: 'claimed', text: 'line' }, 3000);
    }
    expect((await s.followUps.due(3000)).map((f) => `${f.incidentId} ${f.kind}`)).toEqual([
      'inc_a claimed',
      'inc_a resolved',
      'inc_b claimed',
      'inc_b resolved',
      'inc_c claimed',
      'inc_c resolved',
    ]);
  });

  it('a claim and a resolve write their event and their chat line with them, once, whoever wins', async () => {
    await s.integrations.add({
      id: 'int_1',
      type: 'webhook',
      url: 'https://example.test/hook',
      secret: 'x',
      filter: ['alert.claimed', 'alert.resolved'],
      scope: 'all',
      createdAt: 500,
    });
    await receive(s.journal, 'w1', 1000);
    const commands = new IncidentCommands(s.incidents as IncidentStore & IncidentChanges, () => undefined);
    const id = (await commands.find('w1'))?.id as string;
    expect(await commands.claim(id, 'Anna', 'cli', 2000)).toMatchObject({ kind: 'claimed' });
    expect(await commands.claim(id, 'Marco', 'http', 2100)).toMatchObject({ kind: 'already' }); // writes nothing
    expect(await commands.resolve(id, 'theft', 'Anna', 3000)).toMatchObject({ kind: 'resolved' });
    expect(await commands.resolve(id, 'theft', 'Anna', 3100)).toMatchObject({ kind: 'already' });
    expect((await s.followUps.due(5000)).map((f) => [f.incidentId, f.kind, f.text, f.createdAt])).toEqual([
      [id, 'claimed', 'Anna is on it (1 s after the alert, camera 3)', 2000],
      [id, 'resolved', 'Theft confirmed by Anna (camera 3)', 3000],
    ]);
    const heads = await s.integrations.eventsAfter(0);
    expect(heads.map((e) => [e.type, e.alertId])).toEqual([
      ['alert.claimed', 'w1'],
      ['alert.resolved', 'w1'],
    ]);
    expect(await s.integrations.event(heads[0]?.seq as number)).toMatchObject({
      data: { incident: { id, state: 'claimed', claimedBy: 'Anna' } },
    });
  });

  it('the first claim wins and every claim is kept; a resolved incident cannot be claimed', async () => {
    await receive(s.journal, 'c1', 1000);
    const id = (await s.incidents.find('c1'))?.id as string;
    expect(await s.incidents.claim(id, 'Anna', 'chat', 5000)).toMatchObject({
      kind: 'claimed',
      incident: { state: 'claimed', claimedBy: 'Anna', claimedVia: 'chat', claimedAt: 5000, told: false },
    });
    expect(await s.incidents.claim(id, 'Marco', 'http', 6000)).toMatchObject({
      kind: 'already',
      incident: { claimedBy: 'Anna' },
    });
    // Claimed, not told yet: still live (the conference has to hear who took it).
    expect((await s.incidents.live()).map((i) => i.id)).toEqual([id]);
    await s.incidents.markTold(id, 7000);
    expect(await s.incidents.live()).toEqual([]);
    expect(await s.incidents.claimedBefore(5001)).toHaveLength(1);
    expect(await s.incidents.resolve(id, 'theft', 'Anna', 8000)).toMatchObject({
      kind: 'resolved',
      incident: { state: 'resolved', outcome: 'theft', resolvedBy: 'Anna' },
    });
    expect(await s.incidents.resolve(id, 'false-alarm', null, 9000)).toMatchObject({
      kind: 'already',
      incident: { outcome: 'theft' },
    });
    expect(await s.incidents.claim(id, 'Zoe', 'cli', 9000)).toMatchObject({ kind: 'closed' });
    expect(await s.incidents.claim('inc_missing', 'Zoe', 'cli', 9000)).toEqual({
      kind: 'not-found',
      ref: 'inc_missing',
    });
  });

  it('a repeat is recorded only while open; an escalation starts once; an unclaimed incident can still be claimed', async () => {
    await receive(s.journal, 'e1', 1000);
    const id = (await s.incidents.find('e1'))?.id as string;
    await s.incidents.recordAnnouncement(id, 1, 31_000, 'open', 16_000);
    expect(await s.incidents.startEscalation(id, 20_000)).toBe(true);
    expect(await s.incidents.startEscalation(id, 21_000)).toBe(false);
    await s.incidents.finishEscalation(id, 'PJSIP/201', 'answered by PJSIP/201', 22_000);
    await s.incidents.recordAnnouncement(id, 2, null, 'unclaimed', 31_000);
    expect(await s.incidents.get(id)).toMatchObject({
      state: 'unclaimed',
      announcements: 2,
      nextRepeatAt: null,
      escalatedAt: 20_000,
      escalatedTo: 'PJSIP/201',
    });
    await s.incidents.recordAnnouncement(id, 3, 50_000, 'open', 32_000); // late: not undone
    expect((await s.incidents.get(id))?.state).toBe('unclaimed');
    expect((await s.incidents.oldestOpenInRoom('7', 30_000))?.id).toBe(id);
    expect(await s.incidents.oldestOpenInRoom('7', 40_000)).toBeUndefined();
    expect(await s.incidents.claim(id, 'PJSIP/201', 'escalation', 33_000)).toMatchObject({ kind: 'claimed' });
  });

  it("a call counts once on an incident; a repeat's call in flight is kept until it counts; an unheard incident is live until escalated and claimable", async () => {
    await receive(s.journal, 'g1', 1000);
    const id = (await s.incidents.find('g1'))?.id as string;
    // Its alert's own announce step has not ended: a repeat would say it twice.
    expect(await s.incidents.announcePending(id)).toBe(true);
    await s.journal.commitStep({
      alertId: 'g1',
      step: 'announce',
      state: 'succeeded',
      attempts: 1,
      nextAt: null,
      lastError: null,
      detail: 'played',
      updatedAt: 2000,
    });
    expect(await s.incidents.announcePending(id)).toBe(false);
    expect(await s.incidents.recordAnnouncement(id, 1, 17_000, 'open', 2000, 'call-a')).toBe(true);
    expect(await s.incidents.recordAnnouncement(id, 2, 17_000, 'open', 2100, 'call-a')).toBe(false); // the same call again
    await s.incidents.recordCall([id], { token: 'call-b', state: 'calling', channel: null });
    expect(await s.incidents.get(id)).toMatchObject({
      announcements: 1,
      lastCall: 'call-a',
      call: { token: 'call-b', state: 'calling', channel: null },
    });
    await s.incidents.recordCall([id], { token: 'call-b', state: 'answered', channel: 'Local/7@x;1' });
    expect((await s.incidents.get(id))?.call).toEqual({ token: 'call-b', state: 'answered', channel: 'Local/7@x;1' });
    expect(await s.incidents.recordAnnouncement(id, 2, null, 'unheard', 40_000)).toBe(true);
    expect(await s.incidents.get(id)).toMatchObject({
      state: 'unheard',
      announcements: 2,
      call: null,
      lastCall: 'call-a',
    });
    expect((await s.incidents.live()).map((i) => i.id)).toEqual([id]);
    expect(await s.incidents.startEscalation(id, 40_001)).toBe(true);
    await s.incidents.finishEscalation(id, null, 'nobody to call', 40_002);
    expect(await s.incidents.live()).toEqual([]);
    expect((await s.incidents.oldestOpenInRoom('7', 30_000))?.id).toBe(id);
    expect(await s.incidents.claim(id, 'Anna', 'http', 41_000)).toMatchObject({
      kind: 'claimed',
      incident: { told: false },
    });
  });

  it("keeps who was in the room against the room's latest incident, and prunes finished incidents with their claims", async () => {
    await receive(s.journal, 'f1', 1000);
    const id = (await s.incidents.find('f1'))?.id as string;
    expect((await s.incidents.latestInRoom('7', 2000, 0))?.id).toBe(id);
    expect(await s.incidents.latestInRoom('8', 2000, 0)).toBeUndefined();
    await s.incidents.recordActivity({
      incidentId: id,
      at: 2000,
      kind: 'conference:live:join',
      who: 'Anna',
      detail: null,
    });
    expect(await s.incidents.activity(id)).toEqual([
      { incidentId: id, at: 2000, kind: 'conference:live:join', who: 'Anna', detail: null },
    ]);
    await s.incidents.claim(id, 'Anna', 'cli', 3000);
    await s.incidents.resolve(id, 'not-found', 'Anna', 4000);
    expect(await s.incidents.pruneFinished(4000)).toBe(0); // changed at the cutoff: kept
    expect(await s.incidents.pruneFinished(4001)).toBe(1);
    expect(await s.incidents.get(id)).toBeUndefined();
    expect(await s.incidents.activity(id)).toEqual([]);
  });

  it('a follow-up is owed once per incident and kind, due until posted or given up', async () => {
    const owe = (kind: 'claimed' | 'resolved', at: number) =>
      s.followUps.add({ incidentId: 'inc_1', storeId: 's1', kind, text: `${kind} line` }, at);
    expect(await owe('claimed', 1000)).toBe(true);
    expect(await owe('claimed', 1001)).toBe(false);
    expect(await owe('resolved', 2000)).toBe(true);
    expect(await s.followUps.nextDueAt()).toBe(1000);
    expect((await s.followUps.due(1500)).map((f) => f.kind)).toEqual(['claimed']);
    await s.followUps.failed('inc_1', 'claimed', 'x-bees 503', 5000);
    expect((await s.followUps.due(2500)).map((f) => f.kind)).toEqual(['resolved']);
    await s.followUps.posted('inc_1', 'resolved', 2600);
    expect(await s.followUps.nextDueAt()).toBe(5000);
    expect(await s.followUps.due(6000)).toEqual([
      expect.objectContaining({ kind: 'claimed', attempts: 1, lastError: 'x-bees 503', text: 'claimed line' }),
    ]);
    await s.followUps.failed('inc_1', 'claimed', 'x-bees 503', null); // given up
    expect(await s.followUps.nextDueAt()).toBeNull();
  });

  it('pre-rendering reads the cameras and the claimers seen lately', async () => {
    await receive(s.journal, 'p1', 1000, '3');
    await receive(s.journal, 'p2', 5000, '4');
    const id = (await s.incidents.find('p2'))?.id as string;
    await s.incidents.claim(id, 'Anna', 'chat', 6000);
    expect(await s.seenLately.camerasSeen(2000)).toEqual([{ storeId: 's1', cameraId: '4' }]);
    expect((await s.seenLately.camerasSeen(0)).map((c) => c.cameraId).sort()).toEqual(['3', '4']);
    expect(await s.seenLately.claimersSeen(0)).toEqual([{ storeId: 's1', cameraId: '4', by: 'Anna' }]);
    expect(await s.seenLately.claimersSeen(7000)).toEqual([]);
  });

  it("housekeeping drops the chat side's rows done with: event ids seen, settled follow-ups, expired sign-outs", async () => {
    await s.seen.firstSeen('evt-old', 'chat:action', 1000);
    await s.seen.firstSeen('evt-new', 'chat:action', 5000);
    const owe = (incidentId: string) =>
      s.followUps.add({ incidentId, storeId: 's1', kind: 'claimed', text: 'line' }, 1000);
    await owe('inc_posted');
    await owe('inc_owed');
    await s.followUps.posted('inc_posted', 'claimed', 1500);
    await s.db.run('INSERT INTO console_revoked (id, until) VALUES (?, ?), (?, ?)', ['gone', 2000, 'kept', 9000]);
    // Below: the old event id, the posted follow-up (the one still owed stays), the expired sign-out.
    expect(await pruneChatRows(s.db, 3000, 3000)).toBe(3);
    expect(await s.seen.firstSeen('evt-old', 'chat:action', 6000)).toBe(true);
    expect(await s.seen.firstSeen('evt-new', 'chat:action', 6000)).toBe(false);
    expect((await s.followUps.due(6000)).map((f) => f.incidentId)).toEqual(['inc_owed']);
    expect(await s.db.all('SELECT id FROM console_revoked')).toEqual([{ id: 'kept' }]);
  });

  it('a Wildix event id counts once, and again once forgotten (acting on it failed)', async () => {
    expect(await s.seen.firstSeen('evt-1', 'chat:action', 1000)).toBe(true);
    expect(await s.seen.firstSeen('evt-1', 'chat:action', 1001)).toBe(false);
    await s.seen.forget('evt-1');
    expect(await s.seen.firstSeen('evt-1', 'chat:action', 1002)).toBe(true);
  });
});

describe('incidents shared by several daemons (PostgreSQL)', () => {
  it('of many claims racing from two daemons, exactly one wins; every claim is kept', async () => {
    const url = await pg.fresh();
    const [one, two] = await Promise.all([PgJournal.open(url), PgJournal.open(url)]);
    try {
      await receive(one, 'r1', 1000);
      const id = (await two.incidents.find('r1'))?.id as string;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).incidents.claim(id, `person ${i}`, 'http', 2000 + i)),
      );
      const winners = results.filter((r) => r.kind === 'claimed');
      expect(winners).toHaveLength(1);
      const by = winners[0]?.kind === 'claimed' ? winners[0].incident.claimedBy : undefined;
      expect(
        results.filter((r) => r.kind === 'already').every((r) => r.kind === 'already' && r.incident.claimedBy === by),
      ).toBe(true);
      const claims = (
        await one.pool.query<{ won: number; n: number }>(
          'SELECT won, COUNT(*)::int AS n FROM claims GROUP BY won ORDER BY won',
        )
      ).rows;
      expect(claims).toEqual([
        { won: 0, n: 19 },
        { won: 1, n: 1 },
      ]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('a claim and a resolve notify the other daemons (the conference holder tells the room)', async () => {
    const url = await pg.fresh();
    const [one, two] = await Promise.all([PgJournal.open(url), PgJournal.open(url)]);
    let heard = 0;
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    const stop = two.listen(
      () => {
        heard++;
        listening();
      },
      () => undefined,
    );
    try {
      await ready; // the first call says LISTEN is in place
      const atListen = heard;
      await receive(one, 'n1', 1000);
      await waitFor(() => heard > atListen); // the alert's own notification, heard before the claim's is counted
      const id = (await one.incidents.find('n1'))?.id as string;
      const before = heard;
      await one.incidents.claim(id, 'Anna', 'http', 2000);
      await waitFor(() => heard > before);
      const afterClaim = heard;
      await one.incidents.resolve(id, 'theft', 'Anna', 3000);
      await waitFor(() => heard > afterClaim);
    } finally {
      await stop();
      await Promise.all([one.close(), two.close()]);
    }
  });
});

async function waitFor(ok: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('not heard in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
