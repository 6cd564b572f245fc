import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import type { Logger } from '../log/logger';
import type { BridgeMetrics } from './metrics';
import { alertRouter, type IngressDeps } from './ingress';
import { adminGuard } from './admin-guard';
import { incidentsRouter, type IncidentApi } from './incidents-router';
import { closeAfterResponse, hasBody } from './bounded-body';
import { wildixEventsRouter, type WildixEventsDeps } from './wildix-events-router';
import type { AdminAuthDeps, SessionCheck } from './admin-auth';
import type { ChangeFeed } from './change-feed';
import { stillsRouter } from './stills-router';
import { consoleRouter, type ConsoleDeps } from '../console/console-router';
import type { ConsoleSessions } from '../console/sessions';
import type { AdminApi } from './admin-api';
import { adminRouter } from './admin-router';
import { FailureLimiter } from './failure-limiter';
import { trustedProxies } from './client-address';
import { auditTrail } from './audit-trail';
import type { JournalAudit } from '../journal/audit';
import { auditRouter } from './audit-router';

import type { ReadinessCheck } from '../area';

export type { ReadinessCheck };

export interface AppDeps extends IngressDeps {
  readiness: ReadinessCheck[];
  /** Extra state shown with /readyz for `veesion-bridge status` (never a secret). */
  details?: () => Record<string, unknown>;
  /** BRIDGE_ADMIN_TOKEN: opens /readyz, /metrics and the admin routes to other hosts. */
  adminToken?: string;
  /** Users' API tokens (`users token`), each acting as its user (absent: the admin token alone). */
  userTokens?: AdminAuthDeps['userTokens'];
  /** BRIDGE_TRUSTED_PROXIES: whose X-Forwarded-For names the client (empty: nobody's). */
  trustedProxies?: string;
  /** The audit trail: changes made through the admin routes are written to it, and read back (absent: not kept). */
  audit?: Pick<JournalAudit, 'record' | 'since'>;
  /** The incident routes' view of the incident loop (absent: no incident routes). */
  incidents?: () => IncidentApi | undefined;
  /** The areas' admin routes, mounted in order where the admin API's changes nudge consoles. */
  routes?: ((auth: AdminAuthDeps) => Router)[];
  /** The admin API: alerts, replay, stores, silences, test alerts, integrations, stats (absent: 404). */
  admin?: AdminApi;
  /** POST /api/v1/wildix/events (absent or without a secret: 404). */
  wildix?: Pick<WildixEventsDeps, 'secret' | 'handle' | 'capture'>;
  /** The operator console: its sessions (absent without BRIDGE_ADMIN_TOKEN), its change feed, the alerts' stills. */
  console?: {
    sessions: ConsoleSessions | undefined;
    /** Who signs in with a name and a password. */
    users: ConsoleDeps['users'];
    /** Single sign-on (absent: off). */
    oidc?: ConsoleDeps['oidc'];
    feed: ChangeFeed;
    still?: (alertId: string) => Buffer | undefined;
  };
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // req.ip: the client's address, believed from X-Forwarded-For only when a trusted proxy sent it.
  const proxies = trustedProxies(deps.trustedProxies ?? '');
  app.set('trust proxy', proxies.length ? proxies : false);
  // First, so no route added below can be reached from elsewhere without the admin token.
  const sessions: SessionCheck | undefined = deps.console?.sessions;
  const audit = deps.audit;
  const admin = deps.admin;
  const auth: AdminAuthDeps = {
    adminToken: deps.adminToken,
    sessions,
    limiter: new FailureLimiter(),
    userTokens: deps.userTokens,
    ...(audit ? { onChangeAdmitted: auditTrail((entry) => audit.record(entry), deps.logger) } : {}),
    ...(admin ? { alertStore: async (id: string) => (await admin.alert(id))?.alert.storeId } : {}),
  };
  app.use(adminGuard(deps.adminToken, sessions, auth.limiter, deps.userTokens));
  app.use(alertRouter(deps));
  app.use(
    wildixEventsRouter({
      ...deps.wildix,
      secret: deps.wildix?.secret,
      handle: deps.wildix?.handle ?? (() => ({ outcome: 'ignored' })),
      logger: deps.logger,
      metrics: deps.metrics,
    }),
  );
  // Any change made through the admin API (a silence, a replay...) nudges watching consoles.
  if (deps.console) {
    const feed = deps.console.feed;
    app.use('/api/v1', (req, res, next) => {
      // The store the change was made to, when the path names one: consoles see changes to their stores only.
      const store = pathStore(req.path);
      if (req.method !== 'GET') res.on('finish', () => res.statusCode < 400 && feed.publish('store', store));
      next();
    });
  }
  if (deps.incidents) app.use(incidentsRouter({ ...auth, api: deps.incidents }));
  for (const routes of deps.routes ?? []) app.use(routes(auth));
  if (deps.admin) app.use(adminRouter({ ...auth, api: deps.admin }));
  if (audit) app.use(auditRouter({ ...auth, audit }));
  if (deps.console) {
    app.use(
      consoleRouter({
        adminToken: deps.adminToken,
        sessions: deps.console.sessions,
        limiter: auth.limiter as FailureLimiter,
        users: deps.console.users,
        oidc: deps.console.oidc,
        logger: deps.logger,
      }),
    );
    app.use(deps.console.feed.router(auth));
    if (deps.console.still) app.use(stillsRouter({ ...auth, read: deps.console.still }));
  }
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const results = deps.readiness.map((c) => [c.name, evaluate(c)] as const);
    const checks = Object.fromEntries(results.map(([name, r]) => [name, r.ok]));
    const failing = results.filter(([, r]) => !r.ok);
    const ready = failing.length === 0;
    // `reasons` only while something fails: a ready answer keeps its shape.
    const reasons = ready ? {} : { reasons: Object.fromEntries(failing.map(([name, r]) => [name, r.reason])) };
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      checks,
      ...reasons,
      ...(deps.details ? { details: deps.details() } : {}),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use((req, res) => {
    if (hasBody(req)) closeAfterResponse(res);
    res.status(404).json({ error: 'not found' });
  });
  app.use(errorHandler(deps));
  return app;
}

/** A check that throws is failing, and what it threw is its reason. */
function evaluate(check: ReadinessCheck): { ok: boolean; reason: string } {
  try {
    if (check.ok()) return { ok: true, reason: '' };
    return { ok: false, reason: check.reason?.() ?? 'failing (no reason given)' };
  } catch (err) {
    return { ok: false, reason: `check failed: ${(err as Error).message}` };
  }
}

/** Maps client errors to their statuses; anything else is a 500 that is logged. */
function errorHandler(deps: { logger: Logger; metrics: BridgeMetrics }) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; message?: string };
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      deps.metrics.ingressRejected.inc({ status: String(e.status) });
      return void res.status(e.status).json({ error: e.message ?? 'bad request' });
    }
    deps.logger.error('unexpected error in HTTP handler', { err });
    res.status(500).json({ error: 'internal error' });
  };
}

/** The store an admin path names (`/stores/{id}/...`), decoded as the route decodes it. */
function pathStore(path: string): string | undefined {
  const raw = /^\/stores\/([^/]+)\//.exec(path)?.[1];
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
