import express, { type Request, type Response, type Router } from 'express';
import { jsonObjectBody, requireAdmin, requireRole, type AdminAuthDeps } from './admin-auth';
import { EVERY_ROLE, inScope, outOfScope, principalOf, scopeOf } from './principal';
import {
  BadInput,
  CAMERA_ID,
  STORE_ID,
  badInputAnswer,
  fields,
  flag,
  instant,
  oneOf,
  text,
  wholeNumber,
} from './admin-input';
import { STEP_NAMES, STEP_STATES } from '../pipeline/alert';
import type { AdminApi } from './admin-api';

const DAY = 86_400_000;

/**
 * The journal's alerts for the admin API: `GET /api/v1/alerts` (newest first, filtered) and
 * `GET /api/v1/alerts/{id}` for every role, within its stores; `POST /api/v1/alerts/{id}/replay`
 * and `GET /api/v1/stats` for the admin.
 */
export function alertsRouter(deps: AdminAuthDeps & { api: AdminApi }): Router {
  const router = express.Router();
  const { api } = deps;
  const admin = requireAdmin(deps);
  router.use('/api/v1/alerts', requireRole(deps, EVERY_ROLE));
  router.use('/api/v1/stats', admin);

  router.get('/api/v1/alerts', async (req: Request, res: Response) => {
    const q = fields(req.query, ['store', 'camera', 'state', 'since', 'until', 'limit'], 'query');
    const since = instant(q.since, 'since');
    const until = instant(q.until, 'until');
    if (since !== undefined && until !== undefined && since > until)
      throw new BadInput('since must not be after until');
    const storeId = text(q.store, 'store', STORE_ID, 'a store id (letters, digits, _ . : -, up to 128)');
    const cameraId = text(q.camera, 'camera', CAMERA_ID, 'a camera id (one line, up to 256 characters)');
    const state = oneOf(q.state, 'state', STEP_STATES);
    const limit = wholeNumber(q.limit, 'limit', 1, 500) ?? 100;
    const who = principalOf(res);
    if (storeId !== undefined && !inScope(who, storeId)) return outOfScope(res, `store ${storeId}`);
    const scope = scopeOf(who);
    res.json({
      alerts: await api.alerts({
        limit,
        ...(storeId ? { storeId } : {}),
        ...(scope ? { storeIds: scope } : {}),
        ...(cameraId ? { cameraId } : {}),
        ...(state ? { state } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      }),
    });
  });

  router.get('/api/v1/alerts/:id', async (req: Request, res: Response) => {
    fields(req.query, [], 'query');
    const found = await api.alert(String(req.params.id));
    if (!found)
      return void res.status(404).json({ error: `no alert ${String(req.params.id).slice(0, 256)} in the journal` });
    if (!inScope(principalOf(res), found.alert.storeId)) return outOfScope(res, 'this alert');
    res.json(found);
  });

  router.post('/api/v1/alerts/:id/replay', admin, ...jsonObjectBody(), async (req: Request, res: Response) => {
    const body = fields(req.body, ['step', 'force'], 'body');
    const step = oneOf(body.step, 'step', STEP_NAMES);
    const force = flag(body.force, 'force') ?? false;
    const out = await api.replay(String(req.params.id), { step, force });
    if (out.storeId === undefined)
      return void res.status(404).json({ error: `no alert ${out.alertId.slice(0, 256)} in the journal` });
    // Nothing requeued: every step is done, muted on purpose, still under way, or its store is gone.
    if (out.requeued.length === 0) return void res.status(409).json({ error: 'nothing to replay', ...out });
    res.json(out);
  });

  router.get('/api/v1/stats', async (req: Request, res: Response) => {
    const q = fields(req.query, ['days'], 'query');
    const days = wholeNumber(q.days, 'days', 1, 31) ?? 7;
    res.json({ days, ...(await api.stats(api.now() - days * DAY)) });
  });

  router.use(['/api/v1/alerts', '/api/v1/stats'], badInputAnswer);
  return router;
}
