/** What the client knows of its token's life, in its own clock's milliseconds. */
export interface TokenTimes {
  signedInAt: number;
  /** As granted at sign-in (`expires_in`). */
  lifetimeMs: number;
  /** Latest known expiry (sign-in, or Veesion's own count from GET /user-info). */
  expiresAt: number;
}

/**
 * A valid token is never replaced sooner than this after it was issued: a short-lived token
 * would otherwise be renewed about once a second.
 */
export const MIN_RENEW_INTERVAL_MS = 30_000;

/**
 * When to sign in again: once `min(marginMs, half the lifetime)` is left (so a short token is
 * still used for half its life), but not before MIN_RENEW_INTERVAL_MS after sign-in unless the
 * token has expired by then. Never later than the expiry.
 */
export function renewalDueAt(token: TokenTimes, marginMs: number): number {
  const margin = Math.min(marginMs, token.lifetimeMs / 2);
  const earliest = Math.min(token.signedInAt + MIN_RENEW_INTERVAL_MS, token.expiresAt);
  return Math.max(token.expiresAt - margin, earliest);
}
