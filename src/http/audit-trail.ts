import type { Request, Response } from 'express';
import type { Logger } from '../log/logger';
import type { AuditEntry } from '../journal/audit';
import { clientAddress } from './client-address';
import type { Principal } from './principal';

/** What of a change's body the trail keeps: its own values, never a URL (it may hold credentials) or a secret. */
const KEPT_FIELDS = [
  'by',
  'outcome',
  'store',
  'storeId',
  'camera',
  'for',
  'minutes',
  'until',
  'step',
  'force',
  'type',
  'filter',
  'scope',
  'text',
];
const MAX_TEXT = 200;

/**
 * Writes every change the admin routes let in to the audit trail once it succeeded: who (a
 * user by name, or the admin token; through the API or a console session), from where (the client's address) and
 * what (the method and path, which name what it was done to, and the change's own values).
 * requireAdmin calls it for the changes it admits, so alerts from Veesion, events from Wildix and
 * refusals pass by without it. It is written when the route answers, whether or not the client
 * is still there to read it: a change made for a client that hung up is a change all the same. A
 * trail that cannot be written is logged: the change itself is done by then.
 */
export function auditTrail(
  record: (e: AuditEntry) => Promise<void>,
  logger: Logger,
): (req: Request, res: Response, who: Principal) => void {
  return (req, res, who) => {
    // The route as matched (not the request line as sent, which may be any length or form).
    const action = `${req.method} ${req.baseUrl}${req.path}`.slice(0, 300);
    const end = res.end;
    let written = false;
    res.end = function (this: Response, ...args: unknown[]) {
      if (!written) {
        written = true;
        if (res.statusCode < 400) write();
      }
      return (end as (...a: unknown[]) => Response).apply(this, args);
    } as Response['end'];
    const write = () => {
      const entry: AuditEntry = {
        at: Date.now(),
        actor: who.actor,
        via: who.via,
        address: clientAddress(req),
        action,
        target: null,
        // A signed-in person's claim is theirs, whatever name the page sent.
        detail: withoutBy(kept(req.body), who.displayName !== null),
      };
      record(entry).catch((err: unknown) =>
        logger.warn('a change was made but not written to the audit trail', { action: entry.action, err }),
      );
    };
  };
}

function withoutBy(detail: Record<string, unknown>, drop: boolean): Record<string, unknown> {
  if (drop) delete detail.by;
  return detail;
}

function kept(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const out: Record<string, unknown> = {};
  for (const k of KEPT_FIELDS) {
    const v = (body as Record<string, unknown>)[k];
    if (typeof v === 'string') out[k] = v.slice(0, MAX_TEXT);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v.slice(0, 20);
  }
  return out;
}
