import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { openJournalForOperator } from '../../../src/journal/operator-access';
import { journalStores, percentile, reportIncidents } from '../../../src/journal/incident-report';
import { readOpenIncidents, summariseJournal } from '../../../src/journal/journal-reader';
import type { Alert } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';
import { copyJournalToPg } from '../../../src/journal/pg/copy-to-pg';
import { PgDb } from '../../../src/journal/sql/pg-db';
import { SqliteDb } from '../../../src/journal/sql/sqlite-db';
import { openPgPool } from '../../../src/journal/pg/pg-pool';

const T0 = Date.UTC(2026, 0, 10, 8, 0, 0);
const S = 1000;
const alert = (id: string, storeId: string, cameraId: string): Alert => ({
  id,
  storeId,
  cameraId,
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});

/**
 * A journal filled through the daemon's own writers: alerts with their incidents, claims and
 * resolutions through the journal's incident store, escalations set with SQL (no API writes them yet).
 *
 *   s1 camera 3:  A opened +0 claimed +10s theft; B +100 claimed +30s false-alarm, escalated;
 *                 C +200 open, a second alert at +205 joins it
 *   s1 camera 9:  one unroutable alert, no incident
 *   s1 camera 10: D +300 claimed +5s not-found; E +400 resolved no-outcome unclaimed; F +500
 *                 claimed +60s (a second claim too), escalated; G +600 unclaimed, escalated
 *   s2 camera 1:  H +700 claimed +120s false-alarm; O a day before T0, claimed, never resolved
 */
async function fill(): Promise<string> {
  const file = join(tempDir(), 'journal.sqlite');
  const j = new SqliteJournal(file);
  const receive = async (id: string, storeId: string, cameraId: string, at: number, routed = true) => {
    await j.append({
      alert: alert(id, storeId, cameraId),
      status: routed ? 'routed' : 'unroutable',
      rawBody: '{}',
      receivedAt: at,
      steps: [],
      ...(routed ? { incident: { room: storeId === 's1' ? '7' : '8', windowMs: 20 * S } } : {}),
    });
    return (await j.incidents.find(id))?.id as string;
  };
  const claim = async (id: string, by: string, at: number) =>
    expect((await j.incidents.claim(id, by, 'cli', at)).kind).toBe('claimed');
  const db = (j as unknown as { db: Database.Database }).db; // test seam: escalation has no writer yet
  const escalate = (id: string, at: number) =>
    db.prepare('UPDATE incidents SET escalated_at = ?, escalated_to = ? WHERE id = ?').run(at, 'PJSIP/201', id);

  // In the order they arrive: an alert joins the live incident of its camera within the window.
  const o = await receive('o', 's2', '1', T0 - 86_400 * S);
  await claim(o, 'Old', T0 - 86_000 * S);
  const a = await receive('a', 's1', '3', T0);
  await claim(a, 'Anna', T0 + 10 * S);
  const b = await receive('b', 's1', '3', T0 + 100 * S);
  await claim(b, 'Ben', T0 + 130 * S);
  escalate(b, T0 + 145 * S);
  const c = await receive('c1', 's1', '3', T0 + 200 * S);
  expect(await receive('c2', 's1', '3', T0 + 205 * S)).toBe(c);
  await j.incidents.recordAnnouncement(c, 3, T0 + 245 * S, 'open', T0 + 230 * S);
  await receive('u', 's1', '9', T0 + 250 * S, false);
  const d = await receive('d', 's1', '10', T0 + 300 * S);
  await claim(d, 'Dan', T0 + 305 * S);
  const e = await receive('e', 's1', '10', T0 + 400 * S);
  const f = await receive('f', 's1', '10', T0 + 500 * S);
  await claim(f, 'Fay', T0 + 560 * S);
  expect((await j.incidents.claim(f, 'Gus', 'http', T0 + 570 * S)).kind).toBe('already');
  escalate(f, T0 + 545 * S);
  const g = await receive('g', 's1', '10', T0 + 600 * S);
  await j.incidents.recordAnnouncement(g, 4, null, 'unclaimed', T0 + 660 * S);
  escalate(g, T0 + 660 * S);
  const h = await receive('h', 's2', '1', T0 + 700 * S);
  await claim(h, 'Hal', T0 + 820 * S);

  await j.incidents.resolve(a, 'theft', 'Anna', T0 + 900 * S);
  await j.incidents.resolve(b, 'false-alarm', 'Ben', T0 + 900 * S);
  await j.incidents.resolve(d, 'not-found', null, T0 + 900 * S);
  await j.incidents.resolve(e, 'no-outcome', null, T0 + 900 * S);
  await j.incidents.resolve(h, 'false-alarm', 'Hal', T0 + 900 * S);
  await j.close();
  return file;
}

