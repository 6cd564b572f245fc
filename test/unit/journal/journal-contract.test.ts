import { join } from 'node:path';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { PgJournal } from '../../../src/journal/pg/pg-journal';
import type { Journal, NewAlertRecord, StepRecord } from '../../../src/pipeline/ports';
import type { Alert } from '../../../src/pipeline/alert';
import type { AlertEvent } from '../../../src/pipeline/alert-event';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';
import Database from 'better-sqlite3';

/**
 * The journal port, the same tests on both implementations: the embedded SQLite journal and the
 * PostgreSQL one (a real server, started for this file).
 */
interface Subject {
  journal: Journal & { recordEvent(e: AlertEvent): void; onEventsWritten(l: () => void): void; close(): Promise<void> };
  /** Raw SQL on the same journal (what the stores beside the port would read). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

const pg = usePostgres();

const implementations: [string, () => Promise<Subject>][] = [
  [
    'SQLite',
    async () => {
      const file = join(tempDir(), 'journal.sqlite');
      const journal = new SqliteJournal(file);
      const side = new Database(file);
      return {
        journal,
        rows: async (sql) => side.prepare(sql).all() as Record<string, unknown>[],
        exec: async (sql) => void side.exec(sql),
        close: async () => {
          side.close();
          await journal.close();
        },
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const journal = await PgJournal.open(await pg.fresh());
      return {
        journal,
        rows: async (sql) => (await journal.pool.query(sql)).rows as Record<string, unknown>[],
        exec: async (sql) => void (await journal.pool.query(sql)),
        close: () => journal.close(),
      };
    },
  ],
];

const alert = (id: string, cameraId = '3', storeId = 's1'): Alert => ({
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
const record = (id: string, extra: Partial<NewAlertRecord> = {}): NewAlertRecord => ({
  alert: alert(id),
  status: 'routed',
  rawBody: `{"id":"${id}"}`,
  receivedAt: 1000,
  steps: ['announce', 'chat'],
  ...extra,
});
const step = (alertId: string, s: 'announce' | 'chat', state: StepRecord['state'], at: number): StepRecord => ({
  alertId,
  step: s,
  state,
  attempts: 1,
  nextAt: null,
  lastError: null,
  detail: `${state} at ${at}`,
  updatedAt: at,
});

describe.each(implementations)('journal port on %s', (_name, open) => {
  let s: Subject;
  beforeEach(async () => {
    s = await open();
  });
  afterEach(async () => {
    await s.close();
  });

  it('records a new alert with its pending steps and tells a duplicate apart, in one batch or later', async () => {
    const results = await Promise.all([
      s.journal.append(record('a1')),
      s.journal.append(record('a2')),
      s.journal.append(record('a1')),
    ]);
    expect(results).toEqual(['new', 'new', 'duplicate']);
    expect(await s.journal.append(record('a2'))).toBe('duplicate');
    expect(await s.journal.getAlert('a1')).toEqual({ alert: alert('a1'), status: 'routed', receivedAt: 1000 });
    expect(await s.journal.getAlert('nope')).toBeUndefined();
    expect((await s.journal.unfinishedSteps()).map((r) => [r.alertId, r.step, r.state])).toEqual([
      ['a1', 'announce', 'pending'],
      ['a1', 'chat', 'pending'],
      ['a2', 'announce', 'pending'],
      ['a2', 'chat', 'pending'],
    ]);
  });

  it('keeps the last update of a step, and a final step is no longer unfinished (oldest alert first)', async () => {
    await s.journal.append(record('late', { receivedAt: 5000 }));
    await s.journal.append(record('early', { receivedAt: 100 }));
    s.journal.updateStep(step('early', 'announce', 'running', 200));
    s.journal.updateStep(step('early', 'announce', 'succeeded', 300));
    s.journal.updateStep(step('late', 'chat', 'dead', 6000));
    const left = await s.journal.unfinishedSteps(); // waits for the updates' commit
    expect(left.map((r) => `${r.alertId}/${r.step}`)).toEqual(['early/chat', 'late/announce']);
    const rows = await s.rows(
      `SELECT state, detail, updated_at FROM steps WHERE alert_id = 'early' AND step = 'announce'`,
    );
    expect(rows).toEqual([{ state: 'succeeded', detail: 'succeeded at 300', updated_at: 300 }]);
  });

  it('commitStep resolves once the update is written; updates keep their order', async () => {
    await s.journal.append(record('c1'));
    s.journal.updateStep(step('c1', 'announce', 'pending', 100));
    await s.journal.commitStep({ ...step('c1', 'announce', 'running', 200), detail: 'calling: t1' });
    const rows = await s.rows(`SELECT state, detail FROM steps WHERE alert_id = 'c1' AND step = 'announce'`);
    expect(rows).toEqual([{ state: 'running', detail: 'calling: t1' }]);
  });

  it("a call's state is kept in columns of its own while the step runs, and cleared with its final state", async () => {
    await s.journal.append(record('k1'));
    const token = '0000000a-aaaa-4bbb-8ccc-dddddddddddd';
    await s.journal.commitStep({
      ...step('k1', 'announce', 'running', 100),
      call: { token, state: 'calling', channel: null },
    });
    let running = (await s.journal.unfinishedSteps()).find((r) => r.alertId === 'k1' && r.step === 'announce');
    expect(running?.call).toEqual({ token, state: 'calling', channel: null });
    s.journal.updateStep({
      ...step('k1', 'announce', 'running', 200),
      call: { token, state: 'answered', channel: 'Local/7@x;1' },
    });
    running = (await s.journal.unfinishedSteps()).find((r) => r.alertId === 'k1' && r.step === 'announce');
    expect(running?.call).toEqual({ token, state: 'answered', channel: 'Local/7@x;1' });
    await s.journal.commitStep(step('k1', 'announce', 'succeeded', 300));
    expect(
      await s.rows(
        `SELECT call_token, call_state, call_channel FROM steps WHERE alert_id = 'k1' AND step = 'announce'`,
      ),
    ).toEqual([{ call_token: null, call_state: null, call_channel: null }]);
  });

  it('an alert given its first call goes in with its announcement running on that call: the call needs no second write', async () => {
    const t1 = '0000000b-aaaa-4bbb-8ccc-dddddddddddd';
    const t2 = '0000000c-aaaa-4bbb-8ccc-dddddddddddd';
    await Promise.all([s.journal.append(record('f1', { announceCall: t1 })), s.journal.append(record('f2'))]);
    // A batch with a known alert in it (on PostgreSQL, the commit that reads before it writes).
    expect(
      await Promise.all([
        s.journal.append(record('f1', { announceCall: t2 })),
        s.journal.append(record('f3', { announceCall: t2 })),
      ]),
    ).toEqual(['duplicate', 'new']);
    const unfinished = await s.journal.unfinishedSteps();
    const of = (id: string, st: string) => unfinished.find((r) => r.alertId === id && r.step === st);
    expect(of('f1', 'announce')).toMatchObject({
      state: 'running',
      attempts: 0,
      call: { token: t1, state: 'calling', channel: null },
    });
    expect(of('f1', 'announce')?.detail).toContain(t1);
    expect(of('f1', 'chat')).toMatchObject({ state: 'pending', call: null });
    expect(of('f2', 'announce')).toMatchObject({ state: 'pending', call: null });
    expect(of('f3', 'announce')).toMatchObject({ state: 'running', call: { token: t2, state: 'calling' } });
  });

  it('an unroutable alert is kept without steps', async () => {
    expect(await s.journal.append(record('lost', { status: 'unroutable', steps: [] }))).toBe('new');
    expect((await s.journal.getAlert('lost'))?.status).toBe('unroutable');
    expect(await s.journal.unfinishedSteps()).toEqual([]);
  });

  it("joins the camera's live incident within the window and opens a new one after it", async () => {
    const inc = (id: string, at: number, cameraId = '3') =>
      record(id, {
        alert: alert(id, cameraId),
        receivedAt: at,
        incident: { room: '7', windowMs: 60_000, firstRepeatAt: at + 30_000 },
      });
    await Promise.all([
      s.journal.append(inc('i1', 1000)),
      s.journal.append(inc('i2', 2000)),
      s.journal.append(inc('other', 2500, '4')),
    ]);
    await s.journal.append(inc('i3', 200_000)); // past the window
    const incidents = await s.rows(
      'SELECT camera_id, first_alert_id, last_alert_id, alerts, next_repeat_at, state FROM incidents ORDER BY opened_at',
    );
    expect(incidents).toEqual([
      { camera_id: '3', first_alert_id: 'i1', last_alert_id: 'i2', alerts: 2, next_repeat_at: 31_000, state: 'open' },
      {
        camera_id: '4',
        first_alert_id: 'other',
        last_alert_id: 'other',
        alerts: 1,
        next_repeat_at: 32_500,
        state: 'open',
      },
      { camera_id: '3', first_alert_id: 'i3', last_alert_id: 'i3', alerts: 1, next_repeat_at: 230_000, state: 'open' },
    ]);
    const linked = await s.rows('SELECT COUNT(DISTINCT incident_id) AS n FROM alerts WHERE incident_id IS NOT NULL');
    expect(Number(linked[0]?.n)).toBe(3);
  });

  it('keeps events only while an integration is enabled, and says when it wrote some', async () => {
    let written = 0;
    s.journal.onEventsWritten(() => written++);
    const event = (alertId: string): AlertEvent =>
      ({
        type: 'alert.received',
        alertId,
        storeId: 's1',
        location: null,
        time: 1000,
        data: { n: 1 },
      }) as unknown as AlertEvent;
    await s.journal.append(record('e1', { events: [event('e1')] }));
    expect(await s.rows('SELECT * FROM events')).toEqual([]);
    expect(written).toBe(0);
    await s.exec(
      `INSERT INTO integrations (id, type, url, secret, filter_json, scope, created_at, cursor) VALUES ('int1', 'webhook', 'http://x', 'k', '{}', 'all', 1, 0)`,
    );
    await s.journal.append(record('e2', { events: [event('e2')] }));
    await s.journal.append(record('e2', { events: [event('e2')] })); // a duplicate writes no event
    // A known alert and a new one in one commit: the new one's event alone.
    expect(
      await Promise.all([
        s.journal.append(record('e2', { events: [event('e2')] })),
        s.journal.append(record('e3', { events: [event('e3')] })),
      ]),
    ).toEqual(['duplicate', 'new']);
    s.journal.recordEvent(event('e1'));
    await s.journal.unfinishedSteps();
    const events = await s.rows('SELECT seq, alert_id, type, data_json FROM events ORDER BY seq');
    expect(events.map((e) => e.alert_id)).toEqual(['e2', 'e3', 'e1']);
    expect(Number(events[2]?.seq)).toBeGreaterThan(Number(events[1]?.seq));
    expect(JSON.parse(String(events[0]?.data_json))).toEqual({ n: 1 });
    expect(written).toBe(3);
  });
});
