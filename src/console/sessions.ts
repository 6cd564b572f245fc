import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { SessionCheck, SessionRef } from '../http/admin-auth';
import type { RevokedSessions } from '../journal/revoked-sessions';

export const SESSION_COOKIE = 'vb_console';
/** A session lasts this long from sign-in. */
export const SESSION_MS = 12 * 3_600_000;
/** A sign-in link (demo --keep-running prints one) works once, and only this long after it was made. */
export const SIGN_IN_LINK_MS = 3_600_000;

/** The key sessions and sign-in links are signed with, derived from BRIDGE_ADMIN_TOKEN. */
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

/**
 * The console's sessions, signed rather than stored: the cookie is `<id>.<expiresAt>.<mac>`,
 * the MAC keyed with a key derived from BRIDGE_ADMIN_TOKEN, so a session survives a daemon
 * restart (the page recovers by itself) and ends when the token changes. The CSRF token is a
 * second MAC of the session id. Sign-out revokes the id in the journal (until the session
 * would have expired), so it stays signed out across restarts and on every daemon sharing it;
 * a sign-out or a sign-in code the journal could not record fails (the write's error).
 */
export class ConsoleSessions implements SessionCheck {
  private readonly key: Buffer;
  /** Told of each sign-out here, so what the session opened (its change streams) ends with it. */
  private readonly signOutListeners = new Set<(id: string) => void>();

  constructor(
    adminToken: string,
    private readonly secure: () => boolean,
    /** Signed-out session ids, kept until they would have expired (the journal's console_revoked). */
    private readonly revoked: RevokedSessions,
    private readonly now: () => number = Date.now,
  ) {
    this.key = sessionKey(adminToken);
  }

  /**
   * Spends a sign-in code made by signInCode: true once for a code of this token not yet
   * expired. Spent codes are kept with the signed-out sessions (until they would have expired),
   * so a code used once stays refused after a restart too. Whether this call spent it is the
   * journal's answer, not this daemon's memory: two daemons handed the same code at once do
   * not both let it in. Rejects when the journal could not record it.
   */
  async redeem(code: string): Promise<boolean> {
    const m = /^([A-Za-z0-9_-]{24})\.(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(code);
    if (!m || !equal(m[3] as string, this.mac(`link.${m[1]}.${m[2]}`))) return false;
    const expiresAt = Number(m[2]);
    const spent = `link.${m[1]}`;
    if (expiresAt <= this.now() || this.revoked.has(spent)) return false;
    return this.revoked.add(spent, expiresAt);
  }

  /** A new session: its cookie header value and its CSRF token. */
  create(): { cookie: string; csrf: string } {
    const id = randomBytes(18).toString('base64url');
    const expiresAt = this.now() + SESSION_MS;
    const value = `${id}.${expiresAt}.${this.mac(`${id}.${expiresAt}`)}`;
    return { cookie: this.cookieHeader(value, SESSION_MS / 1000), csrf: this.csrfFor(id) };
  }

  /** The Set-Cookie value that ends the session in the browser. */
  clearCookie(): string {
    return this.cookieHeader('', 0);
  }

  valid(req: Pick<Request, 'headers'>): boolean {
    return this.sessionId(req) !== undefined;
  }

  csrfMatches(req: Pick<Request, 'headers'>): boolean {
    const id = this.sessionId(req);
    const header = req.headers['x-csrf-token'];
    const presented = typeof header === 'string' ? header : undefined;
    return id !== undefined && presented !== undefined && equal(presented, this.csrfFor(id));
  }

  /** The CSRF token of the request's session, or undefined when it has none. */
  csrf(req: Pick<Request, 'headers'>): string | undefined {
    const id = this.sessionId(req);
    return id === undefined ? undefined : this.csrfFor(id);
  }

  /** Signs the request's session out; rejects, the session still valid, when the journal could not record it. */
  async revoke(req: Pick<Request, 'headers'>): Promise<void> {
    const parsed = this.parse(req);
    if (!parsed) return;
    await this.revoked.add(parsed.id, parsed.expiresAt);
    for (const fn of [...this.signOutListeners]) fn(parsed.id);
  }

  session(req: Pick<Request, 'headers'>): SessionRef | undefined {
    const parsed = this.parse(req);
    if (!parsed || this.expired(parsed) || this.revoked.has(parsed.id)) return undefined;
    return parsed;
  }

  expired(session: SessionRef): boolean {
    return session.expiresAt <= this.now();
  }

  onSignOut(fn: (id: string) => void): () => void {
    this.signOutListeners.add(fn);
    return () => this.signOutListeners.delete(fn);
  }

  private sessionId(req: Pick<Request, 'headers'>): string | undefined {
    return this.session(req)?.id;
  }

  private parse(req: Pick<Request, 'headers'>): SessionRef | undefined {
    const value = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const m = value ? /^([A-Za-z0-9_-]{24})\.(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
    if (!m || !equal(m[3] as string, this.mac(`${m[1]}.${m[2]}`))) return undefined;
    return { id: m[1] as string, expiresAt: Number(m[2]) };
  }

  private csrfFor(id: string): string {
    return this.mac(`csrf.${id}`);
  }

  private mac(text: string): string {
    return macWith(this.key, text);
  }

  private cookieHeader(value: string, maxAgeS: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${this.secure() ? '; Secure' : ''}`;
  }
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
