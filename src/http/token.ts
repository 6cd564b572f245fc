import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** The token from `?token=`, `X-Pbx-Token` or `Authorization: Bearer`. */
export function presentedToken(req: Request): string | undefined {
  const q = req.query.token;
  if (typeof q === 'string' && q.length > 0) return q;
  const header = req.get('x-pbx-token');
  if (header) return header;
  return bearerToken(req.get('authorization'));
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = authorization ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return m?.[1];
}

/** Constant-time comparison; hashing first makes the lengths equal without leaking them. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
