import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrateJournal } from '../../../src/journal/schema';
import { migratePg } from '../../../src/journal/pg/pg-schema';
import { openPgPool } from '../../../src/journal/pg/pg-pool';
import { PgDb } from '../../../src/journal/sql/pg-db';
import { SqliteDb } from '../../../src/journal/sql/sqlite-db';
import type { Db } from '../../../src/journal/sql/db';
import { JournalUsers, type User } from '../../../src/journal/users';
import { JournalAudit } from '../../../src/journal/audit';
import { JournalSessions } from '../../../src/journal/console-sessions';
import { JournalUserTokens } from '../../../src/journal/user-tokens';
import { tempDir } from '../../helpers/paths';
import { usePostgres } from '../../helpers/postgres';

/** The users in the journal, the same tests on both databases, each migrated as the daemon does. */
const pg = usePostgres();

const implementations: [string, () => Promise<{ db: Db; close(): Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const file = join(tempDir(), 'journal.sqlite');
      const sqlite = new Database(file);
      migrateJournal(sqlite, file);
      return { db: new SqliteDb(sqlite), close: async () => void sqlite.close() };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const pool = openPgPool(await pg.fresh(), { max: 2 });
      await migratePg(pool, 'test');
      return { db: new PgDb(pool), close: () => pool.end() };
    },
  ],
];

const user = (name: string, more: Partial<User> = {}): User => ({
  name,
  displayName: name,
  role: 'store',
  stores: ['store-a'],
  createdAt: 1000,
  passwordAt: 1000,
  ...more,
});

