import { createHash } from 'node:crypto';
import type { Db } from './sql/db';
import { type SessionUser, userOfRow } from './console-sessions';

/** One of a user's API tokens as listed: never the token, which is shown once when made. */
export interface UserToken {
  /** Its public name: the first characters of the token's hash, for `--revoke`. */
  id: string;
  userName: string;
  label: string;
  createdAt: number;
}

/** A token's key in the journal: a hash, so a copy of the journal lets nobody in. */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** How much of the key names a token in lists and `--revoke`. */
const SHOWN = 12;

/**
 * Users' API tokens, for automation, in the journal the daemons share. A token acts as its user,
 * with the user's role and stores as they are when it is used; it lasts until revoked or the
 * user is removed (a new password leaves it alone: it is a credential of its own).
 */
export class JournalUserTokens {
  constructor(private readonly db: Db) {}

  async add(token: string, userName: string, label: string, at: number): Promise<UserToken> {
    const key = tokenKey(token);
    await this.db.run('INSERT INTO user_tokens (id, user_name, label, created_at) VALUES (?, ?, ?, ?)', [
      key,
      userName,
      label,
      at,
    ]);
    return { id: key.slice(0, SHOWN), userName, label, createdAt: at };
  }

  /**
   * The user a presented token acts as, while both last. A token made before its user was
   * (the name removed and given again) acts as nobody.
   */
  async find(token: string): Promise<SessionUser | undefined> {
    const row = await this.db.get<{
      user_name: string;
      display_name: string;
      role: string;
      stores_json: string;
    }>(
      `SELECT u.name AS user_name, u.display_name, u.role, u.stores_json
         FROM user_tokens t JOIN users u ON u.name = t.user_name
        WHERE t.id = ? AND t.created_at >= u.created_at`,
      [tokenKey(token)],
    );
    return row ? userOfRow(row) : undefined;
  }

  /** A user's tokens, oldest first. */
  async list(userName: string): Promise<UserToken[]> {
    const rows = await this.db.all<{ id: string; user_name: string; label: string; created_at: number | string }>(
      'SELECT id, user_name, label, created_at FROM user_tokens WHERE user_name = ?',
      [userName],
    );
    return rows
      .map((r) => ({
        id: r.id.slice(0, SHOWN),
        userName: r.user_name,
        label: r.label,
        createdAt: Number(r.created_at),
      }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** Revokes the user's token named by `id` (as listed); whether there was one. */
  async revoke(userName: string, id: string): Promise<boolean> {
    if (!/^[0-9a-f]{12}$/.test(id)) return false;
    return (
      (await this.db.run('DELETE FROM user_tokens WHERE user_name = ? AND substr(id, 1, 12) = ?', [userName, id])) > 0
    );
  }

  /** A removed user's tokens go with them. */
  async removeAll(userName: string): Promise<number> {
    return this.db.run('DELETE FROM user_tokens WHERE user_name = ?', [userName]);
  }
}
