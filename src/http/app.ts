import express, { type Request, type Response, type NextFunction } from 'express';
import type { Logger } from '../log/logger';
import type { BridgeMetrics } from './metrics';
import { alertRouter, type IngressDeps } from './ingress';

export interface ReadinessCheck {
  name: string;
  ok: () => boolean;
}

export interface AppDeps extends IngressDeps {
  readiness: ReadinessCheck[];
  /** Extra state shown with /readyz for `veesion-bridge status` (never a secret). */
  details?: () => Record<string, unknown>;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(alertRouter(deps));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const checks = Object.fromEntries(deps.readiness.map((c) => [c.name, safe(c.ok)]));
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks, ...(deps.details ? { details: deps.details() } : {}) });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(errorHandler(deps));
  return app;
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/** Maps body-parser errors to their statuses; anything else is a 500 that is logged. */
function errorHandler(deps: AppDeps) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; type?: string; message?: string };
    if (e.type === 'entity.too.large') {
      deps.metrics.ingressRejected.inc({ status: '413' });
      return void res.status(413).json({ error: 'body larger than 64 KiB' });
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      deps.metrics.ingressRejected.inc({ status: String(e.status) });
      return void res.status(e.status).json({ error: e.message ?? 'bad request' });
    }
    deps.logger.error('unexpected error in HTTP handler', { err });
    res.status(500).json({ error: 'internal error' });
  };
}
