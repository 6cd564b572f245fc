import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../../src/journal/schema';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { openJournalForOperator } from '../../../src/journal/operator-access';
import { FIXTURES, tempDir } from '../../helpers/paths';

/** A journal as the first released version wrote it: schema 1 only, with one alert mid-flight. */
function firstVersionJournal(): string {
  const file = join(tempDir(), 'journal.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(readFileSync(join(FIXTURES, 'journal/schema-1.sql'), 'utf8')); // frozen, not today's MIGRATIONS[0]
  db.pragma('user_version = 1');
  db.prepare('INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?)').run(
    'old-1',
    1_000,
    's1',
    'routed',
    JSON.stringify({ id: 'old-1', storeId: 's1', cameraId: '3' }),
    '{}',
  );
  db.prepare(
    "INSERT INTO steps (alert_id, step, state, attempts, updated_at) VALUES ('old-1', 'announce', 'succeeded', 1, 1000), ('old-1', 'chat', 'pending', 2, 1000)",
  ).run();
  db.close();
  return file;
}

const version = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
};

describe('journal migrations: an upgrade keeps the journal', () => {
  it('the daemon opens a journal made by the first schema version: migrated to the last, rows kept, unfinished steps resumed', async () => {
    const file = firstVersionJournal();
    const j = new SqliteJournal(file);
    expect(version(file)).toBe(MIGRATIONS.length);
    expect(j.storedAlert('old-1')).toBeDefined();
    expect((await j.unfinishedSteps()).map((s) => [s.alertId, s.step, s.attempts])).toEqual([['old-1', 'chat', 2]]);
    expect(j.silencedUntil('s1', 0)).toBeUndefined(); // a table of a later migration works
    await j.close();
  });

  it('steps in flight written with the call state in their detail text (schema 8) get it in columns, so a resume still knows which were heard', async () => {
    const file = join(tempDir(), 'journal.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    for (let v = 0; v < 8; v++) db.exec(MIGRATIONS[v] as string);
    db.pragma('user_version = 8');
    const token = (n: number) => `0000000${n}-aaaa-4bbb-8ccc-dddddddddddd`;
    for (const id of ['c1', 'a1', 'd1'])
      db.prepare('INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, NULL)').run(
        id,
        1_000,
        's1',
        'routed',
        JSON.stringify({ id, storeId: 's1', cameraId: '3' }),
        '{}',
      );
    const step = db.prepare(
      "INSERT INTO steps (alert_id, step, state, attempts, detail, updated_at) VALUES (?, 'announce', ?, 1, ?, 1000)",
    );
    step.run('c1', 'running', `calling: ${token(1)}`);
    step.run('a1', 'running', `answered, playing: Local/7@xhoppers-conf-0000a;1 (call ${token(2)})`);
    step.run('d1', 'succeeded', 'Local/7@x;1 played /var/lib/sounds/abc');
    db.close();
    const j = new SqliteJournal(file);
    const calls = Object.fromEntries(
      (await j.unfinishedSteps()).filter((s) => s.step === 'announce').map((s) => [s.alertId, s.call]),
    );
    expect(calls).toEqual({
      c1: { token: token(1), state: 'calling', channel: null },
      a1: { token: token(2), state: 'answered', channel: 'Local/7@xhoppers-conf-0000a;1' },
    });
    await j.close();
  });

  it('a writing operator command migrates it too, and read access then works', () => {
    const file = firstVersionJournal();
    expect(() => openJournalForOperator(file, 'read')).toThrow(/schema 1/);
    openJournalForOperator(file, 'write').close();
    expect(version(file)).toBe(MIGRATIONS.length);
    const db = openJournalForOperator(file, 'read');
    expect(db.prepare('SELECT COUNT(*) AS n FROM steps').get()).toEqual({ n: 2 });
    db.close();
  });

  it('a writing command before the daemon ever ran creates the journal (owner-only) and the daemon then uses it', async () => {
    const file = join(tempDir(), 'data', 'journal.sqlite');
    const db = openJournalForOperator(file, 'write');
    db.prepare("INSERT INTO silences (store_id, until, created_at) VALUES ('s1', 5000, 1)").run();
    db.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const j = new SqliteJournal(file);
    expect(j.silencedUntil('s1', 10)).toBe(5000);
    await j.close();
  });

  it('refuses a journal newer than this code (a downgrade) instead of writing to it', () => {
    const file = firstVersionJournal();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openJournalForOperator(file, 'write')).toThrow(/newer than this version/);
    expect(() => new SqliteJournal(file)).toThrow(/newer than this version/);
  });
});

describe('a journal created by root for the service', () => {
  // Only root can create files another user owns; elsewhere there is nothing to check.
  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot("belongs to the data directory's owner, so the daemon (its service user) can open it", async () => {
    const { chownSync, mkdirSync } = await import('node:fs');
    const dir = join(tempDir(), 'data');
    mkdirSync(dir);
    const nobody = 65534;
    chownSync(dir, nobody, nobody);
    const file = join(dir, 'journal.sqlite');
    openJournalForOperator(file, 'write').close();
    expect(statSync(file)).toMatchObject({ uid: nobody, gid: nobody });
  });
});
