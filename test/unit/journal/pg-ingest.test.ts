import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { AlertEvent } from '../../../src/pipeline/alert-event';
import { PgJournal } from '../../../src/journal/pg/pg-journal';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import type { Journal, NewAlertRecord } from '../../../src/pipeline/ports';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';

const pg = usePostgres();
const original = Client.prototype.query;

const record = (id: string, cameraId: string, receivedAt: number, firstRepeatAt?: number): NewAlertRecord => ({
  alert: {
    id,
    storeId: 's1',
    cameraId,
    cameraIp: '',
    groupId: '',
    alertType: 'theft',
    startDate: '',
    endDate: '',
    videoUrl: '',
  },
  status: 'routed',
  rawBody: '{}',
  receivedAt,
  steps: ['announce'],
  incident: { room: `room-${cameraId}`, windowMs: 1000, ...(firstRepeatAt ? { firstRepeatAt } : {}) },
});

/** Before the commit under test: one live incident per camera, A's and B's. */
const earlier = [record('a1', 'A', 1000), record('b1', 'B', 1000)];

/** One commit (appended together, answered together): joins, opens, runs apart and a repeated id. */
const together = [
  record('a2', 'A', 1500), // A's live incident
  record('c1', 'C', 1500, 9000), // a new camera
  record('a3', 'A', 2400), // within the window of a2: the same incident
  record('b2', 'B', 4000, 9100), // B's incident is past its window: a new one
  record('a4', 'A', 4000, 9200), // past a3's window: a new incident, though A's was joined in this commit
  record('c2', 'C', 4100), // past c1's window
  record('a5', 'A', 4500), // with a4
  record('a2', 'A', 4600), // the same id again: a duplicate, counted nowhere
];

const COLUMNS =
  'store_id, camera_id, room, state, opened_at, first_alert_id, last_alert_id, last_alert_at, next_repeat_at, updated_at, alerts';

async function ingest(journal: Journal): Promise<string[]> {
  for (const r of earlier) await journal.append(r);
  return Promise.all(together.map((r) => journal.append(r)));
}

