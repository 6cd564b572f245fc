import { ROLES, type Role } from '../journal/users';
import type { SessionUser } from '../journal/console-sessions';

/** Users signed in through single sign-on are named so; `users add` keeps the prefix for them. */
export const SSO_PREFIX = 'sso:';

export interface ClaimNames {
  role: string;
  stores: string;
}

/**
 * The user a provider's claims make, or why the sign-in is refused: the role claim must name a
 * role, the stores claim (a list, or a comma-separated string) must list store ids, and a store
 * person must have at least one store. Every value is checked: the provider's word is trusted
 * only for what the bridge can read.
 */
export function userFromClaims(claims: Record<string, unknown>, names: ClaimNames): SessionUser | { refused: string } {
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200 || /[\u0000-\u001f\u007f]/.test(sub))
    return { refused: 'the provider gave no usable subject (sub)' };
  const raw = claims[names.role];
  const role = typeof raw === 'string' ? ROLES.find((r) => r === raw.trim().toLowerCase()) : undefined;
  if (!role)
    return {
      refused: `your account has no role for this console: the provider's "${names.role}" claim must be admin, manager or store`,
    };
  const rawStores = claims[names.stores];
  const list = Array.isArray(rawStores)
    ? rawStores
    : typeof rawStores === 'string'
      ? rawStores.split(',')
      : rawStores === undefined || rawStores === null
        ? []
        : undefined;
  // Every item a string: a number or an object is refused, not dropped (dropping them all would
  // leave an empty list, which means every store).
  const stores =
    list?.every((s) => typeof s === 'string') === true
      ? (list as string[]).map((s) => s.trim()).filter((s) => s.length > 0)
      : undefined;
  const every = stores?.length === 1 && stores[0] === '*';
  if (!stores || (!every && stores.some((s) => !/^[A-Za-z0-9_.:-]{1,128}$/.test(s))))
    return { refused: `the provider's "${names.stores}" claim is not a list of store ids` };
  // A missing claim is not "every store": a manager of every store says so with "*".
  if (role !== 'admin' && stores.length === 0)
    return {
      refused: `a ${role} account needs its stores in the provider's "${names.stores}" claim${role === 'manager' ? ' ("*" for every store)' : ''}`,
    };
  if (role === 'store' && every) return { refused: 'a store account covers named stores, not "*"' };
  return {
    name: `${SSO_PREFIX}${sub}`,
    displayName: displayName(claims, sub),
    role: role as Role,
    stores: role === 'admin' || every ? [] : [...new Set(stores)],
  };
}

function displayName(claims: Record<string, unknown>, sub: string): string {
  for (const key of ['name', 'preferred_username', 'email']) {
    const v = claims[key];
    if (typeof v === 'string') {
      const clean = cleanName(v);
      if (clean) return clean;
    }
  }
  return cleanName(sub) || 'single sign-on user';
}

/**
 * A name as people will read it (on the console, in the chat, spoken): no control, format or
 * line-separator characters (a bidirectional override could make a claim read as someone else's),
 * at most 80 characters, never a half of a surrogate pair.
 */
export function cleanName(raw: string): string {
  return Array.from(raw.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '').trim())
    .slice(0, 80)
    .join('')
    .trim();
}
