import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log/logger';
import type { BridgeMetrics } from './metrics';
import { parseWildixEvent, type WildixEvent } from '../chat/wildix-event';
import { boundedBody, closeAfterResponse, hasBody } from './bounded-body';
import { MAX_BODY_BYTES } from './ingress';

export const WILDIX_EVENTS_PATH = '/api/v1/wildix/events';

export interface WildixEventsDeps {
  /** BRIDGE_WILDIX_WEBHOOK_SECRET; absent: the route answers 404 (events are off). */
  secret: string | undefined;
  handle: (
    event: WildixEvent,
  ) => Promise<{ outcome: string; incidentId?: string }> | { outcome: string; incidentId?: string };
  logger: Logger;
  metrics: BridgeMetrics;
  /** Hears the raw body of each event whose signature matched (`veesion-bridge wildix capture`). */
  capture?: (raw: Buffer) => void;
}

/** Event types counted under their own name; any further one is counted as `other`. */
const MAX_UNREAD_TYPES = 50;

const SIGNATURE = /^[0-9a-f]{64}$/i;

/**
 * `POST /api/v1/wildix/events`: Wildix's webhook integration. The signature
 * covers the body, so only its presence and form are checked before reading; the body is
 * bounded (64 KiB), then its HMAC is compared in constant time before a byte of it is parsed.
 * Wildix waits 5 s for an answer and sends the event again otherwise: handling is synchronous
 * journal work, and a repeated event is answered 200 without being done twice.
 */
export function wildixEventsRouter(deps: WildixEventsDeps): Router {
  const router = express.Router();
  const refuse = (res: Response, status: number, error: string) => {
    deps.metrics.ingressRejected.inc({ status: String(status) });
    res.status(status).json({ error });
  };
  // A secret that does not match WMS's refuses every event: say so, at most once a minute.
  let warnedAt = -Infinity;
  const wrongSignature = (res: Response) => {
    if (Date.now() - warnedAt >= 60_000) {
      warnedAt = Date.now();
      deps.logger.warn(
        'Wildix event refused: wrong x-signature; if every event is refused, BRIDGE_WILDIX_WEBHOOK_SECRET is not the secret of the WMS webhook integration',
      );
    }
    refuse(res, 401, 'wrong x-signature');
  };
  // A type the bridge does not read: counted, and its shape logged once (key names, no value).
  const unreadTypes = new Set<string>();
  const unread = (type: string, shape: string) => {
    const known = unreadTypes.has(type) || unreadTypes.size < MAX_UNREAD_TYPES;
    deps.metrics.wildixEventsUnread.inc({ type: known ? type : 'other' });
    if (!known || unreadTypes.has(type)) return;
    unreadTypes.add(type);
    deps.logger.info('Wildix event type not read: acknowledged and counted; its keys, for whoever adds it', {
      type,
      keys: shape,
    });
  };
  router.post(
    WILDIX_EVENTS_PATH,
    (req: Request, res: Response, next: NextFunction) => {
      const refuseUnread = (status: number, error: string) => {
        if (hasBody(req)) closeAfterResponse(res);
        refuse(res, status, error);
      };
      if (!deps.secret)
        return refuseUnread(
          404,
          'Wildix events are off: set BRIDGE_WILDIX_WEBHOOK_SECRET to the integration secret shown in WMS',
        );
      if (!SIGNATURE.test(req.get('x-signature') ?? '')) return refuseUnread(401, 'missing or malformed x-signature');
      if (!req.is('application/json')) return refuseUnread(415, 'Content-Type must be application/json');
      next();
    },
    boundedBody(MAX_BODY_BYTES, refuse),
    async (req: Request, res: Response) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!signatureMatches(deps.secret as string, raw, req.get('x-signature') as string)) return wrongSignature(res);
      try {
        deps.capture?.(raw);
      } catch (err) {
        deps.logger.warn('Wildix event not captured', { err });
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        return refuse(res, 400, `malformed JSON: ${(err as Error).message}`);
      }
      const parsed = parseWildixEvent(body);
      if (!parsed.ok) return refuse(res, 400, parsed.reason);
      if (parsed.event.kind === 'unread') unread(parsed.event.type, parsed.event.shape);
      let result: Awaited<ReturnType<typeof deps.handle>>;
      try {
        result = await deps.handle(parsed.event);
      } catch (err) {
        deps.logger.error('Wildix event not handled (journal?): answered 503 so Wildix sends it again', {
          eventId: parsed.event.id,
          type: parsed.event.type,
          err,
        });
        return refuse(res, 503, 'could not handle the event now, send it again');
      }
      res.status(200).json({ status: result.outcome, ...(result.incidentId ? { incidentId: result.incidentId } : {}) });
    },
  );
  return router;
}

/** hex(HMAC-SHA256(key = utf8(secret), message = raw body)), compared in constant time. */
export function signatureMatches(secret: string, raw: Buffer, presented: string): boolean {
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(raw).digest();
  const given = Buffer.from(presented, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
