import { join } from 'node:path';
import { statSync } from 'node:fs';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { receivedEvent, stepEvent } from '../../../src/pipeline/alert-event';
import type { Alert, StoreRoute } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';

const store: StoreRoute = { store_veesion_id: 's1', name: 'One', audio_conf_id: '7', xbees_channel_id: 'c1', location: 'Trento' };
const alert = (id: string): Alert => ({ id, storeId: 's1', cameraId: '3', cameraIp: '', groupId: '', alertType: 'theft', startDate: '', endDate: '', videoUrl: 'https://x.veesion.io/v.mp4' });
const integration = (id: string, createdAt = 1) => ({ id, type: 'webhook' as const, url: 'http://127.0.0.1:9/h', secret: 'whsec_x', filter: ['alert.received' as const], scope: 'all', createdAt });

async function ingest(j: SqliteJournal, id: string, at: number) {
  const a = alert(id);
  return j.append({ alert: a, status: 'routed', rawBody: '{}', receivedAt: at, steps: ['announce'], events: [receivedEvent(a, store, at)] });
}
const tick = () => new Promise((r) => setImmediate(r));

describe('the event outbox', () => {
  it('is readable by its owner only: it holds the integration secrets', async () => {
    const file = join(tempDir(), 'journal.sqlite');
    const j = new SqliteJournal(file);
    try {
      j.integrations.add(integration('int_1'));
      for (const f of ['', '-wal']) expect((statSync(file + f).mode & 0o777).toString(8)).toBe('600');
    } finally {
      await j.close();
    }
  });

  it('keeps events only while an integration is enabled, and a new integration starts after the newest', async () => {
    const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    let wakes = 0;
    j.onEventsWritten(() => wakes++);
    try {
      await ingest(j, 'a1', 10);
      expect(j.integrations.eventsAfter(0)).toEqual([]);
      expect(wakes).toBe(0);

      j.integrations.add(integration('int_1'));
      await ingest(j, 'a2', 20);
      j.updateStep({ alertId: 'a2', step: 'announce', state: 'succeeded', attempts: 1, nextAt: null, lastError: null, detail: 'via ami', updatedAt: 30 });
      const ev = stepEvent(alert('a2'), store, { name: 'announce', state: 'succeeded', attempts: 1, detail: 'via ami', error: null }, 30);
      if (ev) j.recordEvent(ev);
      await tick();
      const events = j.integrations.eventsAfter(0);
      expect(events.map((e) => [e.type, e.alertId])).toEqual([['alert.received', 'a2'], ['alert.announced', 'a2']]);
      expect(j.integrations.event(events[1]?.seq ?? 0)?.data).toMatchObject({ alert: { id: 'a2', videoUrl: 'https://x.veesion.io/v.mp4' }, store: { location: 'Trento' }, step: { name: 'announce', detail: 'via ami' } });
      expect(new Set(events.map((e) => e.id)).size).toBe(2);
      // int_1 wants alert.received only: the announcement is not part of its backlog.
      expect(j.integrations.backlog({ cursor: 0, filter: ['alert.received'], scope: 'all' })).toBe(1);
      expect(j.integrations.backlog({ cursor: 0, filter: ['alert.received', 'alert.announced'], scope: 'Milano' })).toBe(0);
      expect(wakes).toBeGreaterThan(0);

      j.integrations.add(integration('int_2', 2));
      expect(j.integrations.get('int_2')?.cursor).toBe(events[1]?.seq);
      expect(j.integrations.get('int_1')?.cursor).toBe(0);
    } finally {
      await j.close();
    }
  });

  it('writes alert.received for a new alert only, never for a duplicate', async () => {
    const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    try {
      j.integrations.add(integration('int_1'));
      expect(await ingest(j, 'a1', 10)).toBe('new');
      expect(await ingest(j, 'a1', 11)).toBe('duplicate');
      expect(j.integrations.eventsAfter(0).map((e) => e.alertId)).toEqual(['a1']);
    } finally {
      await j.close();
    }
  });

  it('prunes old events only once every enabled integration is past them', async () => {
    const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    try {
      j.integrations.add(integration('int_1'));
      j.integrations.add(integration('int_2', 2));
      for (const id of ['a1', 'a2', 'a3']) await ingest(j, id, 10);
      const [e1, e2] = j.integrations.eventsAfter(0);
      if (!e1 || !e2) throw new Error('events missing');
      j.integrations.settle('int_1', e2, 'delivered', 1, null, 50);
      j.integrations.settle('int_2', e1, 'dead', 5, 'receiver answered 503', 50);
      expect(j.pruneEvents(1000)).toBe(1); // int_2 still needs a2 and a3
      j.integrations.disable('int_2', 'gone');
      expect(j.pruneEvents(1000)).toBe(1); // a disabled one holds nothing back; int_1 still needs a3
      expect(j.integrations.eventsAfter(0).map((e) => e.alertId)).toEqual(['a3']);
      expect(j.integrations.get('int_2')).toMatchObject({ enabled: false, unnoticedDead: 1 });
    } finally {
      await j.close();
    }
  });

  it('removes an integration with its delivery log', async () => {
    const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    try {
      j.integrations.add(integration('int_1'));
      await ingest(j, 'a1', 10);
      const [e1] = j.integrations.eventsAfter(0);
      if (!e1) throw new Error('event missing');
      j.integrations.settle('int_1', e1, 'delivered', 1, null, 20);
      expect(j.integrations.outcomes(0)).toEqual([{ integrationId: 'int_1', outcome: 'delivered', count: 1 }]);
      expect(j.integrations.remove('int_1')).toBe(true);
      expect(j.integrations.remove('int_1')).toBe(false);
      expect(j.integrations.outcomes(0)).toEqual([]);
    } finally {
      await j.close();
    }
  });
});
