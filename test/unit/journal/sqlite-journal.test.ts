import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import type { Alert } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';

const alert = (id: string): Alert => ({ id, storeId: 's1', cameraId: '3', cameraIp: '', groupId: '', alertType: 'theft', startDate: '', endDate: '', videoUrl: '' });
const record = (id: string) => ({ alert: alert(id), status: 'routed' as const, rawBody: `{"id":"${id}"}`, receivedAt: 1000, steps: ['announce' as const, 'chat' as const] });

describe('SqliteJournal', () => {
  it('uses WAL with full sync, and keeps alerts, raw bodies and steps across reopening', async () => {
    const file = join(tempDir(), 'journal.sqlite');
    const j = new SqliteJournal(file);
    expect(await j.append(record('a1'))).toBe('new');
    j.updateStep({ alertId: 'a1', step: 'announce', state: 'succeeded', attempts: 1, nextAt: null, lastError: null, detail: 'ok', updatedAt: 2000 });
    j.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = new SqliteJournal(file);
    expect(again.getAlert('a1')).toEqual({ alert: alert('a1'), status: 'routed', receivedAt: 1000 });
    expect(again.rawBody('a1')).toBe('{"id":"a1"}');
    expect(again.unfinishedSteps()).toEqual([expect.objectContaining({ alertId: 'a1', step: 'chat', state: 'pending' })]);
    again.close();
  });

  it('commits alerts arriving together in one transaction and tells duplicates apart', async () => {
    const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    const results = await Promise.all([j.append(record('a1')), j.append(record('a2')), j.append(record('a1'))]);
    expect(results).toEqual(['new', 'new', 'duplicate']);
    expect(j.steps('a1')).toHaveLength(2);
    j.close();
  });

  it('rejects every alert of a batch when the database refuses the write', async () => {
    const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    expect(j.writable()).toBe(true);
    const db = (j as unknown as { db: Database.Database }).db; // test seam: make SQLite refuse writes
    db.pragma('query_only = ON');
    await expect(Promise.all([j.append(record('a1')), j.append(record('a2'))])).rejects.toThrow(/readonly/);
    expect(j.writable()).toBe(false);
    db.pragma('query_only = OFF');
    expect(j.writable()).toBe(true);
    expect(j.getAlert('a2')).toBeUndefined();
    await expect(j.append(record('a1'))).resolves.toBe('new');
    j.close();
  });
});
