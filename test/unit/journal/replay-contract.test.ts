import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { PgJournal } from '../../../src/journal/pg/pg-journal';
import { JournalAdmin } from '../../../src/journal/admin-journal';
import { PgDb } from '../../../src/journal/sql/pg-db';
import type { ReplayOutcome, ReplaySelection } from '../../../src/journal/replay';
import type { Journal } from '../../../src/pipeline/ports';
import type { Alert, StepName, StepState } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';

/**
 * `replay`'s requeue rules and housekeeping's prune, the same tests on both journals: the
 * embedded SQLite one and the PostgreSQL one several daemons share (JournalAdmin on each).
 */
interface Subject {
  journal: Journal & { prune(cutoff: number): Promise<number> };
  requeue(sel: ReplaySelection): Promise<ReplayOutcome[]>;
  row(sql: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

const pg = usePostgres();

const implementations: [string, () => Promise<Subject>][] = [
  [
    'SQLite',
    async () => {
      const file = join(tempDir(), 'journal.sqlite');
      const journal = new SqliteJournal(file);
      const side = new Database(file, { readonly: true });
      return {
        journal,
        requeue: async (sel) => journal.admin.requeue(sel),
        row: async (sql) => side.prepare(sql).get() as Record<string, unknown> | undefined,
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
      const admin = new JournalAdmin(new PgDb(journal.pool), () => journal.flush());
      return {
        journal,
        requeue: (sel) => admin.requeue(sel),
        row: async (sql) => (await journal.pool.query(sql)).rows[0] as Record<string, unknown> | undefined,
        close: () => journal.close(),
      };
    },
  ],
];

const HOUR = 3_600_000;
const now = 100 * HOUR;
const routable = (id: string) => id !== 'unknown-store';
const alert = (id: string, storeId = 's1'): Alert => ({
  id,
  storeId,
  cameraId: '3',
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});

/** Alerts in the given step states, written through the journal's own port. */
async function withAlerts(
  j: Subject['journal'],
  rows: { id: string; at: number; store?: string; announce?: StepState; chat?: StepState; unroutable?: boolean }[],
): Promise<void> {
  for (const r of rows) {
    const steps: StepName[] = r.unroutable ? [] : ['announce', 'chat'];
    await j.append({
      alert: alert(r.id, r.store),
      status: r.unroutable ? 'unroutable' : 'routed',
      rawBody: '{}',
      receivedAt: r.at,
      steps,
    });
    for (const step of steps) {
      const state = r[step] ?? 'succeeded';
      await j.commitStep({
        alertId: r.id,
        step,
        state,
        attempts: state === 'pending' ? 1 : 3,
        nextAt: null,
        lastError: state === 'succeeded' ? null : 'AMI_DOWN: x',
        detail: null,
        updatedAt: r.at,
      });
    }
  }
}

describe.each(implementations)('replay and prune on %s', (_name, open) => {
  let s: Subject;
  beforeEach(async () => {
    s = await open();
  });
  afterEach(() => s.close());

  it('requeues given-up steps with a fresh window, leaves succeeded ones unless forced, and never touches a step in progress', async () => {
    await withAlerts(s.journal, [
      { id: 'dead', at: now - HOUR, announce: 'expired', chat: 'dead' },
      { id: 'half', at: now - HOUR, announce: 'succeeded', chat: 'dead' },
      { id: 'busy', at: now - HOUR, announce: 'pending', chat: 'dead' },
    ]);
    expect(await s.requeue({ alertIds: ['dead', 'half', 'busy', 'nope'], routable, now })).toEqual([
      { alertId: 'dead', storeId: 's1', requeued: ['announce', 'chat'], skipped: [] },
      {
        alertId: 'half',
        storeId: 's1',
        requeued: ['chat'],
        skipped: [{ step: 'announce', reason: expect.stringContaining('--force') }],
      },
      {
        alertId: 'busy',
        storeId: 's1',
        requeued: ['chat'],
        skipped: [{ step: 'announce', reason: expect.stringContaining('still pending') }],
      },
      { alertId: 'nope', requeued: [], skipped: [{ step: '*', reason: 'no such alert in the journal' }] },
    ]);
    expect(
      await s.row(
        "SELECT state, attempts, next_at, window_from, replays, updated_at FROM steps WHERE alert_id = 'dead' AND step = 'announce'",
      ),
    ).toEqual({ state: 'pending', attempts: 0, next_at: now, window_from: now, replays: 1, updated_at: now });
    // The same replay again finds them pending: two replays cannot queue a step twice.
    expect((await s.requeue({ alertIds: ['dead'], routable, now })).map((o) => o.requeued)).toEqual([[]]);
    expect(
      (await s.requeue({ alertIds: ['half'], steps: ['announce'], force: true, routable, now }))[0]?.requeued,
    ).toEqual(['announce']);
  });

  it('selects failed alerts since a time, routes unroutable ones whose store is known now, and names the ones still unknown', async () => {
    await withAlerts(s.journal, [
      { id: 'too-old', at: now - 5 * HOUR, chat: 'dead' },
      { id: 'fine', at: now - HOUR },
      { id: 'chat-dead', at: now - HOUR, chat: 'dead' },
      { id: 'late', at: now - HOUR, announce: 'expired' },
      { id: 'lost', at: now - HOUR, store: 's1', unroutable: true },
      { id: 'still-lost', at: now - HOUR, store: 'unknown-store', unroutable: true },
    ]);
    const out = await s.requeue({ failedSince: now - 2 * HOUR, steps: ['chat'], routable, now });
    // 'late' failed only its announcement, and only chat was asked for: it is not selected.
    expect(out.map((o) => [o.alertId, o.requeued, o.skipped.map((x) => x.reason)])).toEqual([
      ['chat-dead', ['chat'], []],
      ['lost', ['chat'], []],
      ['still-lost', [], [expect.stringContaining('not in x-hoppers.json')]],
    ]);
    expect(await s.row("SELECT status FROM alerts WHERE id = 'lost'")).toEqual({ status: 'routed' });
  });

  it('prunes finished alerts older than the cutoff, never one with a pending step', async () => {
    await withAlerts(s.journal, [
      { id: 'old-done', at: now - 40 * 24 * HOUR },
      { id: 'old-dead', at: now - 40 * 24 * HOUR, chat: 'dead' },
      { id: 'old-unroutable', at: now - 40 * 24 * HOUR, unroutable: true },
      { id: 'old-pending', at: now - 40 * 24 * HOUR, chat: 'pending' },
      { id: 'recent', at: now - HOUR },
    ]);
    expect(await s.journal.prune(now - 30 * 24 * HOUR)).toBe(3);
    const left = await Promise.all(
      ['old-done', 'old-dead', 'old-unroutable', 'old-pending', 'recent'].map(async (id) =>
        (await s.journal.getAlert(id)) ? id : null,
      ),
    );
    expect(left.filter(Boolean)).toEqual(['old-pending', 'recent']);
    expect(await s.row("SELECT COUNT(*) AS n FROM steps WHERE alert_id = 'old-pending'")).toEqual({ n: 2 });
    expect((await s.journal.unfinishedSteps()).map((st) => st.alertId)).toEqual(['old-pending']);
  });
});
