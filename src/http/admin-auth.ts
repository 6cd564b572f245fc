import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { clientAddress } from './client-address';
import { bearerToken, tokenMatches } from './token';
import { boundedBody, closeAfterResponse, hasBody } from './bounded-body';
import type { FailureLimiter } from './failure-limiter';
import { timingSafeEqual } from 'node:crypto';
import type { Role } from '../journal/users';
import type { SessionUser } from '../journal/console-sessions';
import { ADMIN_TOKEN_ACTOR, type Principal, principalOf, type SessionRef, setPrincipal } from './principal';

export type { SessionRef };

/** A console session found for a request: its CSRF token and whom it signs in (null: the admin token). */
export interface ConsoleSession extends SessionRef {
  csrf: string;
  user: SessionUser | null;
}

/** The console's sessions, as the admin routes check them. */
export interface SessionCheck {
  /** The request's session while it lasts; rejects when the journal cannot say. */
  session(req: Pick<Request, 'headers'>): Promise<ConsoleSession | undefined>;
  /** Whether the request carries a session cookie at all (one that ended is told to sign in again). */
  presented(req: Pick<Request, 'headers'>): boolean;
  /** Of these sessions, those that still last, with whom each signs in now (rejects when the journal cannot say). */
  lasting(sessions: readonly SessionRef[]): Promise<Map<string, SessionUser | null>>;
  /** Calls `fn` with the id of each session signed out here from now on; returns what stops that. */
  onSignOut(fn: (id: string) => void): () => void;
}

/** The request's session, read once however many checks ask (the guard, then the route). */
const asked = new WeakMap<object, Promise<ConsoleSession | undefined>>();
export function sessionOf(sessions: SessionCheck, req: Request): Promise<ConsoleSession | undefined> {
  let found = asked.get(req);
  if (!found) {
    found = sessions.session(req);
    asked.set(req, found);
  }
  return found;
}

