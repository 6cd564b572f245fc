import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import { jsonObjectBody, requireRole, type AdminAuthDeps } from './admin-auth';
import { EVERY_ROLE, inScope, outOfScope, principalOf } from './principal';
import {
  INCIDENT_STATES,
  OUTCOMES,
  type ClaimResult,
  type Incident,
  type IncidentActivity,
  type IncidentState,
  type Outcome,
  type ResolveResult,
} from '../pipeline/incident';
import { NAME_RULE, checkName } from '../pipeline/person-name';

/** What the routes need of the incident loop (the same code path as the CLI). */
export interface IncidentApi {
  list(state?: IncidentState): Promise<Incident[]> | Incident[];
  /** The incident a claim or resolve names (its id, or one of its alerts'), to check its store first. */
  find(ref: string): Promise<Incident | undefined>;
  /** What people did while it played (calls, joins and leaves of its room), oldest first. */
  activity(id: string): Promise<IncidentActivity[]>;
  claim(ref: string, by: string): Promise<ClaimResult>;
  resolve(ref: string, outcome: Outcome, by: string | null): Promise<ResolveResult>;
}

/**
 * The admin routes: `GET /api/v1/incidents?state=open`,
 * `POST /api/v1/incidents/{id}/claim {"by"}`, `POST /api/v1/incidents/{id}/resolve {"outcome","by"}`.
 * Every request presents BRIDGE_ADMIN_TOKEN as `Authorization: Bearer` or a console session
 * (401 otherwise, before the body is read), even from this host: a claim names a person. Every
 * role may use them, for its stores: the list leaves out other stores' incidents, and another
 * store's incident answers 403. A signed-in person claims and resolves under their own display
 * name, whatever `"by"` says; the admin token names the person in `"by"`.
 */
export function incidentsRouter(deps: AdminAuthDeps & { api: () => IncidentApi | undefined }): Router {
  const router = express.Router();
  const refuse = (res: Response, status: number, error: string) => void res.status(status).json({ error });
  router.use('/api/v1/incidents', requireRole(deps, EVERY_ROLE), (_req: Request, res: Response, next: NextFunction) => {
    if (!deps.api()) return refuse(res, 503, 'incidents are not running yet');
    next();
  });

  router.get('/api/v1/incidents', async (req, res) => {
    const state = req.query.state;
    if (state !== undefined && (typeof state !== 'string' || !INCIDENT_STATES.includes(state as IncidentState))) {
      return refuse(res, 400, `state must be one of ${INCIDENT_STATES.join(', ')}`);
    }
    const who = principalOf(res);
    const all = (await deps.api()?.list(state as IncidentState | undefined)) ?? [];
    res.json({ incidents: all.filter((i) => inScope(who, i.storeId)) });
  });

  const json = jsonObjectBody();

  // One incident with what happened around it: the console's timeline.
  router.get('/api/v1/incidents/:id', async (req, res) => {
    const found = await deps.api()?.find(String(req.params.id));
    if (!found) return refuse(res, 404, `no incident or alert ${String(req.params.id).slice(0, 256)}`);
    if (!inScope(principalOf(res), found.storeId)) return outOfScope(res, 'this incident');
    res.json({ incident: found, activity: (await deps.api()?.activity(found.id)) ?? [] });
  });

  /** The incident named, when it is in the person's stores (answered otherwise: false). */
  const inTheirStores = async (req: Request, res: Response): Promise<boolean> => {
    const found = await deps.api()?.find(String(req.params.id));
    if (found && !inScope(principalOf(res), found.storeId)) {
      outOfScope(res, 'this incident');
      return false;
    }
    return true;
  };

  router.post('/api/v1/incidents/:id/claim', ...json, async (req: Request, res: Response) => {
    // A signed-in person's display name was checked when the user was added.
    const signedIn = principalOf(res)?.displayName ?? null;
    const name =
      signedIn !== null
        ? { name: signedIn, error: undefined }
        : personName((req.body as { by?: unknown }).by, 'who takes it');
    if (name.error !== undefined) return refuse(res, 400, name.error);
    if (!(await inTheirStores(req, res))) return;
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
    const signedIn = principalOf(res)?.displayName ?? null;
    const name =
      signedIn !== null
        ? { name: signedIn, error: undefined }
        : by === undefined
          ? { name: null, error: undefined }
          : personName(by, 'who resolved it');
    if (name.error !== undefined) return refuse(res, 400, name.error);
    if (!(await inTheirStores(req, res))) return;
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
