import express, { type Router } from 'express';
import { requireRole, type AdminAuthDeps } from './admin-auth';
import { EVERY_ROLE, inScope, outOfScope, principalOf, scopeOf } from './principal';

/** `GET /api/v1/alerts/{id}/still`: the JPEG the chat post took from the alert's clip, for the console (every role, its stores' alerts). */
export function stillsRouter(
  deps: AdminAuthDeps & { read: (alertId: string) => Promise<Buffer | undefined> | Buffer | undefined },
): Router {
  const router = express.Router();
  router.get('/api/v1/alerts/:id/still', requireRole(deps, EVERY_ROLE), async (req, res) => {
    const who = principalOf(res);
    // A person scoped to some stores sees the stills of their alerts only.
    if (scopeOf(who) !== undefined) {
      const store = await deps.alertStore?.(String(req.params.id));
      if (store === undefined || !inScope(who, store)) return outOfScope(res, 'this alert');
    }
    const jpeg = await deps.read(String(req.params.id));
    if (!jpeg)
      return void res
        .status(404)
        .json({ error: 'no still image for this alert (no clip, or one ffmpeg could not read)' });
    res.setHeader('Cache-Control', 'no-store'); // gone from the browser with the session
    res.type('image/jpeg').send(jpeg);
  });
  return router;
}
