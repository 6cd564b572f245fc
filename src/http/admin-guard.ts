import type { Request, Response, NextFunction } from 'express';
import { clientAddress } from './client-address';
import { bearerToken, tokenMatches } from './token';
import { closeAfterResponse, hasBody } from './bounded-body';
import { ALERT_PATH } from './ingress';
import {
  type AdminAuthDeps,
  type ConsoleSession,
  type SessionCheck,
  SESSION_UNCHECKED,
  bearerPrincipal,
  sessionOf,
  sessionPrincipal,
} from './admin-auth';
import type { FailureLimiter } from './failure-limiter';

/**
 * Paths open to anyone who can reach the listener, each with its own authentication: the
 * liveness probe, the Veesion alert path (the hook token) and the Wildix events (x-signature).
 */
export const PUBLIC_PATHS: readonly string[] = ['/healthz', ALERT_PATH, '/api/v1/wildix/events'];

/** Headers a reverse proxy adds: such a request came from elsewhere, whatever its socket says. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (a dual-stack listener's view of 127.0.0.1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

/** A request made on this host directly, not relayed by a proxy that runs here. */
export function fromLoopbackDirectly(req: Pick<Request, 'headers' | 'socket'>): boolean {
  return isLoopbackAddress(req.socket.remoteAddress) && PROXY_HEADERS.every((h) => req.headers[h] === undefined);
}

/** The console's page, assets and sign-in: open to reach, guarded by the sign-in itself. */
function isConsolePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/');
}

/** Why an admin request is refused, or undefined when it may pass (a console session aside). */
export function adminRefusal(
  req: Pick<Request, 'headers' | 'socket'>,
  adminToken: string | undefined,
): string | undefined {
  if (fromLoopbackDirectly(req)) return undefined;
  const presented = bearerToken(req.headers.authorization);
  if (!adminToken)
    return 'admin routes answer only on this host (127.0.0.1 or ::1, not through a proxy); set BRIDGE_ADMIN_TOKEN to reach them from elsewhere';
  if (presented === undefined)
    return 'admin routes need Authorization: Bearer <BRIDGE_ADMIN_TOKEN> from outside this host';
  return tokenMatches(presented, adminToken) ? undefined : 'wrong admin token';
}

/**
 * Guards everything but PUBLIC_PATHS (/readyz, /metrics, admin routes, and unknown paths too,
 * so a stranger learns nothing): 403 with the reason. A console session passes to the API's
 * routes, each of which checks its role and stores; elsewhere (/readyz, /metrics) only an
 * admin's does.
 */
export function adminGuard(
  adminToken: string | undefined,
  sessions?: SessionCheck,
  limiter?: FailureLimiter,
  userTokens?: AdminAuthDeps['userTokens'],
) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // Express matches routes case-insensitively and with a trailing slash: so does this test.
    const path = req.path.toLowerCase().replace(/(.)\/+$/, '$1');
    if (PUBLIC_PATHS.includes(path) || isConsolePath(path)) return next();
    const refuse = (status: number, error: string) => {
      if (hasBody(req)) closeAfterResponse(res);
      res.status(status).json({ error });
    };
    const address = clientAddress(req);
    const wait = fromLoopbackDirectly(req) ? 0 : (limiter?.blockedFor(address) ?? 0);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return refuse(429, `too many wrong admin tokens from this address: try again in ${wait} s`);
    }
    // A Bearer token speaks for the request when there is one, as requireRole has it.
    const bearer = bearerToken(req.headers.authorization);
    if (
      adminToken &&
      sessions &&
      !fromLoopbackDirectly(req) &&
      req.headers.cookie !== undefined &&
      bearer === undefined
    ) {
      let session: ConsoleSession | undefined;
      try {
        session = await sessionOf(sessions, req);
      } catch {
        return refuse(503, SESSION_UNCHECKED);
      }
      if (session) {
        // The routes check CSRF, role and stores; what no route takes is the admin's alone.
        if (path.startsWith('/api/') || sessionPrincipal(session).role === 'admin') return next();
        return refuse(403, 'this needs the admin role');
      }
      // A session that ended (signed out, expired, a new password): the console signs in again.
      if (sessions.presented(req)) return refuse(401, 'your session has ended: sign in again');
    }
    // A user's API token: the routes check its role and stores, as a session's.
    if (adminToken && userTokens && bearer !== undefined && !fromLoopbackDirectly(req)) {
      let who: Awaited<ReturnType<typeof bearerPrincipal>>;
      try {
        who = await bearerPrincipal({ adminToken, userTokens }, req, bearer);
      } catch {
        return refuse(503, 'your token could not be checked: the journal did not answer; try again in a moment');
      }
      if (who !== 'wrong') {
        if (who.role === 'admin' || path.startsWith('/api/')) return next();
        return refuse(403, 'this needs the admin role');
      }
    }
    const refusal = adminRefusal(req, adminToken);
    if (refusal === 'wrong admin token') limiter?.failed(address);
    if (refusal === undefined) return next();
    refuse(403, refusal);
  };
}
