import type { Response } from 'express';
import { ROLES, type Role } from '../journal/users';

/** One console session: its id (in the journal) and when it ends. */
export interface SessionRef {
  id: string;
  expiresAt: number;
}

/** Who a request acts as, once the admin routes let it in. */
export interface Principal {
  /** A user's name, or `admin token` for the break-glass token (and a session signed in with it). */
  actor: string;
  /** The name a claim is recorded under; null for the admin token, whose requests name a person themselves. */
  displayName: string | null;
  role: Role;
  /** The stores it covers (store_veesion_ids); empty: every store. */
  stores: readonly string[];
  via: 'api' | 'console';
  /** The console session it came with; absent for a Bearer token. */
  session?: SessionRef;
}

export const EVERY_ROLE: readonly Role[] = ROLES;
/** Who may silence and speak in stores, besides reading them. */
export const MANAGERS: readonly Role[] = ['admin', 'manager'];

export const ADMIN_TOKEN_ACTOR = 'admin token';

const KEY = 'principal';

/** Who requireRole let this request in as (undefined before it ran, or on a route without it). */
export function principalOf(res: Response): Principal | undefined {
  return res.locals[KEY] as Principal | undefined;
}

export function setPrincipal(res: Response, p: Principal): void {
  res.locals[KEY] = p;
}

/** Whether a store is one the principal covers (nobody let in covers none). */
export function inScope(p: Principal | undefined, storeId: string): boolean {
  return p !== undefined && (p.stores.length === 0 || p.stores.includes(storeId));
}

/** The stores a list must be narrowed to, or undefined for every store (nobody let in: none). */
export function scopeOf(p: Principal | undefined): readonly string[] | undefined {
  if (p === undefined) return [];
  return p.stores.length === 0 ? undefined : p.stores;
}

/** The 403 for something outside the principal's stores: it says no more than that. */
export function outOfScope(res: Response, what: string): void {
  res.status(403).json({ error: `${what} is in a store your account does not cover` });
}
