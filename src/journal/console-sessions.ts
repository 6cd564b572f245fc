import { ROLES, type Role } from './users';
import type { Db } from './sql/db';

/** Who a session signs in: a user as the journal holds it now, or nobody (the admin token). */
export interface SessionUser {
  name: string;
  displayName: string;
  role: Role;
  /** store_veesion_ids; empty for every store. */
  stores: string[];
}

/** A session row as the console's sessions see it, its user's role and stores read with it. */
export interface SessionFound {
  id: string;
  csrf: string;
  expiresAt: number;
  /** null: signed in with the admin token. */
  user: SessionUser | null;
  /** The admin token's mark it was made with (sessions without a user only). */
  tokenMark: string | null;
}

interface Row {
  id: string;
  user_name: string | null;
  token_mark: string | null;
  csrf: string;
  created_at: number | string;
  expires_at: number | string;
  display_name: string | null;
  role: string | null;
  stores_json: string | null;
  password_at: number | string | null;
}

/**
 * The console's sessions, in the journal the daemons share: each request's session is read from
 * it, so a sign-in made on one daemon works on all at once, and a sign-out, a removed user or a
 * changed password ends the session on all at once. The user's role and stores are read with the
 * session, so a change to them applies at the next request.
 */
export class JournalSessions {
  constructor(private readonly db: Db) {}

  async add(s: {
    id: string;
    userName: string | null;
    tokenMark: string | null;
    csrf: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    await this.db.run(
      'INSERT INTO console_sessions (id, user_name, token_mark, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      [s.id, s.userName, s.tokenMark, s.csrf, s.createdAt, s.expiresAt],
    );
  }

  /**
   * The session `id` while it lasts: not expired, its user still there, and not begun before
   * the user's password was last set (a new password ends the sessions made with the old one).
   */
  async find(id: string, now: number): Promise<SessionFound | undefined> {
    const row = await this.db.get<Row>(
      `SELECT s.id, s.user_name, s.token_mark, s.csrf, s.created_at, s.expires_at,
              u.display_name, u.role, u.stores_json, u.password_at
         FROM console_sessions s LEFT JOIN users u ON u.name = s.user_name
        WHERE s.id = ? AND s.expires_at > ?`,
      [id, now],
    );
    return row ? lasting(row) : undefined;
  }

  /** Of these sessions, those that still last, each with whom it signs in now (one read for every stream a daemon serves). */
  async lasting(ids: readonly string[], now: number): Promise<Map<string, SessionUser | null>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.all<Row>(
      `SELECT s.id, s.user_name, s.token_mark, s.csrf, s.created_at, s.expires_at,
              u.display_name, u.role, u.stores_json, u.password_at
         FROM console_sessions s LEFT JOIN users u ON u.name = s.user_name
        WHERE s.expires_at > ? AND s.id IN (${ids.map(() => '?').join(', ')})`,
      [now, ...ids],
    );
    const out = new Map<string, SessionUser | null>();
    for (const r of rows) {
      const found = lasting(r);
      if (found) out.set(r.id, found.user);
    }
    return out;
  }

  /** Ends a session; whether it was there. */
  async remove(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM console_sessions WHERE id = ?', [id])) > 0;
  }

  /** Housekeeping: sessions over. */
  async pruneExpired(now: number): Promise<number> {
    return this.db.run('DELETE FROM console_sessions WHERE expires_at <= ?', [now]);
  }
}

function lasting(row: Row): SessionFound | undefined {
  const base = { id: row.id, csrf: row.csrf, expiresAt: Number(row.expires_at), tokenMark: row.token_mark };
  if (row.user_name === null) return { ...base, user: null };
  // Removed, or signed in before the password was changed.
  if (row.role === null || row.password_at === null || Number(row.password_at) > Number(row.created_at))
    return undefined;
  const user = userOfRow({
    user_name: row.user_name,
    display_name: row.display_name ?? row.user_name,
    role: row.role,
    stores_json: row.stores_json ?? 'null',
  });
  return user && { ...base, user };
}

/** A user as a session or a token acts as it; a role or a store list this version cannot read lets nobody in. */
export function userOfRow(row: {
  user_name: string;
  display_name: string;
  role: string;
  stores_json: string;
}): SessionUser | undefined {
  const role = ROLES.find((r) => r === row.role);
  let stores: unknown;
  try {
    stores = JSON.parse(row.stores_json);
  } catch {
    return undefined;
  }
  if (!role || !Array.isArray(stores) || !stores.every((s) => typeof s === 'string')) return undefined;
  return { name: row.user_name, displayName: row.display_name, role, stores };
}
