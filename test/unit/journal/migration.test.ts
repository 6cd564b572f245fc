import Database from 'better-sqlite3';
import { join } from 'node:path';
import { MIGRATIONS } from '../../../src/journal/schema';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { tempDir } from '../../helpers/paths';

/** A journal as the first release wrote it: schema 1, one alert whose announcement is pending. */
function firstSchemaJournal(): string {
  const file = join(tempDir(), 'journal.sqlite');
  const db = new Database(file);
  db.exec(MIGRATIONS[0] ?? '');
  db.pragma('user_version = 1');
  db.prepare('INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?)').run('old-1', 1_700_000_000_000, 'store-1', 'received', JSON.stringify({ id: 'old-1', storeId: 'store-1' }), '{"alert_uuid":"old-1"}');
  db.prepare('INSERT INTO steps (alert_id, step, state, attempts, updated_at) VALUES (?, ?, ?, ?, ?)').run('old-1', 'announce', 'pending', 1, 1_700_000_000_000);
  db.prepare('INSERT INTO steps (alert_id, step, state, attempts, updated_at) VALUES (?, ?, ?, ?, ?)').run('old-1', 'chat', 'succeeded', 1, 1_700_000_000_000);
  db.close();
  return file;
}

describe('a journal of the first schema (an upgrade from the first release)', () => {
  it('is migrated to the current schema when opened, keeping its alerts and their steps', async () => {
    const file = firstSchemaJournal();
    const journal = new SqliteJournal(file);
    try {
      expect(journal.getAlert('old-1')?.status).toBe('received');
      expect(journal.rawBody('old-1')).toBe('{"alert_uuid":"old-1"}');
      expect(journal.steps('old-1').map((s) => [s.step, s.state, s.attempts])).toEqual([['announce', 'pending', 1], ['chat', 'succeeded', 1]]);
      expect(journal.unfinishedSteps().map((s) => s.alertId)).toEqual(['old-1']);
      expect(journal.writable()).toBe(true);
    } finally {
      await journal.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });
});
