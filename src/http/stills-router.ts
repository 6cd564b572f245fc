import express, { type Router } from 'express';
import { requireAdmin, type AdminAuthDeps } from './admin-auth';

/** `GET /api/v1/alerts/{id}/still`: the JPEG the chat post took from the alert's clip, for the console. */
export function stillsRouter(
  deps: AdminAuthDeps & { read: (alertId: string) => Promise<Buffer | undefined> | Buffer | undefined },
): Router {
  const router = express.Router();
  router.get('/api/v1/alerts/:id/still', requireAdmin(deps), async (req, res) => {
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
