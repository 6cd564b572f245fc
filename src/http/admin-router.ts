import express, { type Router } from 'express';
import type { AdminApi } from './admin-api';
import type { AdminAuthDeps } from './admin-auth';
import { alertsRouter } from './alerts-router';
import { integrationsRouter } from './integrations-router';
import { storesRouter } from './stores-router';

/** Every admin API route, each behind `requireAdmin` (the incident routes have their own router). */
export function adminRouter(deps: AdminAuthDeps & { api: AdminApi }): Router {
  return express.Router().use(alertsRouter(deps), storesRouter(deps), integrationsRouter(deps));
}
