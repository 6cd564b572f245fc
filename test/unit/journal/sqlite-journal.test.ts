import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import type { Alert } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';
import { waitFor } from '../../helpers/quiet-logger';
import { journalRawBody, journalSteps } from '../../helpers/journal-rows';
import { statSync } from 'node:fs';

const alert = (id: string): Alert => ({
  id,
  storeId: 's1',
  cameraId: '3',
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});
const record = (id: string) => ({
  alert: alert(id),
  status: 'routed' as const,
  rawBody: `{"id":"${id}"}`,
  receivedAt: 1000,
  steps: ['announce' as const, 'chat' as const],
});

describe('SqliteJournal', () => {
  it('uses WAL with full sync, and keeps alerts, raw bodies and steps across reopening', async () => {
    const file = join(tempDir(), 'journal.sqlite');
    const j = new SqliteJournal(file);
    expect(await j.append(record('a1'))).toBe('new');
    j.updateStep({
      alertId: 'a1',
      step: 'announce',
      state: 'succeeded',
      attempts: 1,
      nextAt: null,
      lastError: null,
      detail: 'ok',
      updatedAt: 2000,
    });
    await j.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = new SqliteJournal(file);
    expect(again.storedAlert('a1')).toEqual({ alert: alert('a1'), status: 'routed', receivedAt: 1000 });
    expect(journalRawBody(file, 'a1')).toBe('{"id":"a1"}');
    expect(await again.unfinishedSteps()).toEqual([
      expect.objectContaining({ alertId: 'a1', step: 'chat', state: 'pending' }),
    ]);
    await again.close();
  });

  it('commits alerts arriving together in one transaction and tells duplicates apart', async () => {
    const file = join(tempDir(), 'journal.sqlite');
    const j = new SqliteJournal(file);
    const results = await Promise.all([j.append(record('a1')), j.append(record('a2')), j.append(record('a1'))]);
    expect(results).toEqual(['new', 'new', 'duplicate']);
    expect(journalSteps(file, 'a1')).toHaveLength(2);
    await j.close();
  });

  it('rejects every alert of a batch when the database refuses the write', async () => {
    const j = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    expect(j.writable()).toBe(true);
    const db = (j as unknown as { db: Database.Database }).db; // test seam: make SQLite refuse writes
    db.pragma('query_only = ON');
    // The outcome as text: SqliteError may come from another realm than jest's Error.
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => String((e as { message?: unknown }).message ?? e),
      );
    expect(await Promise.all([outcome(j.append(record('a1'))), outcome(j.append(record('a2')))])).toEqual([
      expect.stringMatching(/readonly/),
      expect.stringMatching(/readonly/),
    ]);
    expect(j.writable()).toBe(false);
    db.pragma('query_only = OFF');
    expect(j.writable()).toBe(true);
    expect(j.storedAlert('a2')).toBeUndefined();
    await expect(j.append(record('a1'))).resolves.toBe('new');
    await j.close();
  });

  it('checkpoints the WAL from its worker thread, not in the writer', async () => {
    const file = join(tempDir(), 'journal.sqlite');
    const j = new SqliteJournal(file);
    const before = statSync(file).size;
    await Promise.all(Array.from({ length: 500 }, (_, i) => j.append(record(`bulk-${i}`))));
    const writer = (j as unknown as { db: Database.Database }).db;
    expect(writer.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(statSync(file).size).toBe(before); // nothing copied by the writer's commits
    await waitFor(() => statSync(file).size > before, 5000, 'checkpoint into the database file');
    // Idle, it looks at the WAL less and less often; what is written after is still checkpointed.
    await new Promise((r) => setTimeout(r, 4000));
    const idle = statSync(file).size;
    await Promise.all(Array.from({ length: 500 }, (_, i) => j.append(record(`later-${i}`))));
    expect(statSync(file).size).toBe(idle);
    await waitFor(() => statSync(file).size > idle, 20_000, 'checkpoint after the idle time');
    await j.close();
  }, 40_000);
});
