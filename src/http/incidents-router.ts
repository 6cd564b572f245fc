import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import { jsonObjectBody, requireAdmin, type AdminAuthDeps } from './admin-auth';
import {
  INCIDENT_STATES,
  OUTCOMES,
  type ClaimResult,
  type Incident,
  type IncidentState,
  type Outcome,
  type ResolveResult,
} from '../pipeline/incident';
import { NAME_RULE, checkName } from '../pipeline/person-name';

/** What the routes need of the incident loop (the same code path as the CLI). */
export interface IncidentApi {
  list(state?: IncidentState): Promise<Incident[]> | Incident[];
  claim(ref: string, by: string): Promise<ClaimResult>;
  resolve(ref: string, outcome: Outcome, by: string | null): Promise<ResolveResult>;
}

/**
 * The admin routes: `GET /api/v1/incidents?state=open`,
 * `POST /api/v1/incidents/{id}/claim {"by"}`, `POST /api/v1/incidents/{id}/resolve {"outcome","by"}`.
 * Every request presents BRIDGE_ADMIN_TOKEN as `Authorization: Bearer` (constant-time compare;
 * 401 otherwise, before the body is read), even from this host: a claim names a person.
 */
export function incidentsRouter(deps: AdminAuthDeps & { api: () => IncidentApi | undefined }): Router {
  const router = express.Router();
  const refuse = (res: Response, status: number, error: string) => void res.status(status).json({ error });
  router.use('/api/v1/incidents', requireAdmin(deps), (_req: Request, res: Response, next: NextFunction) => {
    if (!deps.api()) return refuse(res, 503, 'incidents are not running yet');
    next();
  });

  router.get('/api/v1/incidents', async (req, res) => {
    const state = req.query.state;
    if (state !== undefined && (typeof state !== 'string' || !INCIDENT_STATES.includes(state as IncidentState))) {
      return refuse(res, 400, `state must be one of ${INCIDENT_STATES.join(', ')}`);
    }
    res.json({ incidents: (await deps.api()?.list(state as IncidentState | undefined)) ?? [] });
  });

  const json = jsonObjectBody();

  router.post('/api/v1/incidents/:id/claim', ...json, async (req: Request, res: Response) => {
    const by = (req.body as { by?: unknown }).by;
    const name = personName(by, 'who takes it');
    if (name.error !== undefined) return refuse(res, 400, name.error);
    const result = await deps.api()?.claim(String(req.params.id), name.name);
    if (!result) return refuse(res, 503, 'incidents are not running yet');
    switch (result.kind) {
      case 'claimed':
        return void res.json({ status: 'claimed', incident: result.incident });
      case 'already':
        return void res.status(409).json({
          status: 'already claimed',
          claimedBy: result.incident.claimedBy,
          claimedAt: result.incident.claimedAt,
          incident: result.incident,
        });
      case 'closed':
        return void res.status(409).json({ status: `already ${result.incident.state}`, incident: result.incident });
      case 'not-found':
        return refuse(res, 404, `no incident or alert ${result.ref}`);
    }
  });

  router.post('/api/v1/incidents/:id/resolve', ...json, async (req: Request, res: Response) => {
    const { outcome, by } = req.body as { outcome?: unknown; by?: unknown };
    if (typeof outcome !== 'string' || !OUTCOMES.includes(outcome as Outcome))
      return refuse(res, 400, `"outcome" must be one of ${OUTCOMES.join(', ')}`);
    const name = by === undefined ? { name: null, error: undefined } : personName(by, 'who resolved it');
    if (name.error !== undefined) return refuse(res, 400, name.error);
    const result = await deps.api()?.resolve(String(req.params.id), outcome as Outcome, name.name);
    if (!result) return refuse(res, 503, 'incidents are not running yet');
    switch (result.kind) {
      case 'resolved':
        return void res.json({ status: 'resolved', incident: result.incident });
      case 'already':
        return void res.status(409).json({ status: 'already resolved', incident: result.incident });
      case 'not-found':
        return refuse(res, 404, `no incident or alert ${result.ref}`);
    }
  });
  return router;
}

/** A body's `"by"`, trimmed, when it keeps the names rule; else the 400's reason. */
function personName(by: unknown, role: string): { name: string; error?: undefined } | { error: string } {
  if (typeof by !== 'string') return { error: `"by" must name ${role}: ${NAME_RULE}` };
  const name = by.trim();
  const why = checkName(name);
  return why === undefined ? { name } : { error: `"by" ${why}: it names ${role}, ${NAME_RULE}` };
}