const outcomes = (o: Partial<Record<string, number>>) => ({
  theft: 0,
  'false-alarm': 0,
  'not-found': 0,
  'no-outcome': 0,
  'none-yet': 0,
  ...o,
});

describe('incident report', () => {
  let file: string;
  let db: Database.Database;
  let sql: SqliteDb;
  beforeAll(async () => {
    file = await fill();
    db = openJournalForOperator(file, 'read');
    sql = new SqliteDb(db);
  });
  afterAll(() => db.close());

  it('gives every figure per store and camera, sorted (camera 10 after 9), and a total over all of them', async () => {
    const r = await reportIncidents(sql, { since: T0 - 3600 * S });
    expect(r.since).toBe(new Date(T0 - 3600 * S).toISOString());
    expect(r.stores).toEqual([
      {
        storeId: 's1',
        cameraId: '3',
        alerts: 4,
        incidents: 3,
        claimedPct: 66.7,
        timeToClaimS: { p50: 10, p90: 30 },
        escalations: 1,
        outcomes: outcomes({ theft: 1, 'false-alarm': 1, 'none-yet': 1 }),
        falseAlarmRate: 0.5,
      },
      {
        storeId: 's1',
        cameraId: '9',
        alerts: 1,
        incidents: 0,
        claimedPct: null,
        timeToClaimS: { p50: null, p90: null },
        escalations: 0,
        outcomes: outcomes({}),
        falseAlarmRate: null,
      },
      {
        // D and F claimed of four; E resolved without a claim, G unclaimed
        storeId: 's1',
        cameraId: '10',
        alerts: 4,
        incidents: 4,
        claimedPct: 50,
        timeToClaimS: { p50: 5, p90: 60 },
        escalations: 2,
        outcomes: outcomes({ 'not-found': 1, 'no-outcome': 1, 'none-yet': 2 }),
        falseAlarmRate: 0,
      },
      {
        // O opened before the period: neither its alert nor the incident counts
        storeId: 's2',
        cameraId: '1',
        alerts: 1,
        incidents: 1,
        claimedPct: 100,
        timeToClaimS: { p50: 120, p90: 120 },
        escalations: 0,
        outcomes: outcomes({ 'false-alarm': 1 }),
        falseAlarmRate: 1,
      },
    ]);
    // claim times 10, 30, 5, 60, 120 s -> sorted 5 10 30 60 120: p50 rank 3, p90 rank 5
    expect(r.total).toEqual({
      alerts: 10,
      incidents: 8,
      claimedPct: 62.5,
      timeToClaimS: { p50: 30, p90: 120 },
      escalations: 3,
      outcomes: outcomes({ theft: 1, 'false-alarm': 2, 'not-found': 1, 'no-outcome': 1, 'none-yet': 3 }),
      falseAlarmRate: 0.5,
    });
  });

  it('keeps one store with --store', async () => {
    const r = await reportIncidents(sql, { since: T0 - 3600 * S, storeId: 's2' });
    expect(r.stores.map((s) => [s.storeId, s.cameraId])).toEqual([['s2', '1']]);
    expect(r.total).toEqual(
      expect.objectContaining({
        alerts: 1,
        incidents: 1,
        claimedPct: 100,
        timeToClaimS: { p50: 120, p90: 120 },
        falseAlarmRate: 1,
      }),
    );
  });

  it('counts alerts by when they arrived and incidents by when they opened', async () => {
    // From +202 s: C's second alert (+205) counts, C itself (+200) does not
    const r = await reportIncidents(sql, { since: T0 + 202 * S, storeId: 's1' });
    expect(r.stores.map((s) => [s.cameraId, s.alerts, s.incidents])).toEqual([
      ['3', 1, 0],
      ['9', 1, 0],
      ['10', 4, 4],
    ]);
    expect(r.total).toEqual(
      expect.objectContaining({ alerts: 6, incidents: 4, claimedPct: 50, timeToClaimS: { p50: 5, p90: 60 } }),
    );
    // A day back: the old incident of s2 too
    const all = await reportIncidents(sql, { since: T0 - 2 * 86_400 * S, storeId: 's2' });
    expect(all.total).toEqual(
      expect.objectContaining({ alerts: 2, incidents: 2, claimedPct: 100, timeToClaimS: { p50: 120, p90: 400 } }),
    );
    expect((await reportIncidents(sql, { since: T0 + 3600 * S })).stores).toEqual([]);
    expect((await reportIncidents(sql, { since: T0 + 3600 * S })).total).toEqual({
      alerts: 0,
      incidents: 0,
      claimedPct: null,
      timeToClaimS: { p50: null, p90: null },
      escalations: 0,
      outcomes: outcomes({}),
      falseAlarmRate: null,
    });
  });

  it('knows every store of the journal, for checking --store', async () => {
    expect(await journalStores(sql)).toEqual(['s1', 's2']);
  });

  it('lists open and claimed-not-resolved incidents with age, announcements, alerts and every claim', async () => {
    const now = T0 + 1000 * S;
    const open = await readOpenIncidents(sql, now);
    expect(open.map((i) => [i.storeId, i.cameraId, i.state])).toEqual([
      ['s2', '1', 'claimed'],
      ['s1', '3', 'open'],
      ['s1', '10', 'claimed'],
    ]);
    expect(open[1]).toEqual(
      expect.objectContaining({
        room: '7',
        ageS: 800,
        announcements: 3,
        alerts: 2,
        claimedBy: null,
        claimedAt: null,
        claims: 0,
        escalatedAt: null,
      }),
    );
    expect(open[2]).toEqual(
      expect.objectContaining({
        ageS: 500,
        alerts: 1,
        claimedBy: 'Fay',
        claimedVia: 'cli',
        claimedAt: T0 + 560 * S,
        claims: 2,
        escalatedAt: T0 + 545 * S,
        escalatedTo: 'PJSIP/201',
      }),
    );
  });
});

