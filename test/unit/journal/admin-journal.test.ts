import { join } from 'node:path';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import type { Alert, StepName, StepState } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';
import { PgJournal } from '../../../src/journal/pg/pg-journal';
import { JournalAdmin } from '../../../src/journal/admin-journal';
import { PgDb } from '../../../src/journal/sql/pg-db';
import { SilenceCache } from '../../../src/journal/silence-cache';
import type { AdminJournalPort } from '../../../src/journal/admin-journal';
import type { IncidentStore } from '../../../src/pipeline/incident';
import type { Journal } from '../../../src/pipeline/ports';

/** The admin API's journal, on both: SQLite, and a real PostgreSQL. */
interface Subject {
  journal: Journal;
  admin: AdminJournalPort;
  incidents: IncidentStore;
  silencedUntil(storeId: string, now: number): Promise<number | undefined>;
  close(): Promise<void>;
}

const pg = usePostgres();

const implementations: [string, () => Promise<Subject>][] = [
  [
    'SQLite',
    async () => {
      const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
      return {
        journal: j,
        admin: j.admin,
        incidents: j.incidents,
        silencedUntil: async (id, now) => j.silencedUntil(id, now),
        close: () => j.close(),
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const j = await PgJournal.open(await pg.fresh());
      const silences = new SilenceCache(new PgDb(j.pool), () => undefined);
      return {
        journal: j,
        admin: new JournalAdmin(new PgDb(j.pool), () => j.flush()),
        incidents: j.incidents,
        silencedUntil: async (id, now) => {
          await silences.refresh(now);
          return silences.silencedUntil(id, now);
        },
        close: () => j.close(),
      };
    },
  ],
];

const HOUR = 3_600_000;
const S = 1000;
const T0 = Date.UTC(2026, 0, 10, 8, 0, 0);
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

/** Alerts written through the daemon's own class, with their steps in the given states. */
async function journalWith(
  s: Subject,
  rows: {
    id: string;
    at: number;
    store?: string;
    camera?: string;
    announce?: StepState;
    chat?: StepState;
    unroutable?: boolean;
  }[],
) {
  const j = s.journal;
  for (const r of rows) {
    const steps: StepName[] = r.unroutable ? [] : ['announce', 'chat'];
    await j.append({
      alert: alert(r.id, r.store ?? 's1', r.camera ?? '3'),
      status: r.unroutable ? 'unroutable' : 'routed',
      rawBody: '{}',
      receivedAt: r.at,
      steps,
    });
    for (const step of steps) {
      const state = r[step] ?? 'succeeded';
      j.updateStep({
        alertId: r.id,
        step,
        state,
        attempts: 1,
        nextAt: state === 'pending' ? r.at + 60 * S : null,
        lastError: state === 'dead' ? 'XBEES_5XX: 503' : null,
        detail: null,
        updatedAt: r.at,
      });
    }
  }
  return s;
}

describe.each(implementations)('the admin journal on %s', (_name, open) => {
  let subject: Subject;
  beforeEach(async () => {
    subject = await open();
  });
  afterEach(() => subject.close());

  it('lists alerts newest first with their steps, filtered by store, camera, step state and time', async () => {
    const j = await journalWith(subject, [
      { id: 'a', at: T0, chat: 'dead' },
      { id: 'b', at: T0 + HOUR, store: 's2', camera: '9', announce: 'muted' },
      // Of one millisecond: arrival order is not id order.
      { id: 'd', at: T0 + 2 * HOUR, store: 'gone', unroutable: true },
      { id: 'c', at: T0 + 2 * HOUR, announce: 'pending' },
    ]);
    {
      const ids = async (q: Parameters<typeof j.admin.alerts>[0]) => (await j.admin.alerts(q)).map((a) => a.id);
      // Step updates are still waiting for the group commit: the answer includes them.
      expect(await j.admin.alerts({ limit: 10 })).toEqual([
        {
          id: 'd',
          storeId: 'gone',
          cameraId: '3',
          alertType: 'theft',
          receivedAt: T0 + 2 * HOUR,
          status: 'unroutable',
          incidentId: null,
          steps: [],
        },
        expect.objectContaining({
          id: 'c',
          steps: [
            {
              step: 'announce',
              state: 'pending',
              attempts: 1,
              nextAt: T0 + 2 * HOUR + 60 * S,
              lastError: null,
              detail: null,
              updatedAt: T0 + 2 * HOUR,
            },
            expect.objectContaining({ step: 'chat', state: 'succeeded', nextAt: null }),
          ],
        }),
        expect.objectContaining({ id: 'b', storeId: 's2', cameraId: '9' }),
        expect.objectContaining({ id: 'a' }),
      ]);
      expect(await ids({ limit: 2 })).toEqual(['d', 'c']); // same time: the greater id first, on both journals
      expect(await ids({ limit: 10, storeId: 's1' })).toEqual(['c', 'a']);
      expect(await ids({ limit: 10, cameraId: '9' })).toEqual(['b']);
      expect(await ids({ limit: 10, state: 'dead' })).toEqual(['a']);
      expect(await ids({ limit: 10, state: 'muted' })).toEqual(['b']);
      expect(await ids({ limit: 10, state: 'pending' })).toEqual(['c']);
      expect(await ids({ limit: 10, state: 'running' })).toEqual([]);
      expect(await ids({ limit: 10, since: T0 + HOUR, until: T0 + HOUR })).toEqual(['b']);
      expect(await ids({ limit: 10, storeId: 's1', state: 'succeeded', since: T0 + 30 * 60 * S })).toEqual(['c']);

      expect(await j.admin.alert('a')).toEqual({
        alert: alert('a', 's1', '3'),
        status: 'routed',
        receivedAt: T0,
        incidentId: null,
        steps: [
          expect.objectContaining({ step: 'announce', state: 'succeeded' }),
          expect.objectContaining({ step: 'chat', state: 'dead', lastError: 'XBEES_5XX: 503' }),
        ],
      });
      expect(await j.admin.alert('nope')).toBeUndefined();
    }
  });

  it("replays and silences through the operator commands' functions", async () => {
    const j = await journalWith(subject, [{ id: 'a', at: T0, chat: 'dead' }]);
    expect(await j.admin.requeue({ alertIds: ['a'], routable: () => true, now: T0 + HOUR })).toEqual([
      {
        alertId: 'a',
        storeId: 's1',
        requeued: ['chat'],
        skipped: [{ step: 'announce', reason: expect.stringContaining('already succeeded') }],
      },
    ]);
    expect((await j.admin.alert('a'))?.steps[1]).toMatchObject({
      step: 'chat',
      state: 'pending',
      attempts: 0,
      nextAt: T0 + HOUR,
    });
    await j.admin.silence('s1', T0 + 2 * HOUR, T0);
    expect(await j.silencedUntil('s1', T0 + HOUR)).toBe(T0 + 2 * HOUR);
    await j.admin.silence('s1', 0, T0 + HOUR);
    expect(await j.silencedUntil('s1', T0 + HOUR)).toBeUndefined();
  });

  it('computes alerts per hour, times to claim and false alarms per camera since a time', async () => {
    const j = subject;
    const receive = async (id: string, storeId: string, cameraId: string, at: number) => {
      await j.journal.append({
        alert: alert(id, storeId, cameraId),
        status: 'routed',
        rawBody: '{}',
        receivedAt: at,
        steps: [],
        incident: { room: '7', windowMs: 0 },
      });
      return (await j.incidents.find(id))?.id as string;
    };
    {
      const old = await receive('old', 's1', '3', T0 - 2 * 86_400 * S);
      await j.incidents.resolve(old, 'false-alarm', null, T0 - 86_400 * S);
      const a = await receive('a', 's1', '3', T0 + 5 * 60 * S);
      await j.incidents.claim(a, 'Anna', 'http', T0 + 5 * 60 * S + 12_500);
      await j.incidents.resolve(a, 'false-alarm', 'Anna', T0 + HOUR);
      const b = await receive('b', 's1', '3', T0 + 50 * 60 * S);
      await j.incidents.resolve(b, 'theft', null, T0 + HOUR);
      const c = await receive('c', 's1', '4', T0 + HOUR + 1);
      await j.incidents.claim(c, 'Ben', 'cli', T0 + HOUR + 30_001);
      await j.incidents.resolve(c, 'no-outcome', null, T0 + 2 * HOUR);
      await receive('d', 's2', '1', T0 + HOUR + 2);

      expect(await j.admin.stats(T0)).toEqual({
        alertsPerHour: [
          { hour: T0, storeId: 's1', count: 2 },
          { hour: T0 + HOUR, storeId: 's1', count: 1 },
          { hour: T0 + HOUR, storeId: 's2', count: 1 },
        ],
        timeToClaimS: [12.5, 30],
        falseAlarmByCamera: [{ storeId: 's1', cameraId: '3', resolved: 2, falseAlarms: 1, rate: 0.5 }],
      });
    }
  });
});