/** Whether a change's `X-CSRF-Token` is its session's. */
export function csrfMatches(session: ConsoleSession, req: Pick<Request, 'headers'>): boolean {
  const header = req.headers['x-csrf-token'];
  if (typeof header !== 'string') return false;
  const a = Buffer.from(header);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Who a session acts as. */
export function sessionPrincipal(session: ConsoleSession): Principal {
  const ref = { id: session.id, expiresAt: session.expiresAt };
  const u = session.user;
  if (!u)
    return { actor: ADMIN_TOKEN_ACTOR, displayName: null, role: 'admin', stores: [], via: 'console', session: ref };
  return { actor: u.name, displayName: u.displayName, role: u.role, stores: u.stores, via: 'console', session: ref };
}

const TOKEN_PRINCIPAL: Principal = {
  actor: ADMIN_TOKEN_ACTOR,
  displayName: null,
  role: 'admin',
  stores: [],
  via: 'api',
};

/** What a user's API token looks like: anything else is not looked up. */
const USER_TOKEN = /^vbu_[A-Za-z0-9_-]{43}$/;

/**
 * Who a Bearer token acts as: the admin, a user (its API token, read once per request however
 * many checks ask), or nobody ('wrong'). Rejects when the journal cannot say.
 */
const bearerAsked = new WeakMap<object, Promise<Principal | 'wrong'>>();
export function bearerPrincipal(
  deps: Pick<AdminAuthDeps, 'adminToken' | 'userTokens'>,
  req: Request,
  presented: string,
): Promise<Principal | 'wrong'> {
  let found = bearerAsked.get(req);
  if (!found) {
    found = (async () => {
      if (deps.adminToken && tokenMatches(presented, deps.adminToken)) return TOKEN_PRINCIPAL;
      if (!deps.userTokens || !USER_TOKEN.test(presented)) return 'wrong';
      const user = await deps.userTokens.find(presented);
      return user
        ? { actor: user.name, displayName: user.displayName, role: user.role, stores: user.stores, via: 'api' }
        : 'wrong';
    })();
    bearerAsked.set(req, found);
  }
  return found;
}

/** The session a request was let in with by requireRole; undefined for the Bearer token. */
export function admittedSession(res: Response): SessionRef | undefined {
  return principalOf(res)?.session;
}

export interface AdminAuthDeps {
  adminToken: string | undefined;
  /** The console's sessions (absent: Bearer only). */
  sessions?: SessionCheck | undefined;
  /** Wrong tokens per address: five, and the address waits (absent: no limit). */
  limiter?: FailureLimiter | undefined;
  /** Told of each change (not GET, HEAD or OPTIONS) let in, and by whom: the audit trail. */
  onChangeAdmitted?: ((req: Request, res: Response, who: Principal) => void) | undefined;
  /** Users' API tokens (`users token`): a Bearer token other than the admin token acts as its user. */
  userTokens?: { find(token: string): Promise<SessionUser | undefined> } | undefined;
  /** The store of an alert, for routes that name an alert (a still) to check it is in scope. */
  alertStore?: ((alertId: string) => Promise<string | undefined>) | undefined;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const AUDITED = 'audited';

/** The answer when the journal could not say whether a session lasts. */
export const SESSION_UNCHECKED = 'your session could not be checked: the journal did not answer; try again in a moment';

/**
 * The admin routes' door: `Authorization: Bearer <BRIDGE_ADMIN_TOKEN>` (constant time; always
 * the admin role), or the console's session cookie, which must also carry its CSRF token in
 * `X-CSRF-Token` on anything that changes state, and whose user must hold one of `roles`.
 * 401/403 before the body is read, even from this host: a claim names a person. Who was let in
 * is left for the route (principalOf), which narrows what it answers to that person's stores.
 */
export function requireRole(deps: AdminAuthDeps, roles: readonly Role[]): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const refuse = (status: number, error: string) => {
      if (hasBody(req)) closeAfterResponse(res);
      res.status(status).json({ error });
    };
    const admitted = (p: Principal) => {
      setPrincipal(res, p);
      // Once per request, however many doors it passes.
      if (!SAFE.has(req.method) && !res.locals[AUDITED]) {
        res.locals[AUDITED] = true;
        deps.onChangeAdmitted?.(req, res, p);
      }
      next();
    };
    const token = deps.adminToken;
    if (!token) return refuse(401, 'set BRIDGE_ADMIN_TOKEN to use the admin routes');
    const presented = bearerToken(req.get('authorization'));
    if (presented !== undefined) {
      const address = clientAddress(req);
      const wait = deps.limiter?.blockedFor(address) ?? 0;
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        return refuse(429, `too many wrong admin tokens from this address: try again in ${wait} s`);
      }
      let who: Principal | 'wrong';
      try {
        who = await bearerPrincipal(deps, req, presented);
      } catch {
        return refuse(503, 'your token could not be checked: the journal did not answer; try again in a moment');
      }
      if (who === 'wrong') {
        deps.limiter?.failed(address);
        return refuse(401, 'wrong admin token');
      }
      if (!roles.includes(who.role))
        return refuse(
          403,
          `the token of ${who.actor} (${who.role}) cannot do this: it needs the ${roles.join(' or ')} role`,
        );
      return admitted(who);
    }
    let session: ConsoleSession | undefined;
    try {
      session = deps.sessions ? await sessionOf(deps.sessions, req) : undefined;
    } catch {
      return refuse(503, SESSION_UNCHECKED);
    }
    if (session) {
      if (!SAFE.has(req.method) && !csrfMatches(session, req)) return refuse(403, 'missing or wrong X-CSRF-Token');
      const p = sessionPrincipal(session);
      if (!roles.includes(p.role))
        return refuse(403, `signed in as ${p.actor} (${p.role}): this needs the ${roles.join(' or ')} role`);
      return admitted(p);
    }
    refuse(401, 'missing or wrong admin token (Authorization: Bearer <BRIDGE_ADMIN_TOKEN>)');
  };
}

/** requireRole for the admin alone: what the roles do not name is the admin's. */
export function requireAdmin(deps: AdminAuthDeps): RequestHandler {
  return requireRole(deps, ['admin']);
}

/** A small JSON object body for the admin routes: bounded, JSON only, an object. */
export function jsonObjectBody(maxBytes = 4 * 1024): RequestHandler[] {
  const refuse = (res: Response, status: number, error: string) => void res.status(status).json({ error });
  return [
    boundedBody(maxBytes, refuse),
    (req: Request, res: Response, next: NextFunction) => {
      if (!req.is('application/json')) return refuse(res, 415, 'Content-Type must be application/json');
      try {
        req.body = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
      } catch (err) {
        return refuse(res, 400, `malformed JSON: ${(err as Error).message}`);
      }
      if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body))
        return refuse(res, 400, 'body must be a JSON object');
      next();
    },
  ];
}
