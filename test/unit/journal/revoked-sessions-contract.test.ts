import { join } from 'node:path';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { PgJournal } from '../../../src/journal/pg/pg-journal';
import { PgDb } from '../../../src/journal/sql/pg-db';
import { JournalRevokedSessions, type RevokedSessions } from '../../../src/journal/revoked-sessions';
import { ConsoleSessions, signInCode } from '../../../src/console/sessions';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';

/**
 * The console's signed-out sessions and spent sign-in codes, the same tests on both journals:
 * two daemons' lists on one journal (on SQLite one daemon holds the data directory, so both are
 * its list), and one whose connection is gone (a database blip).
 */
interface Subject {
  daemons: [RevokedSessions, RevokedSessions];
  /** The second daemon reads what the journal holds (on SQLite it asks the journal each time). */
  reread(): Promise<void>;
  /** A list whose journal connection is closed: every write fails. */
  broken(): Promise<RevokedSessions>;
  close(): Promise<void>;
}

const pg = usePostgres();
const ADMIN = 'revoked-contract-admin-token-0123';
const LATER = Date.now() + 3_600_000;
/**
 * What a closed connection answers, matched by its message: better-sqlite3's native side keeps the
 * error classes of the first jest sandbox that loaded it, so in a later test file its errors are no
 * instances of this realm's Error and rejects.toThrow() would see nothing.
 */
const CLOSED = { message: expect.stringMatching(/connection is not open|after calling end on the pool/) };

const implementations: [string, () => Promise<Subject>][] = [
  [
    'SQLite',
    async () => {
      const dir = tempDir();
      const journal = new SqliteJournal(join(dir, 'journal.sqlite'));
      let broken = 0;
      return {
        daemons: [journal.chat.revokedSessions, journal.chat.revokedSessions],
        reread: async () => undefined,
        broken: async () => {
          const other = new SqliteJournal(join(dir, `broken-${++broken}.sqlite`));
          other.chat.revokedSessions.has('prepare the statements'); // then the connection goes
          await other.close();
          return other.chat.revokedSessions;
        },
        close: () => journal.close(),
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const url = await pg.fresh();
      const [one, two] = [await PgJournal.open(url), await PgJournal.open(url)];
      const second = new JournalRevokedSessions(new PgDb(two.pool), () => undefined);
      return {
        daemons: [new JournalRevokedSessions(new PgDb(one.pool), () => undefined), second],
        reread: () => second.refresh(),
        broken: async () => {
          const gone = await PgJournal.open(url);
          await gone.close();
          return new JournalRevokedSessions(new PgDb(gone.pool), () => undefined);
        },
        close: async () => {
          await one.close();
          await two.close();
        },
      };
    },
  ],
];

/** Sign-in codes only: no session is made in these tests. */
const NO_SESSIONS = {
  add: async () => undefined,
  find: async () => undefined,
  lasting: async () => new Map(),
  remove: async () => false,
};

describe.each(implementations)('console sign-outs on %s', (_name, open) => {
  let s: Subject;
  beforeEach(async () => {
    s = await open();
  });
  afterEach(() => s.close());

  it('a sign-in code is spent once when two daemons are handed it at the same moment', async () => {
    const signIns = (list: RevokedSessions) => new ConsoleSessions(ADMIN, () => false, NO_SESSIONS, list);
    const [a, b] = [signIns(s.daemons[0]), signIns(s.daemons[1])];
    const codes = Array.from({ length: 5 }, () => signInCode(ADMIN));
    for (const code of codes) {
      const spent = await Promise.all([a.redeem(code), b.redeem(code)]);
      expect(spent.filter(Boolean)).toHaveLength(1);
    }
    // And it stays spent on both, whichever spent it.
    await s.reread();
    for (const code of codes) {
      expect(await a.redeem(code)).toBe(false);
      expect(await b.redeem(code)).toBe(false);
    }
  });

  it('a sign-out is recorded once, counts at once where it was made and on the other daemon once read', async () => {
    const [a, b] = s.daemons;
    expect(await a.add('session-1', LATER)).toBe(true);
    expect(a.has('session-1')).toBe(true);
    expect(await b.add('session-1', LATER)).toBe(false);
    await s.reread();
    expect(b.has('session-1')).toBe(true);
    expect(b.has('session-2')).toBe(false);
  });

  it('a write that fails is an error, not a sign-out nor a spent code', async () => {
    const list = await s.broken();
    await expect(list.add('session-1', LATER)).rejects.toMatchObject(CLOSED);
    const sessions = new ConsoleSessions(ADMIN, () => false, NO_SESSIONS, list);
    await expect(sessions.redeem(signInCode(ADMIN))).rejects.toMatchObject(CLOSED);
  });
});

describe('console sign-outs on PostgreSQL, a failed write', () => {
  it('is logged as a failed write and not counted here either (the browser is told it failed, and may try again)', async () => {
    const gone = await PgJournal.open(await pg.fresh());
    await gone.close();
    const logged: unknown[] = [];
    const list = new JournalRevokedSessions(new PgDb(gone.pool), (_err, failed) => logged.push(failed));
    await expect(list.add('session-1', LATER)).rejects.toMatchObject(CLOSED);
    expect(logged).toEqual(['write']);
    expect(list.has('session-1')).toBe(false);
  });
});
