import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import type { Logger } from '../log/logger';
import type { BridgeMetrics } from './metrics';
import type { Alert } from '../pipeline/alert';
import type { IngestOutcome } from '../pipeline/alert-pipeline';
import { parseAlertPayload } from '../veesion/alert-payload';
import { presentedToken, tokenMatches } from './token';
import { boundedBody, closeAfterResponse, hasBody } from './bounded-body';

export const ALERT_PATH = '/api/v1/veesion';
export const MAX_BODY_BYTES = 64 * 1024;

export interface IngressDeps {
  token: string;
  ingest: (alert: Alert, rawBody: string) => Promise<IngestOutcome>;
  logger: Logger;
  metrics: BridgeMetrics;
}

/** `POST /api/v1/veesion`: authenticate, bound, parse, journal, then 200. */
export function alertRouter(deps: IngressDeps): Router {
  const router = express.Router();
  const refuse = (res: Response, status: number, error: string) => {
    deps.metrics.ingressRejected.inc({ status: String(status) });
    res.status(status).json({ error });
  };

  router.post(
    ALERT_PATH,
    (req: Request, res: Response, next: NextFunction) => {
      // Authenticate before reading the body: strangers cannot make us buffer 64 KiB. A body
      // left unread is not drained either: the answer closes the connection.
      const refuseUnread = (status: number, error: string) => {
        if (hasBody(req)) closeAfterResponse(res);
        refuse(res, status, error);
      };
      if (!tokenMatches(presentedToken(req), deps.token)) return refuseUnread(401, 'missing or wrong token');
      if (!req.is('application/json')) return refuseUnread(415, 'Content-Type must be application/json');
      next();
    },
    boundedBody(MAX_BODY_BYTES, refuse),
    async (req: Request, res: Response) => {
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch (err) {
        return refuse(res, 400, `malformed JSON: ${(err as Error).message}`);
      }
      const parsed = parseAlertPayload(body, new Date());
      if (!parsed.ok) return refuse(res, 400, parsed.reason);
      const { alert } = parsed;
      let outcome: IngestOutcome;
      try {
        outcome = await deps.ingest(alert, raw);
      } catch (err) {
        deps.logger.error('journal write failed, alert refused with 503', { alertId: alert.id, err });
        return refuse(res, 503, 'journal unavailable, retry later');
      }
      res.status(200).json({ status: outcome, alertId: alert.id });
      // Counted and logged once the alert's call is on its way (its start runs without waiting
      // for I/O, so before this): a log line is not worth a millisecond of a theft alert.
      setImmediate(() => {
        deps.metrics.alertsReceived.inc({ store: alert.storeId, outcome });
        deps.logger.info('alert received', {
          alertId: alert.id,
          store: alert.storeId,
          camera: alert.cameraId,
          outcome,
        });
        // The production body is unconfirmed (fixtures/veesion): keep it visible at debug.
        if (deps.logger.isDebugEnabled()) deps.logger.debug('alert raw body', { alertId: alert.id, rawBody: raw });
      });
    },
  );
  return router;
}