describe('a commit of alerts on PostgreSQL joins and opens incidents as SQLite does, alert by alert', () => {
  it('the same incidents, the same counts and the same alerts in each, from one commit', async () => {
    const file = join(tempDir(), 'journal.sqlite');
    const sqlite = new SqliteJournal(file);
    const sqliteAnswers = await ingest(sqlite);
    await sqlite.close();
    const db = new Database(file, { readonly: true });
    const sqliteIncidents = db.prepare(`SELECT ${COLUMNS} FROM incidents ORDER BY first_alert_id`).all();
    const sqliteAlerts = db
      .prepare(
        'SELECT a.id, i.first_alert_id AS incident FROM alerts a JOIN incidents i ON i.id = a.incident_id ORDER BY a.id',
      )
      .all();
    db.close();

    const journal = await PgJournal.open(await pg.fresh());
    try {
      const pgAnswers = await ingest(journal);
      expect(pgAnswers).toEqual(sqliteAnswers);
      expect(pgAnswers).toEqual(['new', 'new', 'new', 'new', 'new', 'new', 'new', 'duplicate']);
      const incidents = await journal.pool.query(`SELECT ${COLUMNS} FROM incidents ORDER BY first_alert_id`);
      expect(incidents.rows).toEqual(sqliteIncidents);
      expect(incidents.rows.map((i) => [i.first_alert_id, i.last_alert_id, i.alerts])).toEqual([
        ['a1', 'a3', 3],
        ['a4', 'a5', 2],
        ['b1', 'b1', 1],
        ['b2', 'b2', 1],
        ['c1', 'c1', 1],
        ['c2', 'c2', 1],
      ]);
      const alerts = await journal.pool.query(
        'SELECT a.id, i.first_alert_id AS incident FROM alerts a JOIN incidents i ON i.id = a.incident_id ORDER BY a.id',
      );
      expect(alerts.rows).toEqual(sqliteAlerts);
      const steps = await journal.pool.query('SELECT alert_id FROM steps ORDER BY alert_id');
      expect(steps.rows.map((s) => s.alert_id)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2', 'c1', 'c2']);
    } finally {
      await journal.close();
    }
  });
});

describe('a commit that holds an alert the journal already has', () => {
  it('joins its new alerts as if the known one were not there: the known one joins nothing and bridges no window', async () => {
    // x0 is known (its incident's window closed long before x2). Sent again between x2 (1500) and x3 (3100) and
    // taken as new, it would chain them within the 1 s window; without it they are 1.6 s apart,
    // so x3 opens an incident of its own.
    const journal = await PgJournal.open(await pg.fresh());
    try {
      await journal.append(record('x0', 'X', 0));
      const commit = [record('x2', 'X', 1500), record('x0', 'X', 2300), record('x3', 'X', 3100)];
      expect(await Promise.all(commit.map((r) => journal.append(r)))).toEqual(['new', 'duplicate', 'new']);
      const incidents = await journal.pool.query(
        'SELECT first_alert_id, last_alert_id, alerts FROM incidents ORDER BY first_alert_id',
      );
      expect(incidents.rows).toEqual([
        { first_alert_id: 'x0', last_alert_id: 'x0', alerts: 1 },
        { first_alert_id: 'x2', last_alert_id: 'x2', alerts: 1 },
        { first_alert_id: 'x3', last_alert_id: 'x3', alerts: 1 },
      ]);
      const alerts = await journal.pool.query(
        'SELECT a.id, i.first_alert_id AS incident FROM alerts a JOIN incidents i ON i.id = a.incident_id ORDER BY a.id',
      );
      expect(alerts.rows.map((r) => [r.id, r.incident])).toEqual([
        ['x0', 'x0'],
        ['x2', 'x2'],
        ['x3', 'x3'],
      ]);
    } finally {
      await journal.close();
    }
  });
});

describe('an incident ended while a commit joins it', () => {
  it('is not joined: the alert opens an incident of its own (repeated and escalated like any other)', async () => {
    const journal = await PgJournal.open(await pg.fresh());
    const other = await journal.pool.connect();
    try {
      await journal.append(record('r1', 'A', 1000));
      // Another daemon resolves A's incident and has not committed yet when the next alert comes.
      await other.query('BEGIN');
      await other.query(`UPDATE incidents SET state = 'resolved', updated_at = 1200 WHERE first_alert_id = 'r1'`);
      const appended = journal.append(record('r2', 'A', 1500));
      const deadline = Date.now() + 20_000;
      const waiting = async () =>
        Number(
          (
            await journal.pool.query<{ n: string }>(
              "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
            )
          ).rows[0]?.n,
        );
      while ((await waiting()) === 0) {
        if (Date.now() > deadline) throw new Error('the commit never waited for the resolving transaction');
        await new Promise((r) => setTimeout(r, 50));
      }
      await other.query('COMMIT');
      expect(await appended).toBe('new');
      const rows = await journal.pool.query(
        'SELECT a.id, i.first_alert_id, i.state, i.alerts FROM alerts a JOIN incidents i ON i.id = a.incident_id ORDER BY a.id',
      );
      expect(rows.rows).toEqual([
        { id: 'r1', first_alert_id: 'r1', state: 'resolved', alerts: 1 },
        { id: 'r2', first_alert_id: 'r2', state: 'open', alerts: 1 },
      ]);
    } finally {
      other.release();
      await journal.close();
    }
  });
});

describe('a commit on PostgreSQL is one round trip on guesses the server checks', () => {
  it('is made at once for new alerts; a known alert, or events kept after all, make it again the read-first way, once', async () => {
    const texts: string[] = [];
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const q = args[0] as string | { text?: string };
      texts.push(typeof q === 'string' ? q : (q?.text ?? ''));
      return original.apply(this, args as never);
    } as never);
    const readFirst = () => texts.filter((t) => t.startsWith('BEGIN; SELECT EXISTS')).length;
    const atOnce = () => texts.filter((t) => t === 'BEGIN').length;
    const withEvent = (r: NewAlertRecord): NewAlertRecord => ({
      ...r,
      events: [
        {
          type: 'alert.received',
          alertId: r.alert.id,
          storeId: 's1',
          location: null,
          time: r.receivedAt,
          data: { n: 1 },
        } as unknown as AlertEvent,
      ],
    });
    const journal = await PgJournal.open(await pg.fresh());
    texts.length = 0; // the migrations' transactions
    try {
      await Promise.all([record('n1', 'N', 1000), record('n2', 'M', 1000)].map((r) => journal.append(r)));
      expect([atOnce(), readFirst()]).toEqual([1, 0]);
      // A retry of n1 beside a new alert: the guess that all are new is wrong.
      expect(
        await Promise.all([record('n1', 'N', 1000), record('n3', 'N', 1200)].map((r) => journal.append(r))),
      ).toEqual(['duplicate', 'new']);
      expect([atOnce(), readFirst()]).toEqual([2, 1]);
      // No integration: the events sent are not kept, and the next commit does not send them.
      await journal.append(withEvent(record('e1', 'E', 2000)));
      await journal.append(withEvent(record('e2', 'E', 2100)));
      expect([atOnce(), readFirst()]).toEqual([4, 1]);
      // An integration enabled meanwhile: the guess that events are not kept is wrong, once.
      await journal.pool.query(
        `INSERT INTO integrations (id, type, url, secret, filter_json, scope, created_at, cursor) VALUES ('int1', 'webhook', 'http://x', 'k', '{}', 'all', 1, 0)`,
      );
      await journal.append(withEvent(record('e3', 'E', 2200)));
      await journal.append(withEvent(record('e4', 'E', 2300)));
      expect([atOnce(), readFirst()]).toEqual([6, 2]);
      const events = await journal.pool.query('SELECT alert_id FROM events ORDER BY seq');
      expect(events.rows.map((e) => e.alert_id)).toEqual(['e3', 'e4']);
    } finally {
      spy.mockRestore();
      await journal.close();
    }
  });

  it('writes each alert row once, its incident with it', async () => {
    const journal = await PgJournal.open(await pg.fresh());
    try {
      // w4's store has no incidents: it goes in with none, in the same commit.
      const { incident: _, ...w4 } = record('w4', 'Y', 1000);
      const four = [record('w1', 'W', 1000), record('w2', 'W', 1100), record('w3', 'X', 1000), w4];
      expect(await Promise.all(four.map((r) => journal.append(r)))).toEqual(['new', 'new', 'new', 'new']);
      // A new table's first rows: written once, the four alerts are its first four tuples (an
      // update in the same transaction would have left them dead and written them again after).
      const rows = await journal.pool.query<{ id: string; ctid: string; incident_id: string | null }>(
        'SELECT id, ctid::text, incident_id FROM alerts ORDER BY id',
      );
      expect(rows.rows.map((r) => r.ctid)).toEqual(['(0,1)', '(0,2)', '(0,3)', '(0,4)']);
      const [w1, w2, w3, none] = rows.rows.map((r) => r.incident_id);
      expect(none).toBeNull();
      expect(w1).toMatch(/^inc_/);
      expect(w2).toBe(w1);
      expect(w3).toMatch(/^inc_/);
      expect(w3).not.toBe(w1);
      const incidents = await journal.pool.query('SELECT id, camera_id, alerts FROM incidents ORDER BY camera_id');
      expect(incidents.rows).toEqual([
        { id: w1, camera_id: 'W', alerts: 2 },
        { id: w3, camera_id: 'X', alerts: 1 },
      ]);
    } finally {
      await journal.close();
    }
  });
});
