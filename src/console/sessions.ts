import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { ConsoleSession, SessionCheck, SessionRef } from '../http/admin-auth';
import type { JournalSessions, SessionUser } from '../journal/console-sessions';
import type { RevokedSessions } from '../journal/revoked-sessions';

export const SESSION_COOKIE = 'vb_console';
/** A session lasts this long from sign-in. */
export const SESSION_MS = 12 * 3_600_000;
/** A sign-in link (demo --keep-running prints one) works once, and only this long after it was made. */
export const SIGN_IN_LINK_MS = 3_600_000;

/** The key sign-in links are signed with (and the token's mark made), derived from BRIDGE_ADMIN_TOKEN. */
function sessionKey(adminToken: string): Buffer {
  return createHmac('sha256', Buffer.from(adminToken, 'utf8')).update('veesion-bridge console session v1').digest();
}

const macWith = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url');

/**
 * A one-time sign-in code, `<nonce>.<expiresAt>.<mac>`, for whoever holds the admin token to
 * hand to a browser: it carries no part of the token, so the link it goes into gives nothing
 * away once used, and it is refused after SIGN_IN_LINK_MS.
 */
export function signInCode(adminToken: string, now: number = Date.now()): string {
  const nonce = randomBytes(18).toString('base64url');
  const expiresAt = now + SIGN_IN_LINK_MS;
  return `${nonce}.${expiresAt}.${macWith(sessionKey(adminToken), `link.${nonce}.${expiresAt}`)}`;
}

/** What ConsoleSessions keeps its sessions in (the journal's console_sessions). */
export type SessionStore = Pick<JournalSessions, 'add' | 'find' | 'lasting' | 'remove'>;

/**
 * The console's sessions, as rows in the journal the daemons share: the cookie holds a random
 * secret, the journal a hash of it with whom it signs in, so any daemon knows a session made on
 * another at once, and a sign-out ends it on all of them at once. The CSRF token is a second
 * random value kept with it. A session lasts a shift (SESSION_MS); one signed in with the admin
 * token carries a mark of that token and ends when the token changes; a user's ends when the
 * user is removed or the password is changed. A sign-in or sign-out the journal could not
 * record fails (the write's error).
 */
export class ConsoleSessions implements SessionCheck {
  private readonly key: Buffer;
  /** A one-way mark of the admin token, kept with the sessions it signed in. */
  private readonly tokenMark: string;
  /** Told of each sign-out here, so what the session opened (its change streams) ends with it. */
  private readonly signOutListeners = new Set<(id: string) => void>();

  constructor(
    adminToken: string,
    private readonly secure: () => boolean,
    private readonly store: SessionStore,
    /** Spent sign-in codes, kept until they would have expired (the journal's console_revoked). */
    private readonly spent: RevokedSessions,
    private readonly now: () => number = Date.now,
  ) {
    this.key = sessionKey(adminToken);
    this.tokenMark = macWith(this.key, 'token mark');
  }

  /**
   * Spends a sign-in code made by signInCode: true once for a code of this token not yet
   * expired. Spent codes are kept in the journal until they would have expired, so a code used
   * once stays refused after a restart too. Whether this call spent it is the journal's answer,
   * not this daemon's memory: two daemons handed the same code at once do not both let it in.
   * Rejects when the journal could not record it.
   */
  async redeem(code: string): Promise<boolean> {
    const m = /^([A-Za-z0-9_-]{24})\.(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(code);
    if (!m || !equal(m[3] as string, macWith(this.key, `link.${m[1]}.${m[2]}`))) return false;
    const expiresAt = Number(m[2]);
    const spent = `link.${m[1]}`;
    if (expiresAt <= this.now() || this.spent.has(spent)) return false;
    return this.spent.add(spent, expiresAt);
  }

  /** A new session for a user, or for the admin token (null): its cookie header value and its CSRF token. */
  async create(user: SessionUser | null): Promise<{ cookie: string; csrf: string }> {
    const secret = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const createdAt = this.now();
    await this.store.add({
      id: idOf(secret),
      userName: user?.name ?? null,
      tokenMark: user ? null : this.tokenMark,
      csrf,
      createdAt,
      expiresAt: createdAt + SESSION_MS,
    });
    return { cookie: this.cookieHeader(secret, SESSION_MS / 1000), csrf };
  }

  /** The Set-Cookie value that ends the session in the browser. */
  clearCookie(): string {
    return this.cookieHeader('', 0);
  }

  async session(req: Pick<Request, 'headers'>): Promise<ConsoleSession | undefined> {
    const secret = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!secret || !SECRET.test(secret)) return undefined;
    const found = await this.store.find(idOf(secret), this.now());
    if (!found) return undefined;
    if (found.user === null && (found.tokenMark === null || !equal(found.tokenMark, this.tokenMark))) return undefined;
    return { id: found.id, expiresAt: found.expiresAt, csrf: found.csrf, user: found.user };
  }

  presented(req: Pick<Request, 'headers'>): boolean {
    return cookieValue(req.headers.cookie, SESSION_COOKIE) !== undefined;
  }

  lasting(sessions: readonly SessionRef[]): Promise<Map<string, SessionUser | null>> {
    return this.store.lasting(
      sessions.map((s) => s.id),
      this.now(),
    );
  }

  /** Signs the request's session out; rejects, the session still valid, when the journal could not record it. */
  async revoke(req: Pick<Request, 'headers'>): Promise<void> {
    const session = await this.session(req);
    if (!session) return;
    await this.store.remove(session.id);
    for (const fn of [...this.signOutListeners]) fn(session.id);
  }

  /** `value` as JSON, sealed with the token's key until `ttlMs` from now: what a browser carries and must not change. */
  seal(value: unknown, ttlMs: number): string {
    const body = Buffer.from(JSON.stringify(value)).toString('base64url');
    const until = this.now() + ttlMs;
    return `${body}.${until}.${macWith(this.key, `seal.${body}.${until}`)}`;
  }

  /** What seal() sealed, while it lasts; undefined for anything else. */
  open(sealed: string): unknown {
    const m = /^([A-Za-z0-9_-]{1,4096})\.(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(sealed);
    if (!m || !equal(m[3] as string, macWith(this.key, `seal.${m[1]}.${m[2]}`)) || Number(m[2]) <= this.now())
      return undefined;
    try {
      return JSON.parse(Buffer.from(m[1] as string, 'base64url').toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }

  onSignOut(fn: (id: string) => void): () => void {
    this.signOutListeners.add(fn);
    return () => this.signOutListeners.delete(fn);
  }

  private cookieHeader(value: string, maxAgeS: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${this.secure() ? '; Secure' : ''}`;
  }
}

/** A session cookie's secret: 32 random bytes. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/** The journal's id of a session: a hash of its secret, so a copy of the journal signs nobody in. */
function idOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** One cookie's value from a Cookie header (no library needed for one name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
