import express, { type Request, type Response, type Router } from 'express';
import { requireAdmin, type AdminAuthDeps } from './admin-auth';
import { badInputAnswer, fields } from './admin-input';
import type { AdminApi } from './admin-api';

/**
 * The outbound integrations for the admin API: `GET /api/v1/integrations` (state and backlog,
 * the URL as `integrations list` shows it, never the secret) and
 * `POST /api/v1/integrations/{id}/test` (the signed `ping` of `integrations test`). Adding and
 * removing stay with the CLI, which prints a new integration's secret once.
 */
export function integrationsRouter(deps: AdminAuthDeps & { api: AdminApi }): Router {
  const router = express.Router();
  const { api } = deps;
  router.use('/api/v1/integrations', requireAdmin(deps));

  router.get('/api/v1/integrations', async (req: Request, res: Response) => {
    fields(req.query, [], 'query');
    res.json({ integrations: await api.integrations() });
  });

  // No options, so no body to read: the ping is the whole request.
  router.post('/api/v1/integrations/:id/test', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const result = await api.testIntegration(id);
    if (!result)
      return void res.status(404).json({ error: `no integration ${id.slice(0, 128)} (see GET /api/v1/integrations)` });
    res.json({ id, ...result });
  });

  router.use('/api/v1/integrations', badInputAnswer);
  return router;
}
