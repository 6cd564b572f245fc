import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PgDb, numbered } from '../../../src/journal/sql/pg-db';
import { SqliteDb } from '../../../src/journal/sql/sqlite-db';
import { marks, type Db, type Step, type Tx } from '../../../src/journal/sql/db';
import { openPgPool } from '../../../src/journal/pg/pg-pool';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';

/** The query layer the journal's stores are written on, the same tests on both databases. */
const pg = usePostgres();

const TABLE = 'CREATE TABLE notes (id TEXT PRIMARY KEY, n INTEGER NOT NULL, body TEXT)';

const implementations: [string, () => Promise<{ db: Db; close(): Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const sqlite = new Database(join(tempDir(), 'q.sqlite'));
      sqlite.exec(TABLE);
      return { db: new SqliteDb(sqlite), close: async () => void sqlite.close() };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const pool = openPgPool(await pg.fresh(), { max: 2 });
      await pool.query(TABLE.replace('INTEGER', 'BIGINT'));
      return { db: new PgDb(pool), close: () => pool.end() };
    },
  ],
];

describe.each(implementations)('the query layer on %s', (_name, open) => {
  let s: Awaited<ReturnType<typeof open>>;
  beforeEach(async () => {
    s = await open();
  });
  afterEach(() => s.close());

  it('runs a statement with ? placeholders and says how many rows it changed', async () => {
    expect(await s.db.run('INSERT INTO notes (id, n, body) VALUES (?, ?, ?)', ['a', 1, 'what?'])).toBe(1);
    expect(
      await s.db.run('INSERT INTO notes (id, n, body) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', ['a', 2, 'x']),
    ).toBe(0);
    await s.db.run('INSERT INTO notes (id, n, body) VALUES (?, ?, ?)', ['b', 2, null]);
    // A question mark inside quoted text is text, not a placeholder.
    expect(await s.db.get("SELECT id FROM notes WHERE body = 'what?' AND n = ?", [1])).toEqual({ id: 'a' });
    expect(await s.db.all(`SELECT id, n FROM notes WHERE id IN (${marks(2)}) ORDER BY id`, ['a', 'b'])).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ]);
    expect(await s.db.get('SELECT id FROM notes WHERE id = ?', ['none'])).toBeUndefined();
  });

  it('commits a transaction that returns and leaves nothing of one that throws', async () => {
    const both = function* (tx: Tx): Step<number> {
      yield* tx.run('INSERT INTO notes (id, n) VALUES (?, ?)', ['t1', 1]);
      const row = yield* tx.get<{ n: number }>('SELECT n FROM notes WHERE id = ?', ['t1']);
      yield* tx.run('INSERT INTO notes (id, n) VALUES (?, ?)', ['t2', (row?.n ?? 0) + 1]);
      return 2;
    };
    expect(await s.db.transaction(both)).toBe(2);
    expect(await s.db.all('SELECT id, n FROM notes ORDER BY id')).toEqual([
      { id: 't1', n: 1 },
      { id: 't2', n: 2 },
    ]);
    await expect(
      s.db.transaction(function* (tx: Tx): Step<void> {
        yield* tx.run('INSERT INTO notes (id, n) VALUES (?, ?)', ['t3', 3]);
        yield* tx.run('INSERT INTO notes (id, n) VALUES (?, ?)', ['t1', 4]); // the key is taken
      }),
      // Matched by its message: better-sqlite3's native side keeps the SqliteError class of the first
      // jest sandbox that loaded it, so in a later test file the error is no instance of this realm's Error.
    ).rejects.toMatchObject({ message: expect.stringMatching(/UNIQUE constraint failed|duplicate key/) });
    expect(await s.db.get('SELECT id FROM notes WHERE id = ?', ['t3'])).toBeUndefined();
  });
});

describe('the query layer on SQLite', () => {
  it('runs a transaction to its end before returning: nothing else on the connection can land inside it', () => {
    const sqlite = new Database(join(tempDir(), 'q.sqlite'));
    sqlite.exec(TABLE);
    const db = new SqliteDb(sqlite);
    try {
      void db.transaction(function* (tx: Tx): Step<void> {
        yield* tx.run('INSERT INTO notes (id, n) VALUES (?, ?)', ['s1', 1]);
        yield* tx.run('INSERT INTO notes (id, n) VALUES (?, ?)', ['s2', 2]);
      });
      // Read in the same turn, before anything was awaited: committed already.
      expect(sqlite.prepare('SELECT COUNT(*) AS n FROM notes').get()).toEqual({ n: 2 });
      expect(sqlite.inTransaction).toBe(false);
    } finally {
      sqlite.close();
    }
  });
});

describe('PostgreSQL placeholders', () => {
  it('numbers each ? outside quoted text', () => {
    expect(numbered("SELECT ? WHERE a = '?' AND b IN (?, ?)")).toBe("SELECT $1 WHERE a = '?' AND b IN ($2, $3)");
  });
});
