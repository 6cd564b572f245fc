import type { Db } from './sql/db';

export const ROLES = ['admin', 'manager', 'store'] as const;
export type Role = (typeof ROLES)[number];

/** A person who signs in: a role, and the stores it covers (empty: every store). */
export interface User {
  name: string;
  displayName: string;
  role: Role;
  /** store_veesion_ids; empty for every store (an admin's is always empty). */
  stores: string[];
  createdAt: number;
  /** When the password was last set: sessions from before it are over. */
  passwordAt: number;
}

interface UserRow {
  name: string;
  display_name: string;
  role: string;
  stores_json: string;
  password_hash: string;
  password_at: number | string;
  created_at: number | string;
}

export class UserExists extends Error {}

/**
 * The users, in the journal the daemons share, so a user added on one host signs in on every
 * daemon. Only a hash of each password is kept (see console/passwords.ts); it leaves this store
 * only through `passwordHash`, for checking a sign-in.
 */
export class JournalUsers {
  constructor(private readonly db: Db) {}

  /** Adds a user; a name already taken is a UserExists (the database decides, across daemons too). */
  async add(user: User, passwordHash: string): Promise<void> {
    const added = await this.db.run(
      `INSERT INTO users (name, display_name, role, stores_json, password_hash, password_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
      [
        user.name,
        user.displayName,
        user.role,
        JSON.stringify(user.stores),
        passwordHash,
        user.passwordAt,
        user.createdAt,
      ],
    );
    if (added === 0) throw new UserExists(`a user named ${user.name} exists already`);
  }

  /** Every user, by name (sorted here, by code unit: the two servers' collations differ). */
  async list(): Promise<User[]> {
    const rows = await this.db.all<UserRow>(
      'SELECT name, display_name, role, stores_json, password_hash, password_at, created_at FROM users',
    );
    return rows.map(toUser).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async get(name: string): Promise<User | undefined> {
    const row = await this.db.get<UserRow>(
      'SELECT name, display_name, role, stores_json, password_hash, password_at, created_at FROM users WHERE name = ?',
      [name],
    );
    return row ? toUser(row) : undefined;
  }

  /** The stored hash of a user's password, for checking a sign-in. */
  async passwordHash(name: string): Promise<string | undefined> {
    const row = await this.db.get<{ password_hash: string }>('SELECT password_hash FROM users WHERE name = ?', [name]);
    return row?.password_hash;
  }

  /**
   * A person signed in through single sign-on, as the provider says now: added at the first
   * sign-in, their display name, role and stores replaced at each one. Their row has no password
   * (`!` matches no hash). False when the name belongs to a user with a password: that one is
   * never taken over.
   */
  async upsertSso(user: Omit<User, 'passwordAt'>): Promise<boolean> {
    const changed = await this.db.run(
      `INSERT INTO users (name, display_name, role, stores_json, password_hash, password_at, created_at)
       VALUES (?, ?, ?, ?, '!', ?, ?)
       ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
         stores_json = excluded.stores_json
       WHERE users.password_hash = '!'`,
      [user.name, user.displayName, user.role, JSON.stringify(user.stores), user.createdAt, user.createdAt],
    );
    return changed > 0;
  }

  /** Whether the user was there to remove. */
  async remove(name: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM users WHERE name = ?', [name])) > 0;
  }

  /** A new password, from `at` on; whether the user exists. */
  async setPassword(name: string, passwordHash: string, at: number): Promise<boolean> {
    return (
      (await this.db.run('UPDATE users SET password_hash = ?, password_at = ? WHERE name = ?', [
        passwordHash,
        at,
        name,
      ])) > 0
    );
  }
}

/** A row as the journal holds it: a role or store list this version cannot read is refused, not guessed. */
function toUser(row: UserRow): User {
  const role = ROLES.find((r) => r === row.role);
  const stores: unknown = JSON.parse(row.stores_json);
  if (!role || !Array.isArray(stores) || !stores.every((s) => typeof s === 'string'))
    throw new Error(`the journal's user ${row.name} has a role or store list this version cannot read`);
  return {
    name: row.name,
    displayName: row.display_name,
    role,
    stores,
    createdAt: Number(row.created_at),
    passwordAt: Number(row.password_at),
  };
}