describe('percentile (nearest rank)', () => {
  it('is always one of the values', async () => {
    const tens = [10, 3, 7, 1, 5, 9, 2, 8, 4, 6];
    expect(percentile(tens, 50)).toBe(5);
    expect(percentile(tens, 90)).toBe(9);
    expect(percentile(tens, 100)).toBe(10);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 90)).toBe(4);
    expect(percentile([42], 90)).toBe(42);
    expect(percentile([42], 0)).toBe(42);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe('incident report on the shared PostgreSQL journal', () => {
  const pg = usePostgres();

  it('gives the same figures from the same journal copied to PostgreSQL (journal migrate), for every query above', async () => {
    const file = await fill();
    const url = await pg.fresh();
    await copyJournalToPg(file, url);
    const db = openJournalForOperator(file, 'read');
    const sql = new SqliteDb(db);
    const pool = openPgPool(url, { max: 1 });
    try {
      for (const q of [
        { since: T0 - 3600 * S },
        { since: T0 - 3600 * S, storeId: 's2' },
        { since: T0 + 202 * S, storeId: 's1' },
        { since: T0 - 2 * 86_400 * S, storeId: 's2' },
        { since: T0 + 3600 * S },
      ]) {
        expect({ q, report: await reportIncidents(new PgDb(pool), q) }).toEqual({
          q,
          report: await reportIncidents(sql, q),
        });
      }
      expect(await journalStores(new PgDb(pool))).toEqual(await journalStores(sql));
      // And `status`'s summary: the same alerts, steps, silences and unresolved incidents.
      const summary = await summariseJournal(new PgDb(pool), 10, T0 + 1000 * S);
      expect(summary).toEqual(await summariseJournal(sql, 10, T0 + 1000 * S));
      expect(summary.incidents).toHaveLength(3);
    } finally {
      db.close();
      await pool.end();
    }
  });
});
