import type { Request, Response, NextFunction } from 'express';

/** A value the admin API refuses with 400 and this message. */
export class BadInput extends Error {
  readonly status = 400;
}

/** The admin routers' last handler: a BadInput is a 400 with its message; anything else goes on to the app's handler. */
export function badInputAnswer(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (err instanceof BadInput) return void res.status(400).json({ error: err.message });
  next(err);
}

/** Store ids as x-hoppers.json allows them. */
export const STORE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Camera ids as an alert may carry them: one line, bounded (the ingress strips control characters). */
export const CAMERA_ID = /^[^\x00-\x1f\x7f]{1,256}$/;

/**
 * The given fields of a query string or body, each given at most once and known: a typo such as
 * `?stor=` is refused, never silently ignored (it would answer every store).
 */
export function fields(source: unknown, known: readonly string[], where: 'query' | 'body'): Record<string, unknown> {
  const given = (source ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(given).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new BadInput(
      `unknown ${where === 'query' ? 'query parameter' : 'field'} ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')} (known: ${known.join(', ') || 'none'})`,
    );
  }
  for (const [k, v] of Object.entries(given))
    if (where === 'query' && Array.isArray(v)) throw new BadInput(`${k} is given more than once`);
  return given;
}

/** A string matching `pattern`, or undefined when absent. */
export function text(value: unknown, name: string, pattern: RegExp, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new BadInput(`${name} must be ${what}`);
  return value;
}

/** One of `allowed`, or undefined when absent. */
export function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T))
    throw new BadInput(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** A whole number from min to max (a query's digits, or a body's number), or undefined when absent. */
export function wholeNumber(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw new BadInput(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** A point in time: epoch milliseconds, or an ISO 8601 date or date-time; undefined when absent. */
export function instant(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const hint = `${name} must be epoch milliseconds or an ISO 8601 time such as 2026-11-22T08:00:00Z`;
  if (typeof value !== 'string') throw new BadInput(hint);
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const t = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
    ? Date.parse(value)
    : NaN;
  if (!Number.isFinite(t)) throw new BadInput(`${hint} (got "${value.slice(0, 40)}")`);
  return t;
}

/** An optional boolean field. */
export function flag(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new BadInput(`${name} must be true or false`);
  return value;
}
