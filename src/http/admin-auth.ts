import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { clientAddress } from './client-address';
import { bearerToken, tokenMatches } from './token';
import { boundedBody, closeAfterResponse, hasBody } from './bounded-body';
import type { FailureLimiter } from './failure-limiter';

/** One console session, as its cookie names it. */
export interface SessionRef {
  id: string;
  expiresAt: number;
}

/** A console session (cookie), as the admin routes check it. */
export interface SessionCheck {
  /** Whether the request carries a valid, unexpired session cookie. */
  valid(req: Pick<Request, 'headers'>): boolean;
  /** Whether the request's CSRF header matches its session. */
  csrfMatches(req: Pick<Request, 'headers'>): boolean;
  /** The request's valid session, or undefined when it has none. */
  session(req: Pick<Request, 'headers'>): SessionRef | undefined;
  /** Whether a session's time is up (by the sessions' own clock). */
  expired(session: SessionRef): boolean;
  /** Calls `fn` with the id of each session signed out from now on; returns what stops that. */
  onSignOut(fn: (id: string) => void): () => void;
}

/** Where requireAdmin leaves the session it let a request in with. */
const ADMITTED = 'consoleSession';

/** The session a request was let in with by requireAdmin; undefined for the Bearer token. */
export function admittedSession(res: Response): SessionRef | undefined {
  return res.locals[ADMITTED] as SessionRef | undefined;
}

export interface AdminAuthDeps {
  adminToken: string | undefined;
  /** The console's sessions (absent: Bearer only). */
  sessions?: SessionCheck | undefined;
  /** Wrong tokens per address: five, and the address waits (absent: no limit). */
  limiter?: FailureLimiter | undefined;
  /** Told of each change (not GET, HEAD or OPTIONS) let in, and how: the audit trail. */
  onChangeAdmitted?: ((req: Request, res: Response, by: 'token' | 'session') => void) | undefined;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The admin routes' door: `Authorization: Bearer <BRIDGE_ADMIN_TOKEN>`
 * (constant time), or the console's session cookie, which must also carry its CSRF token in
 * `X-CSRF-Token` on anything that changes state. 401/403 before the body is read, even from
 * this host: a claim names a person.
 */
export function requireAdmin(deps: AdminAuthDeps): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const refuse = (status: number, error: string) => {
      if (hasBody(req)) closeAfterResponse(res);
      res.status(status).json({ error });
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
      if (tokenMatches(presented, token)) {
        if (!SAFE.has(req.method)) deps.onChangeAdmitted?.(req, res, 'token');
        return next();
      }
      deps.limiter?.failed(address);
      return refuse(401, 'wrong admin token');
    }
    const session = deps.sessions?.session(req);
    if (session) {
      if (!SAFE.has(req.method) && !deps.sessions?.csrfMatches(req))
        return refuse(403, 'missing or wrong X-CSRF-Token');
      // Kept for what outlives the request's check: a change stream ends with its session.
      res.locals[ADMITTED] = session;
      if (!SAFE.has(req.method)) deps.onChangeAdmitted?.(req, res, 'session');
      return next();
    }
    refuse(401, 'missing or wrong admin token (Authorization: Bearer <BRIDGE_ADMIN_TOKEN>)');
  };
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