describe.each(implementations)('on %s', (_name, open) => {
  let s: Awaited<ReturnType<typeof open>>;
  beforeEach(async () => {
    s = await open();
  });
  afterEach(() => s.close());

  describe('the users', () => {
    it('adds users once each, lists them by name with role and stores, and keeps the hash apart', async () => {
      const users = new JournalUsers(s.db);
      await users.add(user('zoe', { role: 'manager', stores: [], displayName: 'Zoë (LP)' }), 'hash-z');
      await users.add(user('anna', { stores: ['store-a', 'store-b'] }), 'hash-a');
      await users.add(user('Bob', { role: 'admin', stores: [] }), 'hash-b');
      await expect(users.add(user('anna'), 'other')).rejects.toThrow('a user named anna exists already');
      // By code unit on both servers: upper case before lower, whatever the collation.
      expect((await users.list()).map((u) => [u.name, u.role, u.stores, u.displayName])).toEqual([
        ['Bob', 'admin', [], 'Bob'],
        ['anna', 'store', ['store-a', 'store-b'], 'anna'],
        ['zoe', 'manager', [], 'Zoë (LP)'],
      ]);
      expect(await users.get('anna')).toEqual(user('anna', { stores: ['store-a', 'store-b'] }));
      expect(JSON.stringify(await users.list())).not.toContain('hash-');
      expect(await users.passwordHash('anna')).toBe('hash-a');
      expect(await users.passwordHash('nobody')).toBeUndefined();
    });

    it('a new password replaces the hash and moves the password time; a removed user is gone', async () => {
      const users = new JournalUsers(s.db);
      await users.add(user('anna'), 'hash-1');
      expect(await users.setPassword('anna', 'hash-2', 5000)).toBe(true);
      expect(await users.setPassword('nobody', 'hash-2', 5000)).toBe(false);
      expect(await users.passwordHash('anna')).toBe('hash-2');
      expect((await users.get('anna'))?.passwordAt).toBe(5000);
      expect(await users.remove('anna')).toBe(true);
      expect(await users.remove('anna')).toBe(false);
      expect(await users.get('anna')).toBeUndefined();
      expect(await users.list()).toEqual([]);
    });

    it('a row with a role this version does not know is refused, not taken for another role', async () => {
      await s.db.run(
        "INSERT INTO users (name, display_name, role, stores_json, password_hash, password_at, created_at) VALUES ('x', 'x', 'owner', '[]', 'h', 1, 1)",
      );
      await expect(new JournalUsers(s.db).get('x')).rejects.toThrow(/user x has a role or store list/);
    });
  });

  describe('the audit trail', () => {
    it('keeps entries in the order written, reads them since a time (the newest when limited), and drops the old ones', async () => {
      const audit = new JournalAudit(s.db);
      const entry = (at: number, action: string) => ({
        at,
        actor: 'anna',
        via: 'cli' as const,
        address: 'pbx-1',
        action,
        target: 'inc_1',
        detail: { by: 'Anna', n: at },
      });
      // Written out of time order (two daemons' clocks): read back in the order written.
      await audit.record(entry(2000, 'claim'));
      await audit.record(entry(1000, 'silence'));
      await audit.record(entry(3000, 'resolve'));
      const all = await audit.since(0);
      expect(all.map((e) => [e.action, e.at])).toEqual([
        ['claim', 2000],
        ['silence', 1000],
        ['resolve', 3000],
      ]);
      expect(all[0]).toMatchObject({
        actor: 'anna',
        via: 'cli',
        address: 'pbx-1',
        target: 'inc_1',
        detail: { by: 'Anna', n: 2000 },
      });
      expect((await audit.since(2000)).map((e) => e.action)).toEqual(['claim', 'resolve']);
      expect((await audit.since(0, 2)).map((e) => e.action)).toEqual(['silence', 'resolve']);
      expect(await audit.prune(2500)).toBe(2);
      expect((await audit.since(0)).map((e) => e.action)).toEqual(['resolve']);
    });
  });

  describe('the console sessions', () => {
    const session = (id: string, userName: string | null, more: { createdAt?: number; expiresAt?: number } = {}) => ({
      id,
      userName,
      tokenMark: userName === null ? 'mark-1' : null,
      csrf: `csrf-${id}`,
      createdAt: more.createdAt ?? 2000,
      expiresAt: more.expiresAt ?? 50_000,
    });

    it("reads a user's session with the user's role and stores as they are now, and a token's with its mark", async () => {
      const users = new JournalUsers(s.db);
      const sessions = new JournalSessions(s.db);
      await users.add(user('anna', { displayName: 'Anna R.', stores: ['store-a', 'store-b'] }), 'hash-a');
      await sessions.add(session('s-anna', 'anna'));
      await sessions.add(session('s-token', null));
      expect(await sessions.find('s-anna', 3000)).toEqual({
        id: 's-anna',
        csrf: 'csrf-s-anna',
        expiresAt: 50_000,
        tokenMark: null,
        user: { name: 'anna', displayName: 'Anna R.', role: 'store', stores: ['store-a', 'store-b'] },
      });
      expect(await sessions.find('s-token', 3000)).toMatchObject({ user: null, tokenMark: 'mark-1' });
      expect(await sessions.find('s-nobody', 3000)).toBeUndefined();
      // Over at its expiry.
      expect(await sessions.find('s-anna', 50_000)).toBeUndefined();
    });

    it("ends a user's sessions begun before the password was set again, and all of them when the user goes", async () => {
      const users = new JournalUsers(s.db);
      const sessions = new JournalSessions(s.db);
      await users.add(user('anna'), 'hash-a');
      await users.add(user('ben'), 'hash-b');
      await sessions.add(session('s-old', 'anna', { createdAt: 2000 }));
      await sessions.add(session('s-ben', 'ben'));
      await sessions.add(session('s-token', null));
      expect(await users.setPassword('anna', 'hash-a2', 2500)).toBe(true);
      await sessions.add(session('s-new', 'anna', { createdAt: 2600 }));
      expect(await sessions.find('s-old', 3000)).toBeUndefined();
      expect(await sessions.find('s-new', 3000)).toMatchObject({ user: { name: 'anna' } });
      const lasting = await sessions.lasting(['s-old', 's-new', 's-ben', 's-token', 's-gone'], 3000);
      expect(lasting.get('s-new')).toMatchObject({ name: 'anna' });
      expect(lasting.get('s-token')).toBeNull();
      expect([...lasting.keys()].sort()).toEqual(['s-ben', 's-new', 's-token']);
      expect(await users.remove('ben')).toBe(true);
      expect(await sessions.find('s-ben', 3000)).toBeUndefined();
      expect(await sessions.remove('s-new')).toBe(true);
      expect(await sessions.remove('s-new')).toBe(false);
      expect([...(await sessions.lasting(['s-new', 's-token'], 3000)).keys()]).toEqual(['s-token']);
      expect(await sessions.lasting([], 3000)).toEqual(new Map());
    });

    it('lets nobody in on a user row this version cannot read', async () => {
      const sessions = new JournalSessions(s.db);
      await s.db.run(
        'INSERT INTO users (name, display_name, role, stores_json, password_hash, password_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ['odd', 'Odd', 'superuser', '[]', 'h', 1000, 1000],
      );
      await sessions.add(session('s-odd', 'odd'));
      expect(await sessions.find('s-odd', 3000)).toBeUndefined();
    });
  });

  describe('the people single sign-on adds', () => {
    it('adds them at their first sign-in, follows their provider at each one, and never takes over a user with a password', async () => {
      const users = new JournalUsers(s.db);
      const sso = { name: 'sso:abc', displayName: 'Anna', role: 'store' as const, stores: ['s1'], createdAt: 5000 };
      expect(await users.upsertSso(sso)).toBe(true);
      expect(await users.get('sso:abc')).toMatchObject({
        displayName: 'Anna',
        role: 'store',
        stores: ['s1'],
        passwordAt: 5000,
      });
      expect(
        await users.upsertSso({ ...sso, displayName: 'Anna R.', role: 'manager', stores: [], createdAt: 9000 }),
      ).toBe(true);
      // Sessions begun since the first sign-in go on: the password time does not move.
      expect(await users.get('sso:abc')).toMatchObject({
        displayName: 'Anna R.',
        role: 'manager',
        stores: [],
        passwordAt: 5000,
      });
      // Nobody signs in with a password as them.
      expect(await users.passwordHash('sso:abc')).toBe('!');
      await users.add(user('sso:local', { role: 'store' }), 'a-real-hash');
      expect(await users.upsertSso({ ...sso, name: 'sso:local', role: 'admin', stores: [] })).toBe(false);
      expect(await users.get('sso:local')).toMatchObject({ role: 'store' });
    });
  });

  describe("the users' API tokens", () => {
    it('acts as its user as the user is now, lists and revokes by id, and goes with the user', async () => {
      const users = new JournalUsers(s.db);
      const tokens = new JournalUserTokens(s.db);
      await users.add(user('anna', { role: 'manager', stores: ['store-a'], displayName: 'Anna R.' }), 'hash-a');
      const first = await tokens.add('vbu_first-token', 'anna', 'reports', 1000);
      const second = await tokens.add('vbu_second-token', 'anna', '', 2000);
      expect(first.id).toMatch(/^[0-9a-f]{12}$/);
      expect(first.id).not.toBe(second.id);
      expect(await tokens.find('vbu_first-token')).toEqual({
        name: 'anna',
        displayName: 'Anna R.',
        role: 'manager',
        stores: ['store-a'],
      });
      expect(await tokens.find('vbu_not-a-token')).toBeUndefined();
      expect(await tokens.list('anna')).toEqual([first, second]);
      expect(await tokens.revoke('anna', first.id)).toBe(true);
      expect(await tokens.revoke('anna', first.id)).toBe(false);
      expect(await tokens.revoke('anna', 'not-an-id')).toBe(false);
      expect(await tokens.find('vbu_first-token')).toBeUndefined();
      expect(await tokens.find('vbu_second-token')).toMatchObject({ name: 'anna' });
      // Only a hash is kept.
      expect(JSON.stringify(await s.db.all('SELECT * FROM user_tokens'))).not.toContain('second-token');
      await users.remove('anna');
      expect(await tokens.find('vbu_second-token')).toBeUndefined();
      // The name given again, to someone else: the old token does not act as them.
      await users.add(user('anna', { role: 'admin', stores: [], createdAt: 3000, passwordAt: 3000 }), 'hash-new');
      expect(await tokens.find('vbu_second-token')).toBeUndefined();
      expect(await tokens.removeAll('anna')).toBe(1);
    });
  });
});
