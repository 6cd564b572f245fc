import { join } from 'node:path';
import { statSync } from 'node:fs';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { receivedEvent, stepEvent } from '../../../src/pipeline/alert-event';
import type { Alert, StoreRoute } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';
import { PgJournal } from '../../../src/journal/pg/pg-journal';
import type { Journal } from '../../../src/pipeline/ports';
import type { AlertEvent } from '../../../src/pipeline/alert-event';
import type { JournalIntegrationStore } from '../../../src/journal/integration-store';

const store: StoreRoute = {
  store_veesion_id: 's1',
  name: 'One',
  audio_conf_id: '7',
  xbees_channel_id: 'c1',
  location: 'Trento',
};
const alert = (id: string): Alert => ({
  id,
  storeId: 's1',
  cameraId: '3',
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: 'https://x.veesion.io/v.mp4',
});
const integration = (id: string, createdAt = 1) => ({
  id,
  type: 'webhook' as const,
  url: 'http://127.0.0.1:9/h',
  secret: 'whsec_x',
  filter: ['alert.received' as const],
  scope: 'all',
  createdAt,
});

async function ingest(j: Journal, id: string, at: number) {
  const a = alert(id);
  return j.append({
    alert: a,
    status: 'routed',
    rawBody: '{}',
    receivedAt: at,
    steps: ['announce'],
    events: [receivedEvent(a, store, at)],
  });
}
const tick = () => new Promise((r) => setImmediate(r));

describe('the event outbox', () => {
  it('is readable by its owner only: it holds the integration secrets', async () => {
    const file = join(tempDir(), 'journal.sqlite');
    const j = new SqliteJournal(file);
    try {
      await j.integrations.add(integration('int_1'));
      for (const f of ['', '-wal']) expect((statSync(file + f).mode & 0o777).toString(8)).toBe('600');
    } finally {
      await j.close();
    }
  });

  it('prunes old events only once every enabled integration is past them', async () => {
    const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    try {
      await j.integrations.add(integration('int_1'));
      await j.integrations.add(integration('int_2', 2));
      for (const id of ['a1', 'a2', 'a3']) await ingest(j, id, 10);
      const [e1, e2] = await j.integrations.eventsAfter(0);
      if (!e1 || !e2) throw new Error('events missing');
      await j.integrations.settle('int_1', e2, 'delivered', 1, null, 50);
      await j.integrations.settle('int_2', e1, 'dead', 5, 'receiver answered 503', 50);
      expect(await j.pruneEvents(1000)).toBe(1); // int_2 still needs a2 and a3
      await j.integrations.disable('int_2', 'gone');
      expect(await j.pruneEvents(1000)).toBe(1); // a disabled one holds nothing back; int_1 still needs a3
      expect((await j.integrations.eventsAfter(0)).map((e) => e.alertId)).toEqual(['a3']);
      expect(await j.integrations.get('int_2')).toMatchObject({ enabled: false, unnoticedDead: 1 });
    } finally {
      await j.close();
    }
  });
});

/** The integration store's rules, on both journals: the embedded SQLite one and the shared PostgreSQL one. */
interface Subject {
  journal: Journal & { recordEvent(e: AlertEvent): void; onEventsWritten(l: () => void): void };
  store: JournalIntegrationStore;
  /** Writes what waits for the group commit. */
  flush(): Promise<unknown>;
  close(): Promise<void>;
}

const pg = usePostgres();

const implementations: [string, () => Promise<Subject>][] = [
  [
    'SQLite',
    async () => {
      const journal = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
      return { journal, store: journal.integrations, flush: tick, close: () => journal.close() };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const journal = await PgJournal.open(await pg.fresh());
      return { journal, store: journal.integrations, flush: () => journal.flush(), close: () => journal.close() };
    },
  ],
];

