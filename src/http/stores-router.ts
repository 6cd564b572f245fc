import express, { type Request, type Response, type Router } from 'express';
import { jsonObjectBody, requireAdmin, requireRole, type AdminAuthDeps } from './admin-auth';
import { EVERY_ROLE, MANAGERS, inScope, outOfScope, principalOf } from './principal';
import { CAMERA_ID, badInputAnswer, fields, text, wholeNumber } from './admin-input';
import type { AdminApi } from './admin-api';

/** A week: longer belongs in the store's quiet_hours, or out of x-hoppers.json. */
const MAX_SILENCE_MIN = 10_080;
/** A sentence to say: one line, no control characters (it is spoken, and named in the log). */
const SENTENCE = /^[^\x00-\x1f\x7f]{1,500}$/;

/**
 * The stores for the admin API: `GET /api/v1/stores` (as loaded, with their mutes),
 * `POST|DELETE /api/v1/stores/{id}/silence` (as `veesion-bridge silence`) and
 * `POST /api/v1/stores/{id}/test-alert` (as `veesion-bridge test-alert`, minus the HTTP hop).
 * Every role lists its stores; managers silence and speak in theirs (another store answers
 * 403); test alerts are the admin's.
 */
export function storesRouter(deps: AdminAuthDeps & { api: AdminApi }): Router {
  const router = express.Router();
  const { api } = deps;
  const unknownStore = (res: Response, id: string) =>
    void res.status(404).json({ error: `no store ${id.slice(0, 128)} in x-hoppers.json` });
  // Every role reads its stores (their names label its incidents); managers change them.
  router.use('/api/v1/stores', requireRole(deps, EVERY_ROLE));
  const managers = requireRole(deps, MANAGERS);
  // Every route below names its store: one outside the person's stores goes no further.
  router.use('/api/v1/stores/:id', (req: Request, res: Response, next) => {
    if (!inScope(principalOf(res), String(req.params.id)))
      return outOfScope(res, `store ${String(req.params.id).slice(0, 128)}`);
    next();
  });

  router.get('/api/v1/stores', (req: Request, res: Response) => {
    fields(req.query, [], 'query');
    const who = principalOf(res);
    res.json({ stores: api.stores().filter((s) => inScope(who, s.store_veesion_id)) });
  });

  router.post('/api/v1/stores/:id/silence', managers, ...jsonObjectBody(), async (req: Request, res: Response) => {
    const body = fields(req.body, ['minutes'], 'body');
    const minutes = wholeNumber(body.minutes, 'minutes', 1, MAX_SILENCE_MIN);
    if (minutes === undefined)
      return void res.status(400).json({ error: `minutes is required: a whole number from 1 to ${MAX_SILENCE_MIN}` });
    const id = String(req.params.id);
    const until = api.now() + minutes * 60_000;
    if (!(await api.silence(id, until))) return unknownStore(res, id);
    res.json({ storeId: id, silencedUntil: until });
  });

  router.delete('/api/v1/stores/:id/silence', managers, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!(await api.silence(id, 0))) return unknownStore(res, id);
    res.json({ storeId: id, silencedUntil: null });
  });

  router.post('/api/v1/stores/:id/say', managers, ...jsonObjectBody(), async (req: Request, res: Response) => {
    const body = fields(req.body, ['text'], 'body');
    const said = text(body.text, 'text', SENTENCE, 'a sentence (one line, 1 to 500 characters)');
    if (said === undefined) return void res.status(400).json({ error: 'text is required: the sentence to say' });
    const id = String(req.params.id);
    let result: Awaited<ReturnType<AdminApi['say']>>;
    try {
      result = await api.say(id, said);
    } catch (err) {
      return void res.status(502).json({ error: `not said: ${(err as Error).message}` });
    }
    if (!result) return unknownStore(res, id);
    res.json({ storeId: id, ...result });
  });

  router.post(
    '/api/v1/stores/:id/test-alert',
    requireAdmin(deps),
    ...jsonObjectBody(),
    async (req: Request, res: Response) => {
      const body = fields(req.body, ['cameraId'], 'body');
      const cameraId = text(body.cameraId, 'cameraId', CAMERA_ID, 'a camera id (one line, up to 256 characters)');
      const id = String(req.params.id);
      let sent: Awaited<ReturnType<AdminApi['testAlert']>>;
      try {
        sent = await api.testAlert(id, cameraId);
      } catch {
        // The journal refused the write (logged by the API).
        return void res.status(503).json({ error: 'journal unavailable: the test alert was not kept (see /readyz)' });
      }
      if (!sent) return unknownStore(res, id);
      res.json(sent);
    },
  );

  router.use('/api/v1/stores', badInputAnswer);
  return router;
}