describe.each(implementations)('the event outbox on %s', (_name, open) => {
  let s: Subject;
  beforeEach(async () => {
    s = await open();
  });
  afterEach(() => s.close());

  it('keeps events only while an integration is enabled, and a new integration starts after the newest', async () => {
    let wakes = 0;
    s.journal.onEventsWritten(() => wakes++);
    await ingest(s.journal, 'a1', 10);
    expect(await s.store.eventsAfter(0)).toEqual([]);
    expect(wakes).toBe(0);

    await s.store.add(integration('int_1'));
    await ingest(s.journal, 'a2', 20);
    s.journal.updateStep({
      alertId: 'a2',
      step: 'announce',
      state: 'succeeded',
      attempts: 1,
      nextAt: null,
      lastError: null,
      detail: 'via ami',
      updatedAt: 30,
    });
    const ev = stepEvent(
      alert('a2'),
      store,
      { name: 'announce', state: 'succeeded', attempts: 1, detail: 'via ami', error: null },
      30,
    );
    if (ev) s.journal.recordEvent(ev);
    await s.flush();
    const events = await s.store.eventsAfter(0);
    expect(events.map((e) => [e.type, e.alertId])).toEqual([
      ['alert.received', 'a2'],
      ['alert.announced', 'a2'],
    ]);
    expect((await s.store.event(events[1]?.seq ?? 0))?.data).toMatchObject({
      alert: { id: 'a2', videoUrl: 'https://x.veesion.io/v.mp4' },
      store: { location: 'Trento' },
      step: { name: 'announce', detail: 'via ami' },
    });
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
    // int_1 wants alert.received only: the announcement is not part of its backlog.
    expect(await s.store.backlog({ cursor: 0, filter: ['alert.received'], scope: 'all' })).toBe(1);
    expect(await s.store.backlog({ cursor: 0, filter: ['alert.received', 'alert.announced'], scope: 'Milano' })).toBe(
      0,
    );
    expect(wakes).toBeGreaterThan(0);

    await s.store.add(integration('int_2', 2));
    expect((await s.store.get('int_2'))?.cursor).toBe(events[1]?.seq);
    expect((await s.store.get('int_1'))?.cursor).toBe(0);
  });

  it('writes alert.received for a new alert only, never for a duplicate', async () => {
    await s.store.add(integration('int_1'));
    expect(await ingest(s.journal, 'a1', 10)).toBe('new');
    expect(await ingest(s.journal, 'a1', 11)).toBe('duplicate');
    expect((await s.store.eventsAfter(0)).map((e) => e.alertId)).toEqual(['a1']);
  });

  it('settles, retries, skips and disables as the deliveries say; removes an integration with its delivery log', async () => {
    await s.store.add(integration('int_1'));
    for (const id of ['a1', 'a2', 'a3']) await ingest(s.journal, id, 10);
    const [e1, e2, e3] = await s.store.eventsAfter(0);
    if (!e1 || !e2 || !e3) throw new Error('events missing');
    await s.store.retryAt('int_1', 1, 500, 'receiver answered 503');
    expect(await s.store.get('int_1')).toMatchObject({
      cursor: 0,
      attempts: 1,
      nextAt: 500,
      lastError: 'receiver answered 503',
    });
    await s.store.settle('int_1', e1, 'delivered', 2, null, 20);
    await s.store.settle('int_1', e2, 'dead', 5, 'receiver answered 503', 30);
    expect(await s.store.get('int_1')).toMatchObject({ cursor: e2.seq, attempts: 0, nextAt: null, unnoticedDead: 1 });
    await s.store.skipTo('int_1', e1.seq); // never backwards
    expect((await s.store.get('int_1'))?.cursor).toBe(e2.seq);
    expect(await s.store.outcomes(0)).toEqual([
      { integrationId: 'int_1', outcome: 'dead', count: 1 },
      { integrationId: 'int_1', outcome: 'delivered', count: 1 },
    ]);
    await s.store.noticeSent('int_1', 40);
    await s.store.disable('int_1', 'receiver answered 410 Gone');
    expect(await s.store.get('int_1')).toMatchObject({
      enabled: false,
      disabledReason: 'receiver answered 410 Gone',
      unnoticedDead: 0,
      lastNoticeAt: 40,
    });
    expect(await s.store.remove('int_1')).toBe(true);
    expect(await s.store.remove('int_1')).toBe(false);
    expect(await s.store.outcomes(0)).toEqual([]);
  });
});
